/**
 * The little of JWT that byot needs: base64url, RS256 signing of a service-account assertion with
 * WebCrypto, importing the PEM private key of a `credentials.json` (PKCS#8 or PKCS#1), and reading
 * a token's claims without verifying it (to learn its `exp`).
 *
 * @module
 */
import { createPrivateKey } from "node:crypto";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** RS256 as WebCrypto names it. */
const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/**
 * Encodes bytes or UTF-8 text as unpadded base64url.
 *
 * @example
 * ```ts
 * base64UrlEncode("{}"); // "e30"
 * ```
 */
export function base64UrlEncode(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url (padding optional). Throws on input that is not base64url. */
export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The claims of a compact JWT, decoded but NOT verified; undefined when `token` is not three
 * dot-separated parts whose second is a base64url JSON object.
 *
 * @example
 * ```ts
 * decodeJwtClaims("not-a-jwt"); // undefined
 * ```
 */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(decoder.decode(base64UrlDecode(parts[1])));
    return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs `claims` as a compact RS256 JWT (`{"alg":"RS256","typ":"JWT"}`) with `key`.
 *
 * @param key an RSASSA-PKCS1-v1_5/SHA-256 private key with the `sign` usage.
 */
export async function signRs256(claims: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const input = `${base64UrlEncode(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${
    base64UrlEncode(JSON.stringify(claims))
  }`;
  const signature = await crypto.subtle.sign(RS256.name, key, encoder.encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/** Why a PEM private key could not be imported; never contains key material. */
export class PrivateKeyError extends Error {
  /**
   * Creates the error.
   *
   * @param message why the key was refused, without key material.
   * @param options the underlying error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PrivateKeyError";
  }
}

/**
 * Imports a PEM RSA private key for RS256 signing: PKCS#8 (`BEGIN PRIVATE KEY`) directly with
 * WebCrypto, PKCS#1 (`BEGIN RSA PRIVATE KEY`) after `node:crypto` converts it to PKCS#8. Literal
 * `\n` sequences (a key pasted into JSON twice escaped) are read as line breaks.
 *
 * @throws {PrivateKeyError} for an encrypted, non-RSA, or malformed key; the message says which,
 *   without quoting the key.
 */
export async function importRsaPrivateKey(pem: string): Promise<CryptoKey> {
  const text = pem.replace(/\\n/g, "\n").trim();
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  let der: Uint8Array<ArrayBuffer>;
  if (label === "PRIVATE KEY") {
    der = pemBody(text, label);
  } else if (label === "RSA PRIVATE KEY") {
    try {
      const exported = createPrivateKey({ key: text, format: "pem" }).export({
        type: "pkcs8",
        format: "der",
      });
      der = new Uint8Array(exported);
    } catch (error) {
      throw new PrivateKeyError("is not a readable PKCS#1 RSA private key", { cause: error });
    }
  } else if (label === "ENCRYPTED PRIVATE KEY") {
    throw new PrivateKeyError("is encrypted; byot needs the unencrypted key Skyflow issued");
  } else if (label === undefined) {
    throw new PrivateKeyError("is not a PEM private key (no BEGIN PRIVATE KEY line)");
  } else {
    throw new PrivateKeyError(`is a PEM "${label}", not an RSA private key`);
  }
  try {
    return await crypto.subtle.importKey("pkcs8", der, RS256, false, ["sign"]);
  } catch (error) {
    throw new PrivateKeyError("is not a valid RSA private key", { cause: error });
  }
}

/** The DER bytes between the BEGIN and END lines of `label`. */
function pemBody(text: string, label: string): Uint8Array<ArrayBuffer> {
  const start = text.indexOf(`-----BEGIN ${label}-----`) + `-----BEGIN ${label}-----`.length;
  const end = text.indexOf(`-----END ${label}-----`, start);
  if (end < 0) throw new PrivateKeyError(`has no END ${label} line`);
  const base64 = text.slice(start, end).replace(/\s+/g, "");
  try {
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch (error) {
    throw new PrivateKeyError("is not valid base64 between its BEGIN and END lines", { cause: error });
  }
}

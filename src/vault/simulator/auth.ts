/**
 * Authentication of the simulator: the bearer-token check on every vault request (expired JWTs get
 * Skyflow's exact message) and the service-account token endpoint, which exchanges an assertion
 * JWT for an access token signed with a key that lives only as long as the simulator.
 *
 * @module
 */
import type { ResolvedSimulatorOptions } from "./options.ts";
import { fail, isObject, type Reply } from "./http.ts";
import type { SimulatorStats } from "./stats.ts";

/** Skyflow's message for an expired bearer token (§4 of the API notes). */
export const EXPIRED_TOKEN_MESSAGE =
  "Authentication failed. Bearer token is expired. Use a valid bearer token. See https://docs.skyflow.com/api-authentication/";

/** The grant type of the service-account token exchange. */
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decodes base64url (padding optional); throws on bad input. */
export function base64UrlDecode(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Encodes bytes or UTF-8 text as unpadded base64url. */
export function base64UrlEncode(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A decoded (not verified) JWT. */
export interface DecodedJwt {
  /** The JOSE header (`alg`, `typ`). */
  header: Record<string, unknown>;
  /** The claims. */
  payload: Record<string, unknown>;
  /** `header.payload` as sent, the bytes a signature covers. */
  signingInput: string;
  /** The decoded signature bytes. */
  signature: Uint8Array;
}

/**
 * Decodes a compact JWT without verifying it; undefined when it is not three base64url parts with
 * JSON objects in the first two.
 *
 * @example
 * ```ts
 * decodeJwt("not-a-jwt"); // undefined
 * ```
 */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(decoder.decode(base64UrlDecode(parts[0])));
    const payload = JSON.parse(decoder.decode(base64UrlDecode(parts[1])));
    if (!isObject(header) || !isObject(payload)) return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: base64UrlDecode(parts[2]) };
  } catch {
    return undefined;
  }
}

const maxCachedExpiries = 10_000;

/**
 * Checks bearer tokens and issues access tokens.
 *
 * @example
 * ```ts ignore
 * const auth = new AuthGate(resolveSimulatorOptions(), new SimulatorStats());
 * auth.check("Bearer anything"); // undefined: accepted
 * ```
 */
export class AuthGate {
  #options: ResolvedSimulatorOptions;
  #stats: SimulatorStats;
  #issued = new Set<string>();
  /** token → `exp` in seconds, or null when the token is not a JWT with a numeric `exp`. */
  #expiries = new Map<string, number | null>();
  #signingKey?: Promise<CryptoKey>;
  #publicKey?: { pem: string; key: Promise<CryptoKey> };

  /**
   * Creates the gate.
   *
   * @param options read on every call, so changes while running apply.
   * @param stats counts issued tokens.
   */
  constructor(options: ResolvedSimulatorOptions, stats: SimulatorStats) {
    this.#options = options;
    this.#stats = stats;
  }

  /** Checks an `Authorization` header; returns the 401 message, or undefined when accepted. */
  check(authorization: string | null): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return "Authentication failed. Bearer token is missing or malformed.";
    const token = match[1];
    const exp = this.#expiry(token);
    if (exp !== null && exp * 1000 <= this.#options.now()) return EXPIRED_TOKEN_MESSAGE;
    const only = this.#options.bearerToken;
    if (only !== undefined && token !== only && !this.#issued.has(token)) {
      return "Authentication failed. Bearer token is invalid.";
    }
    return undefined;
  }

  /**
   * Answers a token request body (`grant_type`, `assertion`, optional `scope`): 200 with
   * `{accessToken, tokenType: "Bearer"}`, 400 for a malformed request, 401 for a bad assertion.
   */
  async issue(body: unknown): Promise<Reply> {
    if (!isObject(body)) return fail(400, "Invalid request body.");
    if (body.grant_type !== JWT_BEARER_GRANT) return fail(400, "Unsupported grant_type.");
    if (typeof body.assertion !== "string") return fail(400, "Missing assertion.");
    const jwt = decodeJwt(body.assertion);
    if (!jwt) return fail(400, "Malformed assertion.");
    const claims = jwt.payload;
    for (const claim of ["iss", "key", "aud", "sub"]) {
      if (typeof claims[claim] !== "string" || claims[claim] === "") {
        return fail(401, `Invalid assertion: claim ${claim} is missing.`);
      }
    }
    const { serviceAccountClientId: clientId, serviceAccountKeyId: keyId } = this.#options;
    if (clientId !== undefined && (claims.iss !== clientId || claims.sub !== clientId)) {
      return fail(401, "Invalid assertion: iss and sub must be the service account's clientID.");
    }
    if (keyId !== undefined && claims.key !== keyId) {
      return fail(401, "Invalid assertion: key must be the service account's keyID.");
    }
    const nowSeconds = Math.floor(this.#options.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) {
      return fail(401, "Invalid assertion: expired or without exp.");
    }
    if (!(await this.#verifyAssertion(jwt))) {
      return fail(401, "Invalid assertion: signature verification failed.");
    }
    const payload: Record<string, unknown> = {
      iss: "byot-simulator",
      sub: claims.sub,
      iat: nowSeconds,
      exp: nowSeconds + this.#options.tokenTtlSeconds,
    };
    if (typeof body.scope === "string") payload.scope = body.scope;
    const accessToken = await this.#sign(payload);
    this.#issued.add(accessToken);
    this.#stats.tokensIssued++;
    return { status: 200, body: { accessToken, tokenType: "Bearer" } };
  }

  #expiry(token: string): number | null {
    let exp = this.#expiries.get(token);
    if (exp === undefined) {
      const payload = decodeJwt(token)?.payload;
      exp = typeof payload?.exp === "number" ? payload.exp : null;
      if (this.#expiries.size >= maxCachedExpiries) this.#expiries.clear();
      this.#expiries.set(token, exp);
    }
    return exp;
  }

  async #verifyAssertion(jwt: DecodedJwt): Promise<boolean> {
    const pem = this.#options.serviceAccountPublicKey;
    if (pem === undefined) return true;
    if (jwt.header.alg !== "RS256") return false;
    if (this.#publicKey?.pem !== pem) this.#publicKey = { pem, key: importSpki(pem) };
    try {
      const key = await this.#publicKey.key;
      return await crypto.subtle.verify(
        "RSASSA-PKCS1-v1_5",
        key,
        jwt.signature as Uint8Array<ArrayBuffer>,
        encoder.encode(jwt.signingInput),
      );
    } catch {
      return false;
    }
  }

  async #sign(payload: Record<string, unknown>): Promise<string> {
    this.#signingKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]) as Promise<
      CryptoKey
    >;
    const input = `${base64UrlEncode(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${
      base64UrlEncode(JSON.stringify(payload))
    }`;
    const signature = await crypto.subtle.sign("HMAC", await this.#signingKey, encoder.encode(input));
    return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
  }
}

/** Imports a PEM `PUBLIC KEY` (SPKI) for RS256 verification. */
function importSpki(pem: string): Promise<CryptoKey> {
  const base64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey("spki", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
    "verify",
  ]);
}

/**
 * Key-pair helpers of the Snowflake test double: RSA keys for the driver (WebCrypto, PKCS#8 PEM) and
 * verification of the RS256 JWT the driver sends at login.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { privatePem, rsaKeyPair } from "../../_fixtures/rsa.ts";

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

/** Verifies an RS256 JWT and the claims the driver sets: `sub` ACCOUNT.USER, `iss` sub.SHA256:<fp>. */
export async function verifyJwt(
  jwt: string,
  key: CryptoKey | undefined,
  data: Record<string, unknown>,
): Promise<boolean> {
  if (!key) return false;
  const parts = jwt.split(".");
  if (parts.length !== 3) return false;
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, base64UrlDecode(parts[2]), signed);
  if (!valid) return false;
  const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1])));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", key));
  const fingerprint = Buffer.from(await crypto.subtle.digest("SHA-256", spki)).toString("base64");
  const sub = `${String(data.ACCOUNT_NAME).toUpperCase()}.${String(data.LOGIN_NAME).toUpperCase()}`;
  return claims.sub === sub && claims.iss === `${sub}.SHA256:${fingerprint}`;
}

/** Generates an RSA key pair; writes the private key as PKCS#8 PEM to `path`. */
export async function writeRsaKey(path: string): Promise<CryptoKey> {
  const pair = await rsaKeyPair();
  await Deno.writeTextFile(path, await privatePem(pair.privateKey));
  return pair.publicKey;
}

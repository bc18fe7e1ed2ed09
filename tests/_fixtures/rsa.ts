/**
 * RSA test keys: service-account credentials, the simulator's token endpoint and Snowflake key-pair
 * auth all need a fresh RS256 key pair and its PEM text.
 *
 * @module
 */

/** A fresh extractable RS256 (RSASSA-PKCS1-v1_5, 2048-bit, SHA-256) signing key pair. */
export function rsaKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
}

/** DER bytes as a PEM block under `label`, 64 base64 characters per line. */
export function pem(label: string, der: ArrayBuffer): string {
  const base64 = btoa(String.fromCharCode(...new Uint8Array(der))).replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** The PKCS#8 PEM of a private key. */
export async function privatePem(key: CryptoKey): Promise<string> {
  return pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", key));
}

/** The SPKI PEM of a public key. */
export async function publicPem(key: CryptoKey): Promise<string> {
  return pem("PUBLIC KEY", await crypto.subtle.exportKey("spki", key));
}

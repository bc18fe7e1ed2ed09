import assert from "node:assert/strict";
import {
  EXPIRED_TOKEN_MESSAGE,
  JWT_BEARER_GRANT,
  type Simulator,
  startSimulator,
} from "../../../src/vault/simulator/mod.ts";
import { base64UrlEncode } from "../../../src/vault/simulator/auth.ts";
import { publicPem, rsaKeyPair } from "../../_fixtures/rsa.ts";

function unsignedJwt(payload: Record<string, unknown>): string {
  return `${base64UrlEncode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${
    base64UrlEncode(JSON.stringify(payload))
  }.c2ln`;
}

async function rs256Jwt(payload: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const input = `${base64UrlEncode(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${
    base64UrlEncode(JSON.stringify(payload))
  }`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}

const claims = (nowMs: number) => ({
  iss: "client-1",
  key: "key-1",
  aud: "http://127.0.0.1/v1/auth/sa/oauth/token",
  sub: "client-1",
  exp: Math.floor(nowMs / 1000) + 3600,
});

async function get(sim: Simulator, authorization?: string) {
  const res = await fetch(`${sim.url}/v1/vaults/v1/name?limit=1`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: res.status, body: await res.json() };
}

async function exchange(sim: Simulator, body: unknown) {
  const res = await fetch(`${sim.url}/v1/auth/sa/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("vault endpoints answer 401 without a bearer token", async () => {
  const sim = await startSimulator();
  try {
    const res = await get(sim);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.grpc_code, 16);
    assert.equal((await get(sim, "Bearer ")).status, 401);
    assert.equal((await get(sim, "Basic abc")).status, 401);
    assert.equal((await get(sim, "Bearer anything")).status, 404, "any token passes; the table is empty");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("vault endpoints answer Skyflow's exact 401 message for an expired JWT", async () => {
  const sim = await startSimulator();
  try {
    const res = await get(
      sim,
      `Bearer ${unsignedJwt({ sub: "x", exp: Math.floor(Date.now() / 1000) - 10 })}`,
    );
    assert.equal(res.status, 401);
    assert.equal(res.body.error.message, EXPIRED_TOKEN_MESSAGE);
    assert.equal(
      EXPIRED_TOKEN_MESSAGE,
      "Authentication failed. Bearer token is expired. Use a valid bearer token. See https://docs.skyflow.com/api-authentication/",
    );
  } finally {
    await sim.shutdown();
  }
});

Deno.test("bearerToken makes the simulator accept only that token and tokens it issued", async () => {
  let now = Date.UTC(2026, 0, 1);
  const sim = await startSimulator({ bearerToken: "the-one", tokenTtlSeconds: 600, now: () => now });
  try {
    assert.equal((await get(sim, "Bearer other")).status, 401);
    assert.equal((await get(sim, "Bearer the-one")).status, 404);
    const issued = await exchange(sim, { grant_type: JWT_BEARER_GRANT, assertion: unsignedJwt(claims(now)) });
    assert.equal(issued.status, 200);
    assert.equal(issued.body.tokenType, "Bearer");
    assert.equal(sim.stats.tokensIssued, 1);
    const token = issued.body.accessToken as string;
    assert.equal(token.split(".").length, 3);
    assert.equal((await get(sim, `Bearer ${token}`)).status, 404, "the issued token works");
    now += 601_000;
    const expired = await get(sim, `Bearer ${token}`);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.message, EXPIRED_TOKEN_MESSAGE);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("the token endpoint rejects bad grants, malformed and expired assertions", async () => {
  const now = Date.now();
  const sim = await startSimulator();
  try {
    assert.equal(
      (await exchange(sim, { grant_type: "password", assertion: unsignedJwt(claims(now)) })).status,
      400,
    );
    assert.equal((await exchange(sim, { grant_type: JWT_BEARER_GRANT, assertion: "not.a.jwt" })).status, 400);
    const expired = { ...claims(now), exp: Math.floor(now / 1000) - 1 };
    assert.equal(
      (await exchange(sim, { grant_type: JWT_BEARER_GRANT, assertion: unsignedJwt(expired) })).status,
      401,
    );
    const noKey = { ...claims(now), key: undefined };
    const res = await exchange(sim, { grant_type: JWT_BEARER_GRANT, assertion: unsignedJwt(noKey) });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.http_code, 401);
    assert.equal(sim.stats.tokensIssued, 0);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("the token endpoint verifies RS256 assertions against serviceAccountPublicKey", async () => {
  const keys = await rsaKeyPair();
  const sim = await startSimulator({ serviceAccountPublicKey: await publicPem(keys.publicKey) });
  try {
    const now = Date.now();
    const signed = await exchange(sim, {
      grant_type: JWT_BEARER_GRANT,
      assertion: await rs256Jwt(claims(now), keys.privateKey),
      scope: "role:abc",
    });
    assert.equal(signed.status, 200);
    const [header, , signature] = (await rs256Jwt(claims(now), keys.privateKey)).split(".");
    const otherClaims = base64UrlEncode(JSON.stringify({ ...claims(now), sub: "someone-else" }));
    const forged = await exchange(sim, {
      grant_type: JWT_BEARER_GRANT,
      assertion: `${header}.${otherClaims}.${signature}`,
    });
    assert.equal(forged.status, 401);
    const unsigned = await exchange(sim, {
      grant_type: JWT_BEARER_GRANT,
      assertion: unsignedJwt(claims(now)),
    });
    assert.equal(unsigned.status, 401);
  } finally {
    await sim.shutdown();
  }
});

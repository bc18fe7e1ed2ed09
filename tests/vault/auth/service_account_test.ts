import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { systemClock } from "../../../src/common/clock.ts";
import { FakeClock } from "../../_fixtures/clock.ts";
import { ConfigError, ExitCode, VaultUnavailableError } from "../../../src/common/errors.ts";
import {
  base64UrlDecode,
  decodeJwtClaims,
  importRsaPrivateKey,
  PrivateKeyError,
} from "../../../src/vault/auth/jwt.ts";
import {
  createAssertion,
  JWT_BEARER_GRANT,
  parseCredentials,
  refreshMarginMs,
  type ServiceAccountCredentials,
  ServiceAccountTokenProvider,
  tokenSchedule,
} from "../../../src/vault/auth/service_account.ts";
import { startSimulator } from "../../../src/vault/simulator/mod.ts";
import { base64UrlEncode } from "../../../src/vault/simulator/auth.ts";
import { createTokenProvider } from "../../../src/vault/auth/token_factory.ts";
import { StaticTokenProvider } from "../../../src/vault/auth/token_provider.ts";
import { DEFAULTS, type LoadSettings } from "../../../src/config/settings.ts";
import { privatePem, publicPem, rsaKeyPair } from "../../_fixtures/rsa.ts";

const pair = await rsaKeyPair();
const other = await rsaKeyPair();
const PKCS8 = await privatePem(pair.privateKey);
const PKCS1 = createPrivateKey(PKCS8).export({ type: "pkcs1", format: "pem" }) as string;
const SPKI = await publicPem(pair.publicKey);
const OTHER_SPKI = await publicPem(other.publicKey);
const START = 1_700_000_000_000;

function credentials(tokenURI: string, privateKey = PKCS8): ServiceAccountCredentials {
  return { clientID: "client-1", keyID: "key-1", tokenURI, privateKey, origin: "creds.json" };
}

async function verifies(jwt: string): Promise<boolean> {
  const [h, p, s] = jwt.split(".");
  const input = new TextEncoder().encode(`${h}.${p}`);
  return await crypto.subtle.verify("RSASSA-PKCS1-v1_5", pair.publicKey, base64UrlDecode(s), input);
}

/** A simulator on `clock`'s time with the key pair registered, and a provider pointed at it. */
async function setup(options: { ttl?: number; roles?: string[]; publicKey?: string } = {}) {
  const clock = new FakeClock(START);
  const sim = await startSimulator({
    now: () => clock.now(),
    tokenTtlSeconds: options.ttl ?? 100,
    serviceAccountPublicKey: options.publicKey ?? SPKI,
  });
  const provider = new ServiceAccountTokenProvider({
    credentials: credentials(`${sim.url}/v1/auth/sa/oauth/token`),
    roles: options.roles,
    clock,
  });
  return { clock, sim, provider };
}

async function settled(provider: ServiceAccountTokenProvider, exchanges: number): Promise<void> {
  for (let i = 0; i < 500 && provider.exchanges < exchanges; i++) await new Promise((r) => setTimeout(r, 2));
}

Deno.test("parseCredentials() reads credentials.json and skyflow-node v2's spellings", () => {
  const uri = "https://example.skyflowapis.com/v1/auth/sa/oauth/token";
  const v1 = parseCredentials(
    JSON.stringify({ clientID: "c", clientName: "n", keyID: "k", tokenURI: uri, privateKey: PKCS8 }),
    "creds.json",
  );
  assert.deepEqual(v1, {
    clientID: "c",
    keyID: "k",
    tokenURI: uri,
    privateKey: PKCS8.trim(),
    origin: "creds.json",
  });
  const v2 = parseCredentials(
    JSON.stringify({ clientId: "c", keyId: "k", tokenUri: uri, privateKey: PKCS8 }),
    "SKYFLOW_CREDENTIALS",
  );
  assert.equal(v2.clientID, "c");
  assert.equal(v2.tokenURI, uri);
});

Deno.test("parseCredentials() names the field and origin of bad credentials, never the key", () => {
  const good = { clientID: "c", keyID: "k", tokenURI: "https://h/t", privateKey: PKCS8 };
  const cases: [string, RegExp][] = [
    ['{"clientID": "c", "privateKey": "-----BEGIN PRIVATE KEY-----MIIE', /creds\.json are not a JSON object/],
    [JSON.stringify({ ...good, keyID: undefined }), /creds\.json: field "keyID" is missing/],
    [JSON.stringify({ ...good, privateKey: " " }), /field "privateKey" is missing or empty/],
    [JSON.stringify({ ...good, tokenURI: "ftp://h/t" }), /field "tokenURI" must be an http\(s\) URL/],
    ["[1]", /not a JSON object/],
  ];
  for (const [text, pattern] of cases) {
    const error = (() => {
      try {
        parseCredentials(text, "creds.json");
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("MII"), "no key material");
  }
});

Deno.test("createAssertion() signs RS256 claims the matching public key verifies, from PKCS#8 and PKCS#1", async () => {
  const c = credentials("https://h.example/v1/auth/sa/oauth/token");
  for (const key of [PKCS8, PKCS1]) {
    const jwt = await createAssertion(c, await importRsaPrivateKey(key), START + 999);
    assert.ok(await verifies(jwt), "signature verifies");
    const header = JSON.parse(new TextDecoder().decode(base64UrlDecode(jwt.split(".")[0])));
    assert.deepEqual(header, { alg: "RS256", typ: "JWT" });
    assert.deepEqual(decodeJwtClaims(jwt), {
      iss: "client-1",
      key: "key-1",
      aud: c.tokenURI,
      sub: "client-1",
      iat: START / 1000,
      exp: START / 1000 + 3600,
    });
  }
  assert.ok(PKCS1.startsWith("-----BEGIN RSA PRIVATE KEY-----"));
  const escaped = await importRsaPrivateKey(PKCS8.replace(/\n/g, "\\n"));
  assert.ok(await verifies(await createAssertion(c, escaped, START)), "literal \\n line breaks are accepted");
});

Deno.test("importRsaPrivateKey() rejects encrypted, foreign and garbled keys without quoting them", async () => {
  const cases: [string, RegExp][] = [
    ["-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIabc\n-----END ENCRYPTED PRIVATE KEY-----", /encrypted/],
    ["-----BEGIN EC PRIVATE KEY-----\nMIIabc\n-----END EC PRIVATE KEY-----", /not an RSA private key/],
    ["MIIabc", /not a PEM private key/],
    ["-----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----", /not a valid RSA private key/],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----", /not a readable PKCS#1/],
  ];
  for (const [text, pattern] of cases) {
    const error = await importRsaPrivateKey(text).catch((e) => e);
    assert.ok(error instanceof PrivateKeyError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("MIIabc"));
  }
});

Deno.test("refreshMarginMs() and tokenSchedule() refresh min(5 min, 20%) before exp", () => {
  assert.equal(refreshMarginMs(3_600_000), 300_000);
  assert.equal(refreshMarginMs(2_000), 400);
  assert.equal(refreshMarginMs(-5), 0);
  const jwt = (claims: Record<string, unknown>) =>
    `${base64UrlEncode("{}")}.${base64UrlEncode(JSON.stringify(claims))}.c2ln`;
  const exp = START / 1000 + 3600;
  assert.deepEqual(tokenSchedule(jwt({ exp }), START), {
    refreshAt: START + 3_300_000,
    expireAt: START + 3_450_000,
  });
  assert.deepEqual(tokenSchedule(jwt({ exp: START / 1000 + 2 }), START), {
    refreshAt: START + 1_600,
    expireAt: START + 1_800,
  });
  const unknown = { refreshAt: Infinity, expireAt: Infinity };
  assert.deepEqual(tokenSchedule("opaque-api-key", START), unknown, "no JWT: used until a 401");
  assert.deepEqual(tokenSchedule(jwt({ sub: "x" }), START), unknown, "no exp");
  assert.deepEqual(tokenSchedule(jwt({ exp: START / 1000 - 1 }), START), unknown, "past exp: clock skew");
});

Deno.test("ServiceAccountTokenProvider.get() caches, refreshes in the background, then waits near exp", async () => {
  const { clock, sim, provider } = await setup({ ttl: 100 });
  try {
    const first = await provider.get();
    assert.equal(sim.stats.tokensIssued, 1, "the simulator verified the assertion and issued a token");
    assert.equal(decodeJwtClaims(first)?.exp, START / 1000 + 100);
    await clock.tick(79_999);
    assert.equal(await provider.get(), first, "served from the cache before exp − 20 s");
    assert.equal(sim.stats.tokensIssued, 1);
    await clock.tick(1);
    assert.equal(await provider.get(), first, "at exp − margin the old token is still served");
    await settled(provider, 2);
    assert.equal(sim.stats.tokensIssued, 2, "while one background refresh ran");
    const second = await provider.get();
    assert.notEqual(second, first);
    assert.equal(decodeJwtClaims(second)?.exp, START / 1000 + 180);
    await clock.tick(90_000); // the second token's exp − margin/2: START + 170 s
    const third = await provider.get();
    assert.notEqual(third, second, "a token at exp − margin/2 is not served: the caller waited");
    assert.equal(sim.stats.tokensIssued, 3);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider.peek() gives the cached token only before its refresh time", async () => {
  const { clock, sim, provider } = await setup({ ttl: 100 });
  try {
    assert.equal(provider.peek(), undefined, "no token yet: the caller must get() one");
    const first = await provider.get();
    assert.equal(provider.peek(), first);
    await clock.tick(80_000); // exp − 20 s: time to refresh
    assert.equal(provider.peek(), undefined, "a token due for refresh goes through get()");
    assert.equal(sim.stats.tokensIssued, 1, "peek() never exchanges");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider.get() shares one exchange among concurrent callers", async () => {
  const { sim, provider } = await setup();
  try {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.get()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(sim.stats.requests.token, 1);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider.get() lets an aborted caller go without cancelling the shared exchange", async () => {
  const { sim, provider } = await setup();
  try {
    const controller = new AbortController();
    const waiting = provider.get(controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, /stop/);
    assert.ok((await provider.get()).startsWith("eyJ"));
    assert.equal(sim.stats.tokensIssued, 1, "the aborted caller's exchange served the next one");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider.invalidate() forces one refresh shared by concurrent 401s", async () => {
  const { clock, sim, provider } = await setup();
  try {
    const old = await provider.get();
    await clock.tick(1000); // the simulator issues the same token for the same claims in the same second
    const results = await Promise.all(Array.from({ length: 8 }, () => provider.invalidate(old)));
    assert.deepEqual(new Set(results), new Set([true]));
    assert.equal(sim.stats.tokensIssued, 2);
    const fresh = await provider.get();
    assert.notEqual(fresh, old);
    assert.equal(await provider.invalidate(old), true, "a stale 401 after the refresh");
    assert.equal(sim.stats.tokensIssued, 2, "needs no new exchange");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider sends the --role ids as the token scope", async () => {
  const { sim, provider } = await setup({ roles: ["r1", "r2"] });
  try {
    const token = await provider.get();
    assert.equal(decodeJwtClaims(token)?.scope, "role:r1 role:r2");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider turns a 4xx into one ConfigError without the assertion", async () => {
  const { sim, provider } = await setup({ publicKey: OTHER_SPKI });
  try {
    const error = await provider.get().catch((e) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, /answered 401: Invalid assertion: signature verification failed/);
    assert.match(error.message, /check the credentials from creds\.json/);
    assert.ok(!/eyJ|MII/.test(error.message), "neither the assertion nor the key");
    assert.equal(await provider.get().catch((e) => e), error, "later calls get the same refusal");
    assert.equal(sim.stats.requests.token, 1, "without another exchange");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("ServiceAccountTokenProvider reports a bad private key as a ConfigError naming the field", async () => {
  const c = { ...credentials("http://127.0.0.1:9/t"), privateKey: "-----BEGIN PRIVATE KEY-----\nMIIabc\n" };
  const error = await new ServiceAccountTokenProvider({ credentials: c }).get().catch((e) => e);
  assert.ok(error instanceof ConfigError, String(error));
  assert.match(error.message, /creds\.json: field "privateKey" has no END PRIVATE KEY line/);
});

Deno.test("ServiceAccountTokenProvider retries 5xx and network errors, then gives up with exit 75", async () => {
  const bodies: Record<string, unknown>[] = [];
  const access = `${base64UrlEncode("{}")}.${base64UrlEncode(JSON.stringify({ exp: 9e9 }))}.c2ln`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    bodies.push(await req.json());
    return bodies.length <= 2
      ? Response.json({ error: { message: "try later" } }, { status: 503 })
      : Response.json({ accessToken: access, tokenType: "Bearer" });
  });
  const url = `http://127.0.0.1:${server.addr.port}/v1/auth/sa/oauth/token`;
  const options = { clock: systemClock, random: () => 0, backoffBaseMs: 1 };
  try {
    const provider = new ServiceAccountTokenProvider({ credentials: credentials(url), ...options });
    assert.equal(await provider.get(), access);
    assert.equal(bodies.length, 3);
    assert.equal(bodies[2].grant_type, JWT_BEARER_GRANT);
    assert.equal(bodies[2].scope, undefined, "no scope without roles");
    assert.ok(await verifies(bodies[2].assertion as string));
  } finally {
    await server.shutdown();
  }
  const down = new ServiceAccountTokenProvider({ credentials: credentials(url), maxAttempts: 3, ...options });
  const error = await down.get().catch((e) => e);
  assert.ok(error instanceof VaultUnavailableError, String(error));
  assert.equal(error.exitCode, ExitCode.tempFail);
  assert.match(error.message, /after 3 attempts \(last: network error/);
});

Deno.test("createTokenProvider() picks the service account when credentials are set", () => {
  const settings = {
    ...DEFAULTS,
    bearerToken: "static",
    tokenOrigin: "env",
    roles: [],
  } as unknown as LoadSettings;
  assert.ok(createTokenProvider(settings) instanceof StaticTokenProvider);
  const text = JSON.stringify({ clientID: "c", keyID: "k", tokenURI: "https://h/t", privateKey: PKCS8 });
  const withCredentials = { ...settings, credentials: text, credentialsOrigin: "c.json", bearerToken: "" };
  assert.ok(createTokenProvider(withCredentials) instanceof ServiceAccountTokenProvider);
  assert.throws(
    () => createTokenProvider({ ...withCredentials, credentials: "{}" }),
    (e) => e instanceof ConfigError && /c\.json: field "clientID"/.test(e.message),
  );
});

Deno.test("a tokenURI with https:// pointing at a plain-HTTP port is a ConfigError at once, not retries and exit 75", async () => {
  const sim = await startSimulator({ serviceAccountPublicKey: SPKI });
  try {
    const tokenURI = `${sim.url.replace("http:", "https:")}/v1/auth/sa/oauth/token`;
    const provider = new ServiceAccountTokenProvider({
      credentials: credentials(tokenURI),
      clock: systemClock,
    });
    const started = performance.now();
    await assert.rejects(() => provider.get(), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.message,
        /"tokenURI" in creds\.json uses https:\/\/ but the server at that port does not speak TLS/,
      );
      return true;
    });
    assert.ok(performance.now() - started < 2000, "no backoff");
    assert.equal(sim.stats.tokensIssued, 0);
  } finally {
    await sim.shutdown();
  }
});

import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { base64UrlEncode } from "../../../src/vault/auth/jwt.ts";
import { workspace } from "../../_fixtures/workspace.ts";
import { privatePem, publicPem, rsaKeyPair } from "../../_fixtures/rsa.ts";

const keys = await rsaKeyPair();
const PRIVATE_KEY = await privatePem(keys.privateKey);
const PUBLIC_KEY = await publicPem(keys.publicKey);

/** A service account's credentials.json text for the simulator at `url`. */
function credentialsJson(url: string): string {
  return JSON.stringify({
    clientID: "byot-test-client",
    clientName: "byot test",
    keyID: "byot-test-key",
    tokenURI: `${url}/v1/auth/sa/oauth/token`,
    privateKey: PRIVATE_KEY,
  });
}

function failuresIn(statePath: string): number {
  const ledger = Ledger.open(statePath);
  try {
    return ledger.listFailures({ limit: 10_000 }).length;
  } finally {
    ledger.close();
  }
}

/** Output must never show the key, an assertion or an access token (JWTs start with `eyJ`). */
function assertNoSecrets(text: string, ...secrets: string[]): void {
  assert.ok(!text.includes("MII") && !text.includes("eyJ"), "no key material and no JWT in the output");
  for (const secret of secrets) assert.ok(!text.includes(secret));
}

Deno.test("byot load --credentials refreshes service-account tokens across several lifetimes with zero failures", async () => {
  await using ws = await workspace({
    count: 800,
    columns: ["name"],
    // only tokens the simulator issued are accepted: the static SKYFLOW_BEARER_TOKEN would get 401
    simulator: {
      serviceAccountPublicKey: PUBLIC_KEY,
      tokenTtlSeconds: 2,
      latencyMs: 100,
      bearerToken: "unused",
    },
    performance: { batch_size: 10, max_concurrency: 2 },
  });
  const credentials = `${ws.dir}/credentials.json`;
  await Deno.writeTextFile(credentials, credentialsJson(ws.sim.url));
  const run = await ws.load([
    "--credentials",
    credentials,
    "--json",
  ]);
  assert.equal(run.code, 0, run.err);
  ws.assertExact("name");
  assert.ok(
    ws.sim.stats.tokensIssued >= 3,
    `${ws.sim.stats.tokensIssued} tokens for a 4 s load of 2 s tokens`,
  );
  assert.equal(ws.sim.stats.responses[401] ?? 0, 0, "no request carried an expired token");
  assert.equal(JSON.parse(run.out).totals.failed, 0);
  assert.equal(failuresIn(ws.statePath), 0);
  assertNoSecrets(run.out + run.err);
});

Deno.test("byot load with a static token that expires stops with exit 2 and no failed records; --credentials resumes", async () => {
  await using ws = await workspace({
    count: 2000,
    columns: ["ssn"],
    simulator: { serviceAccountPublicKey: PUBLIC_KEY, latencyMs: 25 },
    performance: { batch_size: 10, max_concurrency: 2 },
  });
  // a Studio-style bearer token that expires at the next-but-one second boundary, 1-2 s into a ≥2.5 s load
  const exp = Math.floor(Date.now() / 1000) + 2;
  const staticToken = `${base64UrlEncode('{"alg":"RS256","typ":"JWT"}')}.${
    base64UrlEncode(JSON.stringify({ sub: "someone", exp }))
  }.c2lnbmF0dXJl`;
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, "--json"];
  const first = await ws.byot(args, { env: { SKYFLOW_BEARER_TOKEN: staticToken } });
  assert.equal(first.code, 2, first.err);
  assert.match(first.err, /Bearer token is expired/);
  assert.match(first.err, /the bearer token expired and byot cannot refresh a static token/);
  assert.match(first.err, /supply service-account credentials \(--credentials FILE or SKYFLOW_CREDENTIALS\)/);
  assert.match(first.err, /To resume, run again/);
  assertNoSecrets(first.out + first.err, staticToken);
  const loaded = ws.sim.store.count("vault-ssn", "ssn");
  assert.ok(loaded > 0 && loaded < 2000, `the token expired mid-run (${loaded} loaded)`);
  assert.equal(JSON.parse(first.out).totals.failed, 0, "no record counted as failed");
  assert.equal(failuresIn(ws.statePath), 0, "no record kept as failed in the ledger");

  ws.sim.options.latencyMs = 0;
  const second = await ws.byot(args, { env: { SKYFLOW_CREDENTIALS: credentialsJson(ws.sim.url) } });
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /resuming run/);
  ws.assertExact("ssn");
  assert.equal(failuresIn(ws.statePath), 0);
  assert.ok(ws.sim.stats.tokensIssued >= 1);
  assertNoSecrets(second.out + second.err);
});

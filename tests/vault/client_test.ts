import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { ConfigError, ExitCode } from "../../src/common/errors.ts";
import type { VaultRequest } from "../../src/vault/client.ts";
import { insertBody } from "../../src/vault/payload.ts";
import type { TokenProvider } from "../../src/vault/auth/token_provider.ts";
import { StaticTokenProvider } from "../../src/vault/auth/token_provider.ts";
import { EXPIRED_TOKEN_MESSAGE, type Simulator } from "../../src/vault/simulator/mod.ts";
import { errorEnvelope } from "../../src/vault/simulator/http.ts";
import { retryAfterValue } from "../../src/vault/simulator/faults.ts";
import {
  changeAfter,
  closedPort,
  makeClient,
  makeRecords,
  RecordingObserver,
  VAULT,
  waitFor,
  withSim,
} from "./_helpers.ts";

const target = { column: VAULT.column, table: VAULT.table, byotMode: "ENABLE_STRICT" as const };

function insert(prefix: string, n = 1, vaultId = VAULT.id): VaultRequest {
  return {
    kind: "insert",
    method: "POST",
    path: `/v1/vaults/${vaultId}/${VAULT.table}`,
    body: insertBody(target, makeRecords(n, prefix), false),
    records: n,
  };
}

/** A JWT (unsigned; the simulator only reads `exp`) that expired a minute ago. */
function expiredJwt(): string {
  const part = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ exp: Math.floor(Date.now() / 1000) - 60 })}.c2ln`;
}

/** Starts with `first`; each refresh switches to `next`. */
class RefreshingProvider implements TokenProvider {
  refreshed: string[] = [];
  constructor(private token: string, private readonly next: () => string) {}
  get(): Promise<string> {
    return Promise.resolve(this.token);
  }
  invalidate(token: string): Promise<boolean> {
    this.refreshed.push(token);
    this.token = this.next();
    return Promise.resolve(true);
  }
}

Deno.test("VaultClient.send() passes a 2xx answer through on the first request", () =>
  withSim({}, async (sim) => {
    const observer = new RecordingObserver();
    const result = await makeClient(sim, { observer }).send(insert("ok", 3));
    assert.equal(result.kind, "answer");
    assert.ok(result.kind === "answer");
    assert.equal(result.answer.status, 200);
    assert.equal(result.requests, 1);
    assert.equal(result.ambiguous, false);
    assert.equal(JSON.parse(result.answer.body).records.length, 3);
    assert.deepEqual(observer.requests.map((r) => [r.kind, r.status, r.records]), [["insert", 200, 3]]);
  }));

async function gateTest(format: "seconds" | "date") {
  let simNow = Date.UTC(2026, 0, 2, 3, 4, 5);
  const clock = new FakeClock(simNow);
  await withSim({ rateLimit: 1, retryAfterFormat: format, now: () => simNow }, async (sim) => {
    const observer = new RecordingObserver();
    const client = makeClient(sim, { clock, observer });
    assert.equal((await client.send(insert("a"))).requests, 1, "the burst allows one");
    const pending = client.send(insert("b"));
    await waitFor(() => clock.pending > 0);
    assert.equal(client.gate.openAt, simNow + 1_000, "closed for the Retry-After the vault said");
    assert.deepEqual(observer.retries.map((r) => [r.reason, r.delayMs]), [["429", 1_000]]);
    await clock.tick(999);
    assert.equal(sim.stats.requests.insert, 2, "nothing sent while the gate is shut");
    simNow += 1_000;
    await clock.tick(1);
    const result = await pending;
    assert.ok(result.kind === "answer");
    assert.equal(result.answer.status, 200);
    assert.equal(result.requests, 2);
    assert.equal(result.ambiguous, false, "a 429 applies nothing");
    assert.equal(sim.stats.rateLimited, 1);
  });
}

Deno.test("VaultClient.send() on 429 closes the gate for Retry-After seconds, then retries", () =>
  gateTest("seconds"));

Deno.test("VaultClient.send() on 429 honours a Retry-After HTTP-date", () => gateTest("date"));

Deno.test("VaultClient.send() after a 429 holds back every other request of the client at the gate", async () => {
  let simNow = Date.UTC(2026, 0, 2, 3, 4, 5);
  const clock = new FakeClock(simNow);
  await withSim({ rateLimit: 2, now: () => simNow }, async (sim) => {
    const client = makeClient(sim, { clock });
    await client.send(insert("a"));
    await client.send(insert("b"));
    const limited = client.send(insert("c"));
    await waitFor(() => clock.pending === 1);
    const other = client.send(insert("d"));
    await waitFor(() => clock.pending === 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sim.stats.requests.insert, 3, "the other request waits at the gate, unsent");
    simNow += 1_000;
    await clock.tick(1_000);
    const results = await Promise.all([limited, other]);
    assert.deepEqual(results.map((r) => r.kind === "answer" && r.answer.status), [200, 200]);
    assert.deepEqual(results.map((r) => r.requests), [2, 1]);
    assert.equal(sim.stats.rateLimited, 1);
  });
});

/**
 * A real HTTP fake vault whose first request answers `status` with `Retry-After` (in `format`, for
 * `waitMs` on `clock`) and every later one 200; it notes when (on `clock`) each request arrived.
 */
function startRetryAfterVault(
  clock: FakeClock,
  status: number,
  waitMs: number,
  format: "seconds" | "date",
): Promise<{ url: string; arrivals: number[]; shutdown(): Promise<void> }> {
  const arrivals: number[] = [];
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: (addr) =>
        resolve({ url: `http://127.0.0.1:${addr.port}`, arrivals, shutdown: () => server.shutdown() }),
    }, async (req) => {
      await req.body?.cancel();
      arrivals.push(clock.now());
      if (arrivals.length > 1) return Response.json({ records: [] });
      return Response.json(errorEnvelope(status, "Internal error."), {
        status,
        headers: { "retry-after": retryAfterValue(waitMs, format, clock.now()) },
      });
    });
  });
}

async function retryAfterOn5xxTest(status: number, format: "seconds" | "date") {
  const start = Date.UTC(2026, 0, 2, 3, 4, 5);
  const waitMs = 3_000;
  const clock = new FakeClock(start);
  const sleeps: number[] = [];
  const sleep = clock.sleep.bind(clock);
  clock.sleep = (ms, signal) => {
    sleeps.push(ms);
    return sleep(ms, signal);
  };
  const vault = await startRetryAfterVault(clock, status, waitMs, format);
  try {
    const observer = new RecordingObserver();
    // the backoff would be 1 ms for the first retry: far from the Retry-After
    const client = makeClient(vault, { clock, observer, random: () => 0.5 });
    assert.notEqual(client.backoff(1), waitMs);
    const failed = client.send(insert("a"));
    await waitFor(() => clock.pending === 1);
    assert.deepEqual(observer.retries.map((r) => [r.reason, r.delayMs]), [["5xx", waitMs]]);
    assert.equal(client.gate.openAt, start + waitMs, "the shared gate is shut for the Retry-After");
    const other = client.send(insert("b"));
    await waitFor(() => clock.pending === 2 || vault.arrivals.length > 1);
    assert.equal(vault.arrivals.length, 1, "the other request waits at the gate, unsent");
    await clock.tick(waitMs - 1);
    assert.equal(vault.arrivals.length, 1, "neither the retry nor the other request went early");
    await clock.tick(1);
    const results = await Promise.all([failed, other]);
    assert.deepEqual(results.map((r) => r.kind === "answer" && r.answer.status), [200, 200]);
    assert.deepEqual(results.map((r) => r.requests), [2, 1]);
    assert.deepEqual(results.map((r) => r.ambiguous), [true, false], "only the 5xx may have been applied");
    assert.deepEqual(sleeps, [waitMs, waitMs], "both waited the Retry-After at the gate, nothing else");
    assert.deepEqual(vault.arrivals.map((t) => t - start), [0, waitMs, waitMs]);
  } finally {
    await vault.shutdown();
  }
}

Deno.test("VaultClient.send() on a 503 with Retry-After seconds waits that long and holds other requests at the gate", () =>
  retryAfterOn5xxTest(503, "seconds"));

Deno.test("VaultClient.send() on a 500 with a Retry-After HTTP-date waits until then and holds other requests at the gate", () =>
  retryAfterOn5xxTest(500, "date"));

Deno.test("VaultClient.send() on a 5xx then success marks the answer ambiguous", () =>
  withSim({ errorRate: 1 }, async (sim: Simulator) => {
    const observer = new RecordingObserver();
    const fetch = changeAfter(1, () => sim.options.errorRate = 0);
    const result = await makeClient(sim, { fetch, observer }).send(insert("x", 2));
    assert.ok(result.kind === "answer");
    assert.equal(result.answer.status, 200);
    assert.equal(result.requests, 2);
    assert.equal(result.ambiguous, true, "a 5xx may have been applied");
    assert.deepEqual(observer.retries.map((r) => r.reason), ["5xx"]);
  }));

Deno.test("VaultClient.send() gives up after maxAttempts with the last status", () =>
  withSim({ errorRate: 1 }, async (sim) => {
    const result = await makeClient(sim, { maxAttempts: 3 }).send(insert("x"));
    assert.ok(result.kind === "exhausted");
    assert.ok([500, 502, 503].includes(result.status), String(result.status));
    assert.equal(result.requests, 3);
    assert.equal(result.ambiguous, true);
    assert.match(result.requestId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(sim.stats.requests.insert, 3);
  }));

Deno.test("VaultClient.send() to a closed port gives up without ambiguity (nothing was sent)", async () => {
  const observer = new RecordingObserver();
  const result = await makeClient({ url: `http://127.0.0.1:${closedPort()}` }, {
    maxAttempts: 3,
    observer,
  }).send(insert("x"));
  assert.ok(result.kind === "exhausted");
  assert.equal(result.status, 0);
  assert.equal(result.requests, 3);
  assert.equal(result.ambiguous, false);
  assert.deepEqual(observer.retries.map((r) => r.reason), ["network", "network"]);
});

Deno.test("VaultClient.send() on 401 with a static token throws a ConfigError without the token", () =>
  withSim({ bearerToken: "the-right-one" }, async (sim) => {
    const secret = "wrong-secret-0123456789";
    const client = makeClient(sim, { tokens: new StaticTokenProvider(secret) });
    const error = await client.send(insert("x")).catch((e) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, /401/);
    assert.ok(!error.message.includes(secret), "the token is not in the message");
    assert.equal(sim.stats.requests.insert, 1, "no retry");
  }));

Deno.test("VaultClient.send() on 404 for an insert throws a ConfigError", () =>
  withSim({ vaultIds: ["v1"] }, async (sim) => {
    const error = await makeClient(sim).send(insert("x", 1, "no-such-vault")).catch((e) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /404/);
    assert.match(error.message, /request id [0-9a-f-]{36}/);
  }));

Deno.test("VaultClient.send() refreshes an expired token once, then succeeds", () =>
  withSim({}, async (sim) => {
    const expired = expiredJwt();
    const tokens = new RefreshingProvider(expired, () => "fresh-token");
    const result = await makeClient(sim, { tokens }).send(insert("x"));
    assert.ok(result.kind === "answer");
    assert.equal(result.answer.status, 200);
    assert.deepEqual(tokens.refreshed, [expired]);
    assert.equal(sim.stats.responses[401], 1);
  }));

Deno.test("VaultClient.send() refreshes at most once when the new token is expired too", () =>
  withSim({}, async (sim) => {
    const tokens = new RefreshingProvider(expiredJwt(), expiredJwt);
    const error = await makeClient(sim, { tokens }).send(insert("x")).catch((e) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(error.message.includes(EXPIRED_TOKEN_MESSAGE));
    assert.equal(tokens.refreshed.length, 1);
    assert.equal(sim.stats.responses[401], 2);
  }));

Deno.test("VaultClient.send() on a request timeout retries and reports it as ambiguous", () =>
  withSim({ hangRate: 1 }, async (sim) => {
    const observer = new RecordingObserver();
    const result = await makeClient(sim, { timeoutMs: 200, maxAttempts: 2, observer }).send(insert("x"));
    assert.ok(result.kind === "exhausted");
    assert.equal(result.status, 0);
    assert.equal(result.ambiguous, true);
    assert.match(result.message, /timed out after 200 ms/);
    assert.deepEqual(observer.retries.map((r) => r.reason), ["timeout"]);
    assert.equal(sim.stats.hung, 2);
    assert.equal(sim.store.count(VAULT.id, VAULT.table), 1, "the hung request was applied");
  }));

Deno.test("VaultClient.send() on a dropped answer then a 409 keeps the ambiguity for the caller", () =>
  withSim({ dropRate: 1, duplicateStatus: 409 }, async (sim) => {
    const fetch = changeAfter(1, () => sim.options.dropRate = 0);
    const result = await makeClient(sim, { fetch }).send(insert("x"));
    assert.ok(result.kind === "answer");
    assert.equal(result.answer.status, 409, "the retry collides with its own first copy");
    assert.equal(result.ambiguous, true);
  }));

Deno.test("VaultClient.send() rethrows the caller's abort while waiting at the gate", () =>
  withSim({}, async (sim) => {
    const clock = new FakeClock(0);
    const client = makeClient(sim, { clock });
    client.gate.close(10_000);
    const controller = new AbortController();
    const pending = client.send(insert("x"), controller.signal);
    controller.abort(new Error("stopped"));
    await assert.rejects(pending, /stopped/);
    assert.equal(sim.stats.requests.insert, 0);
  }));

Deno.test("VaultClient treats options given as undefined as their defaults", () =>
  withSim({ errorRate: 1 }, async (sim) => {
    const client = makeClient(sim, { maxAttempts: undefined, observer: undefined, fetch: undefined });
    assert.equal(client.maxAttempts, 8);
    sim.options.errorRate = 0;
    const result = await client.send(insert("x"));
    assert.ok(result.kind === "answer");
  }));

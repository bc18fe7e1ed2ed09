import assert from "node:assert/strict";
import { systemClock } from "../../src/common/clock.ts";
import { httpExchange, type HttpExchangeOptions, TransportError } from "../../src/vault/http.ts";
import type { Simulator } from "../../src/vault/simulator/mod.ts";
import { closedPort, VAULT, withSim } from "./_helpers.ts";

const body = JSON.stringify({
  records: [{ fields: { name: "MARY" }, tokens: { name: "tok-mary" } }],
  byot: "ENABLE_STRICT",
});

/** The simulator's Insert Records URL for the test vault. */
const insertUrl = (sim: Simulator) => `${sim.url}/v1/vaults/${VAULT.id}/${VAULT.table}`;

/** POSTs `body` to `url`: token "t", a 5 s timeout and the system clock unless `options` says otherwise. */
function post(url: string, options: Partial<HttpExchangeOptions> = {}) {
  return httpExchange({
    method: "POST",
    url,
    bearerToken: "t",
    body,
    timeoutMs: 5_000,
    clock: systemClock,
    ...options,
  });
}

Deno.test("httpExchange() returns status, raw body and the request id of a 2xx answer", () =>
  withSim({}, async (sim) => {
    const answer = await post(insertUrl(sim), { bearerToken: "test-token" });
    assert.equal(answer.status, 200);
    assert.ok(JSON.parse(answer.body).records[0].skyflow_id);
    assert.match(answer.requestId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(answer.retryAfter, undefined);
    assert.ok(answer.latencyMs >= 0);
  }));

Deno.test("httpExchange() sends the bearer token and JSON headers", async () => {
  const seen: Headers[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push(req.headers);
    await req.body?.cancel();
    return new Response("{}", { headers: { "x-request-id": "rid-1", "retry-after": "7" } });
  });
  try {
    const answer = await post(`http://127.0.0.1:${server.addr.port}/x`, {
      bearerToken: "s3cret",
      body: "{}",
    });
    assert.equal(seen[0].get("authorization"), "Bearer s3cret");
    assert.equal(seen[0].get("content-type"), "application/json");
    assert.equal(answer.requestId, "rid-1");
    assert.equal(answer.retryAfter, "7");
  } finally {
    await server.shutdown();
  }
});

Deno.test("httpExchange() returns 4xx answers instead of throwing", () =>
  withSim({}, async (sim) => {
    const answer = await post(insertUrl(sim), { body: body.replace("MARY", "MARY__REJECT__") });
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.body).error.http_code, 400);
  }));

Deno.test("httpExchange() on a refused connection throws a TransportError that was not applied", async () => {
  const error = await post(`http://127.0.0.1:${closedPort()}/v1/vaults/v1/name`).catch((e) => e);
  assert.ok(error instanceof TransportError, String(error));
  assert.equal(error.maybeApplied, false, "nothing was sent: safe to resend");
  assert.equal(error.timedOut, false);
  assert.match(error.message, /network error: .*connection refused/i, "names the cause");
  assert.doesNotMatch(error.message, /http:\/\//, "leaves the URL out");
});

Deno.test("httpExchange() when the answer is cut after the vault applied it says it may be applied", () =>
  withSim({ dropRate: 1 }, async (sim) => {
    const error = await post(insertUrl(sim)).catch((e) => e);
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.maybeApplied, true);
    assert.equal(error.timedOut, false);
    assert.equal(sim.store.count(VAULT.id, VAULT.table), 1, "the simulator applied it");
  }));

Deno.test("httpExchange() times out a hung request and says it may be applied", () =>
  withSim({ hangRate: 1 }, async (sim) => {
    const started = Date.now();
    const error = await post(insertUrl(sim), { timeoutMs: 150 }).catch((e) => e);
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.timedOut, true);
    assert.equal(error.maybeApplied, true);
    assert.match(error.message, /timed out after 150 ms/);
    assert.ok(Date.now() - started >= 140);
  }));

Deno.test("httpExchange() rethrows the caller's abort reason as is", () =>
  withSim({ hangRate: 1 }, async (sim) => {
    const controller = new AbortController();
    const reason = new Error("cancelled by test");
    setTimeout(() => controller.abort(reason), 30);
    const error = await post(insertUrl(sim), { signal: controller.signal }).catch((e) => e);
    assert.equal(error, reason);
  }));

Deno.test("httpExchange() stops its timeout as soon as the exchange ends, answered or failed", async () => {
  // AbortSignal.timeout() would keep every request's signal alive for the whole timeout: a minute
  // of requests held in memory during a load. Count the timers the exchange leaves running.
  const running = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const spySet = ((fn: () => void, ms?: number) => {
    const id = realSet(() => {
      running.delete(id);
      fn();
    }, ms);
    running.add(id);
    return id;
  }) as typeof setTimeout;
  const spyClear = ((id?: number) => {
    running.delete(id);
    realClear(id);
  }) as typeof clearTimeout;
  await withSim({}, async (sim) => {
    let armed = 0;
    const fetchSpy: typeof fetch = (input, init) => {
      armed = running.size;
      return fetch(input, init);
    };
    globalThis.setTimeout = spySet;
    globalThis.clearTimeout = spyClear;
    try {
      const answer = await post(insertUrl(sim), { timeoutMs: 60_000, fetch: fetchSpy });
      assert.equal(answer.status, 200);
      assert.equal(armed, 1, "one timeout timer runs while the request is out");
      assert.equal(running.size, 0, "and none once answered");
      const failed = await post(`http://127.0.0.1:${closedPort()}/v1/vaults/x/y`, { timeoutMs: 60_000 })
        .catch((e) => e);
      assert.ok(failed instanceof TransportError);
      assert.equal(running.size, 0, "none after a transport failure either");
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }
  });
});

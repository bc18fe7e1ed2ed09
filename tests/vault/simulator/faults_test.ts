import assert from "node:assert/strict";
import { mulberry32, type Simulator, startSimulator } from "../../../src/vault/simulator/mod.ts";
import { pickFault, RateLimiter } from "../../../src/vault/simulator/faults.ts";

const HEADERS = { authorization: "Bearer test-token", "content-type": "application/json" };

function insertRequest(sim: Simulator, value: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${sim.url}/v1/vaults/v1/name`, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      records: [{ fields: { name: value }, tokens: { name: `tok-${value}` } }],
      byot: "ENABLE",
    }),
    signal,
  });
}

async function insert(sim: Simulator, value: string) {
  const res = await insertRequest(sim, value);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

Deno.test("startSimulator() answers 429 with Retry-After in seconds beyond the rate, then refills", async () => {
  let now = 1_000_000;
  const sim = await startSimulator({ rateLimit: 2, now: () => now });
  try {
    assert.equal((await insert(sim, "A")).status, 200);
    assert.equal((await insert(sim, "B")).status, 200);
    const limited = await insert(sim, "C");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "1");
    assert.equal(limited.body.error.http_code, 429);
    assert.equal(sim.stats.rateLimited, 1);
    assert.equal(sim.store.count("v1", "name"), 2, "a 429 applies nothing");
    now += 500; // one token refilled at 2 per second
    assert.equal((await insert(sim, "C")).status, 200);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() writes Retry-After as an HTTP-date when asked", async () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);
  const sim = await startSimulator({ rateLimit: 0.5, retryAfterFormat: "date", now: () => now });
  try {
    // a burst of at least one request, then one token every 2 s
    assert.equal((await insert(sim, "A")).status, 200);
    const limited = await insert(sim, "B");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "Fri, 02 Jan 2026 03:04:07 GMT");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() with errorRate 1 answers 5xx and applies nothing", async () => {
  const sim = await startSimulator({ errorRate: 1 });
  try {
    for (const value of ["A", "B", "C", "D"]) {
      const res = await insert(sim, value);
      assert.ok([500, 502, 503].includes(res.status), `status ${res.status}`);
      assert.equal(res.body.error.http_code, res.status);
    }
    assert.equal(sim.store.count("v1", "name"), 0);
    assert.equal(sim.stats.serverErrors, 4);
    sim.options.errorRate = 0; // options change while running
    assert.equal((await insert(sim, "A")).status, 200);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() with dropRate 1 stores the record and the client's body read rejects", async () => {
  const sim = await startSimulator({ dropRate: 1 });
  try {
    await assert.rejects(insertRequest(sim, "A").then((res) => res.json()), TypeError);
    assert.deepEqual([...sim.store.pairs("v1", "name", "name")], [["A", "tok-A"]]);
    assert.equal(sim.stats.dropped, 1);
    assert.equal(sim.stats.inFlight, 0);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() with hangRate 1 stores the record and never answers until the client aborts", async () => {
  const sim = await startSimulator({ hangRate: 1 });
  try {
    const both = [
      insertRequest(sim, "A", AbortSignal.timeout(100)),
      insertRequest(sim, "B", AbortSignal.timeout(100)),
    ];
    for (const request of both) {
      await assert.rejects(request, (e: unknown) => e instanceof DOMException && e.name === "TimeoutError");
    }
    assert.equal(sim.store.count("v1", "name"), 2);
    assert.equal(sim.stats.hung, 2);
    assert.equal(sim.stats.maxInFlight, 2);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() adds latency and jitter through the injected sleep", async () => {
  const asked: number[] = [];
  const sim = await startSimulator({
    latencyMs: 50,
    jitterMs: 10,
    sleep: (ms) => {
      asked.push(ms);
      return Promise.resolve();
    },
  });
  try {
    await insert(sim, "A");
    const res = await fetch(`${sim.url}/v1/vaults/v1/name?column_name=name&column_values=A`, {
      headers: HEADERS,
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(asked.length, 2, "insert and get both wait");
    for (const ms of asked) assert.ok(ms >= 50 && ms < 60, `${ms}`);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() puts a unique X-Request-Id on every answer", async () => {
  const sim = await startSimulator({ duplicateStatus: 409 });
  try {
    const ids = new Set<string>();
    for (const value of ["A", "A", "B"]) {
      const res = await insert(sim, value);
      const id = res.headers.get("x-request-id");
      assert.ok(id);
      ids.add(id);
    }
    const unknown = await fetch(`${sim.url}/nowhere`);
    await unknown.body?.cancel();
    ids.add(unknown.headers.get("x-request-id") ?? "");
    assert.equal(ids.size, 4);
    assert.equal(sim.stats.responses[200], 2);
    assert.equal(sim.stats.responses[409], 1);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("startSimulator() answers 404 for a vault id outside vaultIds", async () => {
  const sim = await startSimulator({ vaultIds: ["known"] });
  try {
    const res = await insert(sim, "A");
    assert.equal(res.status, 404);
    assert.equal(sim.store.size, 0);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("mulberry32() repeats its sequence for the same seed", () => {
  const a = mulberry32(7), b = mulberry32(7), c = mulberry32(8);
  const seqA = [a(), a(), a()];
  assert.deepEqual(seqA, [b(), b(), b()]);
  assert.notDeepEqual(seqA, [c(), c(), c()]);
  assert.ok(seqA.every((x) => x >= 0 && x < 1));
});

Deno.test("pickFault() draws once and splits the draw by error, drop, hang", () => {
  const rates = { errorRate: 0.2, dropRate: 0.3, hangRate: 0.1 };
  const at = (u: number) => pickFault(rates, () => u);
  assert.deepEqual([at(0.1), at(0.4), at(0.55), at(0.7)], ["error", "drop", "hang", "none"]);
  let draws = 0;
  pickFault({ errorRate: 0, dropRate: 0, hangRate: 0 }, () => draws++);
  assert.equal(draws, 0, "no draw when faults are off");
});

Deno.test("RateLimiter.take() allows a burst of rate, refills continuously, and keeps vaults apart", () => {
  const limiter = new RateLimiter();
  assert.deepEqual([0, 0, 0].map(() => limiter.take("v1", 3, 0)), [0, 0, 0]);
  assert.ok(Math.abs(limiter.take("v1", 3, 0) - 1000 / 3) < 1e-9);
  assert.equal(limiter.take("v2", 3, 0), 0);
  assert.equal(limiter.take("v1", 3, 334), 0);
  assert.equal(limiter.take("v1", 0, 0), 0, "rate 0 is off");
});

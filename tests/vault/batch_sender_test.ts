import assert from "node:assert/strict";
import type { SourceRecord } from "../../src/common/types.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { ReadBackRefusedError } from "../../src/vault/readback.ts";
import type { BatchSender } from "../../src/vault/batch_sender.ts";
import { errorEnvelope } from "../../src/vault/simulator/http.ts";
import { StaticTokenProvider } from "../../src/vault/auth/token_provider.ts";
import {
  assertStoredExactly,
  changeAfter,
  closedPort,
  makeBatch,
  makeClient,
  makeRecords,
  makeSender,
  preInsert,
  RecordingObserver,
  startProxy,
  withSim,
} from "./_helpers.ts";

const REQUEST_ID = /^[0-9a-f-]{36}$/;

/** Marks the records at `indexes` so the simulator rejects them with 400. */
function withRejects(records: SourceRecord[], indexes: number[]): SourceRecord[] {
  return records.map((r, i) => indexes.includes(i) ? { ...r, value: `${r.value}__REJECT__` } : r);
}

const send = (sender: BatchSender, records: SourceRecord[], replay = false) =>
  sender.send(makeBatch(records, { replay }));

/** A running fake vault in front of the simulator, with what it saw. */
interface SizeLimitedVault {
  url: string;
  /** Requests refused with 400 for holding too many records. */
  refused: number;
  /** Record counts of the requests passed on to the simulator. */
  passed: number[];
  shutdown(): Promise<void>;
}

/**
 * A proxy in front of the simulator at `target` that answers 400 "Too many records" (the Skyflow
 * envelope; not a 413) to an Insert or Batch request with more than `max` records and passes every
 * other request on, so the simulator stores it.
 */
async function startSizeLimitedVault(target: string, max: number): Promise<SizeLimitedVault> {
  const seen = { refused: 0, passed: [] as number[] };
  const proxy = await startProxy(target, () => undefined, (body) => {
    const count = (body as { records: unknown[] }).records.length;
    if (count <= max) {
      seen.passed.push(count);
      return undefined;
    }
    seen.refused++;
    const message = `Insert failed. Too many records: at most ${max} per request.`;
    return Response.json(errorEnvelope(400, message), { status: 400 });
  });
  return Object.assign(seen, proxy);
}

Deno.test("BatchSender.send() loads a clean batch of 300 in one request", () =>
  withSim({}, async (sim) => {
    const records = makeRecords(300);
    const result = await send(makeSender(makeClient(sim)), records);
    assert.equal(result.loaded, 300);
    assert.deepEqual(result.failures, []);
    assert.equal(result.requests, 1);
    assert.equal(result.retried, false);
    assert.equal(result.lastStatus, 200);
    assert.match(result.requestId ?? "", REQUEST_ID);
    assert.deepEqual(result.replayed, { upsert: 0, readback: 0, resent: 0 });
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() without Batch isolation bisects to isolate exactly the rejected records", () =>
  withSim({}, async (sim) => {
    const observer = new RecordingObserver();
    const records = withRejects(makeRecords(300), [10, 150, 299]);
    const bad = [records[10], records[150], records[299]];
    const sender = makeSender(makeClient(sim), { observer, batchIsolation: false });
    const result = await send(sender, records);
    assert.equal(result.loaded, 297);
    assert.deepEqual(result.failures.map((f) => f.record), bad);
    for (const failure of result.failures) {
      assert.equal(failure.status, 400);
      assert.equal(failure.message, "Insert failed. Invalid value for column name.");
      assert.match(failure.requestId ?? "", REQUEST_ID);
      assert.equal(failure.retryable, false);
    }
    const bound = 2 * 3 * Math.ceil(Math.log2(300)) + 1;
    assert.ok(sim.stats.requests.insert <= bound, `${sim.stats.requests.insert} inserts > ${bound}`);
    // one read-back of the rejected batch (12 chunks of 25), then one per record rejected on its own
    assert.equal(sim.stats.requests.detokenize, 12 + 3);
    assert.equal(result.requests, sim.stats.requests.insert + sim.stats.requests.detokenize);
    assert.equal(sim.stats.requests.batch, 0);
    assert.ok(observer.splits.length > 0 && observer.splits.every((s) => s.reason === "bisect"));
    assertStoredExactly(sim, records.filter((r) => !bad.includes(r)));
  }));

Deno.test("BatchSender.send() isolates rejected records in one Batch request, reads back only those, then sends to the Batch endpoint", () =>
  withSim({}, async (sim) => {
    const observer = new RecordingObserver();
    const sender = makeSender(makeClient(sim), { observer });
    const first = withRejects(makeRecords(25, "a"), [4]);
    const one = await send(sender, first);
    assert.equal(one.loaded, 24);
    assert.deepEqual(one.failures.map((f) => [f.record, f.status, f.message]), [
      [first[4], 400, "Insert failed. Invalid value for column name."],
    ]);
    // a first rejection is read back first (it might be a re-run): insert, read-back, Batch, read-back
    assert.deepEqual(sim.stats.requests, { ...sim.stats.requests, insert: 1, detokenize: 2, batch: 1 });
    const second = withRejects(makeRecords(25, "b"), [0, 9]);
    const two = await send(sender, second);
    assert.equal(two.loaded, 23);
    assert.equal(two.requests, 2, "bad records learned: the Batch endpoint, one read-back of the 2 rejected");
    assert.equal(sim.stats.requests.insert, 1);
    assert.deepEqual(observer.splits, [], "no bisection");
    assertStoredExactly(sim, [...first, ...second].filter((r) => !r.value.includes("__REJECT__")));
  }));

Deno.test("BatchSender.send() fails only the record whose value is already stored, with 409", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    const records = makeRecords(40);
    const existing = { position: 999, value: records[7].value, token: "someone-elses-token" };
    preInsert(sim, [existing]);
    const result = await send(makeSender(makeClient(sim)), records);
    assert.equal(result.loaded, 39);
    assert.deepEqual(result.failures.map((f) => [f.record, f.status]), [[records[7], 409]]);
    assert.match(result.failures[0].message, /already exists/);
    assertStoredExactly(sim, [existing, ...records.filter((_, i) => i !== 7)]);
  }));

Deno.test("BatchSender.send() after a dropped answer settles the 409 by read-back, no duplicate", () =>
  withSim({ dropRate: 1 }, async (sim) => {
    const records = makeRecords(100);
    const observer = new RecordingObserver();
    const fetch = changeAfter(1, () => sim.options.dropRate = 0);
    const result = await send(makeSender(makeClient(sim, { fetch }), { observer }), records);
    assert.equal(sim.stats.dropped, 1);
    assert.equal(result.loaded, 100);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.replayed, { upsert: 0, readback: 100, resent: 0 });
    assert.equal(result.retried, true);
    assert.equal(sim.stats.requests.detokenize, 4, "100 tokens in chunks of 25");
    assert.deepEqual(observer.replays, [{ vault: "NAME", path: "readback", records: 100 }]);
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() with upsert replays a dropped answer as an idempotent re-send", () =>
  withSim({ dropRate: 1 }, async (sim) => {
    const records = makeRecords(100);
    const fetch = changeAfter(1, () => sim.options.dropRate = 0);
    const result = await send(makeSender(makeClient(sim, { fetch }), { upsert: true }), records);
    assert.equal(sim.stats.dropped, 1);
    assert.equal(result.loaded, 100);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.replayed, { upsert: 100, readback: 0, resent: 0 });
    assert.equal(result.requests, 2);
    assert.equal(sim.stats.requests.detokenize, 0);
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() replays a half-stored batch: half by read-back, half resent", () =>
  withSim({}, async (sim) => {
    const records = makeRecords(100);
    preInsert(sim, records.slice(0, 50));
    const result = await send(makeSender(makeClient(sim)), records, true);
    assert.equal(result.loaded, 100);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.replayed, { upsert: 0, readback: 50, resent: 50 });
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() on replay fails a token already stored with another value as a conflict", () =>
  withSim({}, async (sim) => {
    const records = makeRecords(30);
    const other = { position: 999, value: "someone-else", token: records[3].token };
    preInsert(sim, [other]);
    const result = await send(makeSender(makeClient(sim)), records, true);
    assert.equal(result.loaded, 29);
    assert.deepEqual(result.failures.map((f) => [f.record, f.status, f.retryable]), [[
      records[3],
      409,
      false,
    ]]);
    assert.match(result.failures[0].message, /token tok-r-3 already holds a different value/);
    assert.deepEqual(result.replayed, { upsert: 0, readback: 0, resent: 29 });
    assertStoredExactly(sim, [other, ...records.filter((_, i) => i !== 3)]);
  }));

Deno.test("BatchSender.send() with upsert on a replayed half-stored batch loads all in one request", () =>
  withSim({}, async (sim) => {
    const records = makeRecords(60);
    preInsert(sim, records.slice(0, 30));
    const result = await send(makeSender(makeClient(sim), { upsert: true }), records, true);
    assert.equal(result.loaded, 60);
    assert.equal(result.requests, 1);
    assert.equal(result.replayed.upsert, 60);
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() with continueOnError fails bad records one by one from a 207", () =>
  withSim({ duplicateStatus: 409 }, async (sim) => {
    const records = withRejects(makeRecords(20), [2, 11]);
    const existing = { position: 999, value: records[5].value, token: "another-token" };
    preInsert(sim, [existing]);
    const result = await send(makeSender(makeClient(sim), { continueOnError: true }), records);
    assert.equal(result.requests, 2, "the Batch request and one read-back of the 3 rejected records");
    assert.equal(sim.stats.requests.batch, 1);
    assert.equal(result.loaded, 17);
    assert.deepEqual(
      result.failures.map((f) => [f.record, f.status, f.message]),
      [
        [records[2], 400, "Insert failed. Invalid value for column name."],
        [records[5], 409, "Insert failed. Value for unique column name already exists."],
        [records[11], 400, "Insert failed. Invalid value for column name."],
      ],
    );
    for (const f of result.failures) assert.match(f.requestId ?? "", REQUEST_ID);
    assertStoredExactly(sim, [existing, ...records.filter((_, i) => ![2, 5, 11].includes(i))]);
  }));

Deno.test("BatchSender.send() with continueOnError settles a dropped answer by read-back", () =>
  withSim({ dropRate: 1 }, async (sim) => {
    const records = makeRecords(50);
    const fetch = changeAfter(1, () => sim.options.dropRate = 0);
    const result = await send(makeSender(makeClient(sim, { fetch }), { continueOnError: true }), records);
    assert.equal(result.loaded, 50);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.replayed, { upsert: 0, readback: 50, resent: 0 });
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() with continueOnError retries per-record 5xx, which may have been applied", () =>
  withSim({}, async (sim) => {
    // a proxy turns two entries of the first answer into 503s; the simulator did store them
    const proxy = await startProxy(sim.url, (n, body) => {
      if (n !== 1) return undefined;
      const responses = (body as { responses: unknown[] }).responses;
      for (const i of [1, 4]) responses[i] = { Status: 503, Body: { error: "Internal error." } };
      return body;
    });
    try {
      const observer = new RecordingObserver();
      const records = makeRecords(10);
      const client = makeClient({ url: proxy.url });
      const result = await send(makeSender(client, { continueOnError: true, observer }), records);
      assert.deepEqual(result.failures, []);
      assert.equal(result.loaded, 10);
      assert.equal(result.retried, true);
      assert.deepEqual(observer.retries.map((r) => r.reason), ["5xx"]);
      assert.equal(result.replayed.readback, 2, "the retry's 409 was read back, not failed");
      assertStoredExactly(sim, records);
    } finally {
      await proxy.shutdown();
    }
  }));

Deno.test("BatchSender.send() halves the request size on 413 and remembers it", () =>
  withSim({ maxRecordsPerRequest: 50 }, async (sim) => {
    const observer = new RecordingObserver();
    const sender = makeSender(makeClient(sim), { observer });
    const records = makeRecords(300);
    const result = await send(sender, records);
    assert.equal(result.loaded, 300);
    assert.deepEqual(result.failures, []);
    assert.ok(sender.maxPerRequest <= 50, String(sender.maxPerRequest));
    assert.ok(observer.splits.some((s) => s.reason === "size"));
    assertStoredExactly(sim, records);
    const before = sim.stats.responses[413];
    const next = makeRecords(100, "next");
    assert.equal((await send(sender, next)).loaded, 100);
    assert.equal(sim.stats.responses[413], before, "no new 413 once the size is learned");
  }));

Deno.test("BatchSender.send() with continueOnError halves on 413 too", () =>
  withSim({ maxRecordsPerRequest: 50 }, async (sim) => {
    const sender = makeSender(makeClient(sim), { continueOnError: true });
    const records = makeRecords(120);
    const result = await send(sender, records);
    assert.equal(result.loaded, 120);
    assert.deepEqual(result.failures, [], "no record sent twice");
    assert.ok(sender.maxPerRequest <= 50);
    assertStoredExactly(sim, records);
  }));

for (const continueOnError of [false, true]) {
  Deno.test(`BatchSender.send() halves the request size on a 400 "too many records" like a 413 (continueOnError ${continueOnError})`, () =>
    withSim({}, async (sim) => {
      const max = 40;
      const vault = await startSizeLimitedVault(sim.url, max);
      try {
        const observer = new RecordingObserver();
        const sender = makeSender(makeClient({ url: vault.url }), { observer, continueOnError });
        const records = makeRecords(300);
        const result = await send(sender, records);
        assert.equal(result.loaded, records.length);
        assert.deepEqual(result.failures, []);
        assert.ok(vault.refused > 0, "the vault refused the oversized requests with 400");
        assert.equal(sim.stats.responses[413] ?? 0, 0, "no 413 was involved");
        assert.ok(
          sender.maxPerRequest <= max && sender.maxPerRequest >= Math.floor((max + 1) / 2),
          `halved down to at most ${max}: ${sender.maxPerRequest}`,
        );
        assert.ok(vault.passed.every((n) => n <= sender.maxPerRequest), `passed sizes ${vault.passed}`);
        assert.equal(vault.passed.reduce((a, b) => a + b, 0), records.length, "every record sent once");
        assert.deepEqual(observer.splits.map((s) => s.reason), Array(vault.refused).fill("size"));
        assert.equal(result.requests, vault.refused + vault.passed.length);
        assertStoredExactly(sim, records);
        const refused = vault.refused;
        const next = makeRecords(100, "next");
        assert.equal((await send(sender, next)).loaded, next.length);
        assert.equal(vault.refused, refused, "no new 400 once the size is learned");
        assertStoredExactly(sim, [...records, ...next]);
      } finally {
        await vault.shutdown();
      }
    }));
}

Deno.test("BatchSender.send() settles requests that timed out every time by read-back", () =>
  withSim({ hangRate: 1 }, async (sim) => {
    const records = makeRecords(30);
    const client = makeClient(sim, { timeoutMs: 100, maxAttempts: 2 });
    const result = await send(makeSender(client), records);
    assert.equal(result.loaded, 30, "the hung request had applied them");
    assert.deepEqual(result.failures, []);
    assert.equal(result.replayed.readback, 30);
    assertStoredExactly(sim, records);
  }));

Deno.test("BatchSender.send() with errorRate 0.3 loads everything eventually, no duplicates", () =>
  withSim({ errorRate: 0.3, seed: 7 }, async (sim) => {
    const observer = new RecordingObserver();
    const sender = makeSender(makeClient(sim, { observer }), { observer });
    const all: SourceRecord[] = [];
    for (let b = 0; b < 20; b++) {
      const records = makeRecords(25, "e", b * 25);
      all.push(...records);
      const result = await send(sender, records);
      assert.equal(result.loaded, 25);
      assert.deepEqual(result.failures, []);
    }
    assert.ok(sim.stats.serverErrors > 0);
    assert.equal(observer.retries.filter((r) => r.reason === "5xx").length, sim.stats.serverErrors);
    assertStoredExactly(sim, all);
  }));

Deno.test("BatchSender.send() from 4 concurrent senders honours 429s through the shared gate", () =>
  withSim({ rateLimit: 20 }, async (sim) => {
    const observer = new RecordingObserver();
    const starts: number[] = [];
    const closedAt: number[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      starts.push(Date.now());
      return globalThis.fetch(input, init);
    };
    // the client reports the retry right before it closes the gate
    const retry = observer.retry.bind(observer);
    observer.retry = (e) => {
      if (e.reason === "429") closedAt.push(Date.now());
      retry(e);
    };
    const client = makeClient(sim, { fetch, observer });
    const all: SourceRecord[] = [];
    const workers = [0, 1, 2, 3].map(async (w) => {
      const sender = makeSender(client);
      for (let b = 0; b < 10; b++) {
        const records = makeRecords(5, `w${w}`, b * 5);
        all.push(...records);
        const result = await send(sender, records);
        assert.equal(result.loaded, 5);
      }
    });
    await Promise.all(workers);
    assert.ok(sim.stats.rateLimited > 0, "the rate limit was hit");
    assert.ok(sim.stats.rateLimited <= 8, `no retry storm: ${sim.stats.rateLimited} 429s`);
    const waits = observer.retries.filter((r) => r.reason === "429");
    assert.equal(waits.length, sim.stats.rateLimited);
    assert.ok(waits.every((r) => r.delayMs === 1_000), "Retry-After: 1 honoured");
    for (const at of closedAt) {
      const early = starts.filter((s) => s > at + 20 && s < at + 990);
      assert.deepEqual(early, [], "no request while the gate was shut");
    }
    assertStoredExactly(sim, all);
  }));

for (
  const [continueOnError, duplicateStatus] of [[false, 400], [true, 400], [false, 409], [true, 409]] as const
) {
  Deno.test(`BatchSender.send() under mixed faults settles every record exactly (continueOnError ${continueOnError}, duplicates ${duplicateStatus})`, () =>
    withSim({ errorRate: 0.15, dropRate: 0.2, hangRate: 0.03, seed: 11, duplicateStatus }, async (sim) => {
      const records = withRejects(makeRecords(400, "m"), [3, 77, 210]);
      const taken = [records[40], records[300]].map((r) => ({
        ...r,
        position: -1,
        token: `other-${r.token}`,
      }));
      preInsert(sim, taken);
      const client = makeClient(sim, { timeoutMs: 100, maxAttempts: 12 });
      const sender = makeSender(client, { continueOnError });
      const failures = [];
      for (let b = 0; b < 400; b += 25) {
        const result = await send(sender, records.slice(b, b + 25));
        failures.push(...result.failures);
        assert.equal(result.loaded + result.failures.length, 25);
        assert.deepEqual(result.unsettled, []);
      }
      assert.deepEqual(
        failures.map((f) => [f.record.position, f.status]).sort((a, b) => a[0] - b[0]),
        [[3, 400], [40, duplicateStatus], [77, 400], [210, 400], [300, duplicateStatus]],
      );
      assert.ok(sim.stats.dropped > 0 && sim.stats.serverErrors > 0 && sim.stats.hung > 0);
      const failed = new Set(failures.map((f) => f.record));
      assertStoredExactly(sim, [...taken, ...records.filter((r) => !failed.has(r))]);
    }));
}

Deno.test("BatchSender.send() with upsert settles records whose every attempt timed out by read-back", () =>
  withSim({ hangRate: 1 }, async (sim) => {
    const records = makeRecords(5);
    const client = makeClient(sim, { timeoutMs: 100, maxAttempts: 2 });
    const result = await send(makeSender(client, { upsert: true }), records);
    assert.equal(result.loaded, 5, "the hung requests had applied them");
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.unsettled, []);
  }));

Deno.test("BatchSender.send() to an unreachable vault leaves every record unsettled, not failed", async () => {
  const records = makeRecords(5);
  const client = makeClient({ url: `http://127.0.0.1:${closedPort()}` }, { maxAttempts: 2 });
  const result = await send(makeSender(client), records);
  assert.equal(result.loaded, 0);
  assert.equal(result.requests, 2, "no read-back: nothing was sent");
  assert.deepEqual(result.failures, []);
  assert.deepEqual(result.unsettled?.map((f) => [f.record, f.status]), records.map((r) => [r, 0]));
  assert.match(result.unsettled?.[0].message ?? "", /gave up after 2 attempts: network error/);
});

Deno.test("BatchSender.send() rethrows a fatal 401 and the caller's abort", () =>
  withSim({ bearerToken: "right", hangRate: 1 }, async (sim) => {
    const wrong = makeClient(sim, { tokens: new StaticTokenProvider("wrong") });
    await assert.rejects(send(makeSender(wrong), makeRecords(3)), ConfigError);
    const controller = new AbortController();
    const right = makeClient(sim, { tokens: new StaticTokenProvider("right") });
    setTimeout(() => controller.abort(new Error("interrupted")), 30);
    await assert.rejects(makeSender(right).send(makeBatch(makeRecords(3)), controller.signal), /interrupted/);
  }));

Deno.test("BatchSender.send() with continueOnError reads a 4xx that carries responses[] record by record", () =>
  withSim({}, async (sim) => {
    const records = withRejects(makeRecords(3), [0, 2]);
    const taken = { position: 999, value: records[1].value, token: "another-token" };
    preInsert(sim, [taken]);
    const result = await send(makeSender(makeClient(sim), { continueOnError: true }), records);
    assert.equal(result.loaded, 0);
    assert.deepEqual(result.failures.map((f) => [f.record, f.status, f.message]), [
      [records[0], 400, "Insert failed. Invalid value for column name."],
      [records[1], 400, "Insert failed. Value for unique column name already exists."],
      [records[2], 400, "Insert failed. Invalid value for column name."],
    ]);
    assert.equal(sim.stats.responses[400], 1, "every record failed: one 4xx with responses[]");
    assert.equal(result.requests, 2, "the Batch request and one read-back, no bisection");
    assertStoredExactly(sim, [taken]);
  }));

Deno.test("BatchSender.send() takes a detokenize 404 (every token unknown) as absent", () =>
  withSim({}, async (sim) => {
    const proxy = await startProxy(sim.url, () => undefined, (body) => {
      const params = (body as { detokenizationParameters?: { token: string }[] } | undefined)
        ?.detokenizationParameters;
      if (!params) return undefined;
      const known = params.some((p) => sim.store.findByToken("v1", p.token));
      return known ? undefined : Response.json(errorEnvelope(404, "Token not found"), { status: 404 });
    });
    try {
      const records = makeRecords(50);
      preInsert(sim, records.slice(0, 10));
      // a replay: records 0-9 are present, the second chunk of 25 holds no known token
      const result = await send(makeSender(makeClient({ url: proxy.url })), records, true);
      assert.equal(result.loaded, 50);
      assert.equal(result.alreadyPresent, 10);
      assert.deepEqual(result.failures, []);
      assertStoredExactly(sim, records);
    } finally {
      await proxy.shutdown();
    }
  }));

Deno.test("BatchSender.send() settles a 200 whose body does not account for the records by read-back", () =>
  withSim({}, async (sim) => {
    let answered = 0;
    const proxy = await startProxy(sim.url, () => undefined, (body) => {
      if (!(body as { records?: unknown } | undefined)?.records || answered++ > 0) return undefined;
      return new Response("<html>OK</html>", { status: 200, headers: { "content-type": "text/html" } });
    });
    try {
      const records = makeRecords(30);
      const result = await send(makeSender(makeClient({ url: proxy.url })), records);
      assert.equal(result.unverified, 1);
      assert.equal(result.loaded, 30);
      assert.deepEqual(result.replayed, { upsert: 0, readback: 0, resent: 30 });
      assertStoredExactly(sim, records);
    } finally {
      await proxy.shutdown();
    }
  }));

Deno.test("BatchSender.send() stops with a clear error when detokenize is forbidden and Get by value cannot answer", () =>
  withSim({}, async (sim) => {
    const proxy = await startProxy(sim.url, () => undefined, (body) => {
      if ((body as { detokenizationParameters?: unknown } | undefined)?.detokenizationParameters) {
        return Response.json(errorEnvelope(403, "Forbidden"), { status: 403 });
      }
      if (body === undefined) {
        return Response.json(errorEnvelope(400, "Get failed. name is not a unique column."), { status: 400 });
      }
      return undefined;
    });
    try {
      const records = makeRecords(10);
      preInsert(sim, records);
      await assert.rejects(
        send(makeSender(makeClient({ url: proxy.url })), records),
        (e: unknown) =>
          e instanceof ReadBackRefusedError && /Detokenize answered 403/.test(e.message) &&
          /Get Records by column_values answered 400/.test(e.message) && /--upsert/.test(e.message),
      );
      const upsert = await send(makeSender(makeClient({ url: proxy.url }), { upsert: true }), records);
      assert.equal(upsert.loaded, 10, "with --upsert the re-send is idempotent, nothing to read");
      assertStoredExactly(sim, records);
    } finally {
      await proxy.shutdown();
    }
  }));

import assert from "node:assert/strict";
import type { Batch, BatchResult, SourceRecord } from "../../src/common/types.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { FirstBatchGuard } from "../../src/pipeline/first_batches.ts";

function batch(seq: number, n = 5): Batch {
  const records: SourceRecord[] = Array.from({ length: n }, (_, i) =>
    ({
      position: seq * n + i,
      value: `v${seq}-${i}`,
      token: `t${seq}-${i}`,
    }) as SourceRecord);
  return { vault: "SSN", seq, records } as unknown as Batch;
}

function rejected(b: Batch, message = "Insert failed. Tokens aren't allowed."): BatchResult {
  return {
    loaded: 0,
    failures: b.records.map((record) => ({ record, status: 400, message, retryable: false, attempts: 1 })),
    requests: 1,
    retried: false,
    lastStatus: 400,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}

function loaded(b: Batch): BatchResult {
  return { ...rejected(b), loaded: b.records.length, failures: [], lastStatus: 200 };
}

Deno.test("FirstBatchGuard holds wholly rejected first batches and throws at the threshold without recording them", () => {
  const finished: number[] = [];
  const guard = new FirstBatchGuard({ vault: "SSN", finish: (b) => finished.push(b.seq), threshold: 3 });
  guard.offer(batch(0), rejected(batch(0)));
  guard.offer(batch(1), rejected(batch(1)));
  assert.throws(() => guard.offer(batch(2), rejected(batch(2))), ConfigError);
  guard.offer(batch(3), rejected(batch(3)));
  guard.offer(batch(4), loaded(batch(4)));
  guard.flush();
  assert.deepEqual(finished, [4], "only the batch in flight with another outcome is recorded");
});

Deno.test("FirstBatchGuard releases held batches at the first other outcome and then steps aside", () => {
  const finished: number[] = [];
  const guard = new FirstBatchGuard({ vault: "SSN", finish: (b) => finished.push(b.seq), threshold: 3 });
  guard.offer(batch(0), rejected(batch(0)));
  guard.offer(batch(1), loaded(batch(1)));
  for (let seq = 2; seq < 6; seq++) guard.offer(batch(seq), rejected(batch(seq)));
  assert.deepEqual(finished, [0, 1, 2, 3, 4, 5]);
});

Deno.test("FirstBatchGuard ignores duplicates, mixed messages, and records each result once the source ends", () => {
  const finished: number[] = [];
  const guard = new FirstBatchGuard({ vault: "SSN", finish: (b) => finished.push(b.seq), threshold: 2 });
  guard.offer(batch(0), rejected(batch(0), "Insert failed. Value for unique column ssn already exists."));
  assert.deepEqual(finished, [0], "a duplicate is a data outcome, never a setup error");
  const other = new FirstBatchGuard({ vault: "SSN", finish: (b) => finished.push(b.seq), threshold: 2 });
  other.offer(batch(1), rejected(batch(1), "message A"));
  other.offer(batch(2), rejected(batch(2), "message B"));
  assert.deepEqual(finished, [0, 1, 2]);
  const single = new FirstBatchGuard({ vault: "SSN", finish: (b) => finished.push(b.seq), threshold: 2 });
  single.offer(batch(3), rejected(batch(3)));
  single.flush();
  assert.deepEqual(finished, [0, 1, 2, 3]);
});

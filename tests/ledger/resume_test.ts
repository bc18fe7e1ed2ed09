import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import type { Batch, BatchResult } from "../../src/common/types.ts";
import { Ledger } from "../../src/ledger/mod.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const VAULTS = [
  { name: "NAME", id: "vault-name", column: "name", table: "name" },
  { name: "ID", id: "vault-id", column: "id", table: "id" },
];
type State = "done" | "failed" | "partial" | "in_flight";

function batch(seq: number, vault = "NAME"): Batch {
  const first = seq * 3;
  return {
    vault,
    seq,
    firstPosition: first,
    endPosition: first + 3,
    records: [0, 1].map((i) => ({ position: first + i, value: `v${first + i}`, token: `t${first + i}` })),
    skipped: { empty_token: 1 },
    cursor: { position: first, offsets: [first * 100] },
  };
}

function outcome(b: Batch, state: State): BatchResult {
  const failed = state === "failed" ? b.records : state === "partial" ? b.records.slice(1) : [];
  return {
    loaded: b.records.length - failed.length,
    failures: failed.map((record) => ({
      record,
      status: 400,
      message: "bad",
      retryable: false,
      attempts: 1,
    })),
    requests: 1,
    retried: false,
    lastStatus: 200,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}

/** A ledger whose NAME vault holds the given batch states (seq → state). */
function withBatches(states: Record<number, State>, clock = new FakeClock(T0)) {
  const dir = Deno.makeTempDirSync({ prefix: "byot-resume-" });
  const ledger = Ledger.open(`${dir}/s.db`, { clock });
  const run = ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS });
  const sink = ledger.sink(run.id, { reserveAhead: 10 });
  for (const [seq, state] of Object.entries(states)) {
    const b = batch(Number(seq));
    sink.batchStarted(b);
    if (state !== "in_flight") sink.batchFinished(b, outcome(b, state));
  }
  sink.close();
  const cleanup = () => {
    ledger.close();
    Deno.removeSync(dir, { recursive: true });
  };
  return { ledger, run, cleanup };
}

Deno.test("resumePoint() starts at the source's start when nothing was recorded", () => {
  const t = withBatches({});
  assert.deepEqual(t.ledger.resumePoint(t.run.id, "NAME"), {
    startSeq: 0,
    terminalSeqs: new Set(),
    replayBelowSeq: 0,
    counts: { read: 0, loaded: 0, alreadyPresent: 0, failed: 0, skipped: 0, batches: 0 },
  });
  t.cleanup();
});

Deno.test("resumePoint() restarts at the last settled batch when every recorded batch is settled", () => {
  const t = withBatches({ 0: "done", 1: "partial", 2: "failed", 3: "done" });
  assert.deepEqual(t.ledger.resumePoint(t.run.id, "NAME"), {
    startSeq: 3,
    cursor: { position: 9, offsets: [900] },
    terminalSeqs: new Set([3]),
    replayBelowSeq: 10,
    counts: { read: 12, loaded: 5, alreadyPresent: 0, failed: 3, skipped: 4, batches: 4 },
  });
  t.cleanup();
});

Deno.test("resumePoint() restarts below a gap and skips settled batches above it", () => {
  const t = withBatches({ 0: "done", 1: "done", 2: "done", 4: "done", 5: "partial", 6: "in_flight" });
  const point = t.ledger.resumePoint(t.run.id, "NAME");
  assert.equal(point.startSeq, 2);
  assert.deepEqual(point.cursor, { position: 6, offsets: [600] });
  assert.deepEqual(point.terminalSeqs, new Set([2, 4, 5]));
  assert.deepEqual(point.counts, {
    read: 15,
    loaded: 9,
    alreadyPresent: 0,
    failed: 1,
    skipped: 5,
    batches: 5,
  });
  t.cleanup();
});

Deno.test("resumePoint() restarts at an in-flight batch in the middle", () => {
  const t = withBatches({ 0: "done", 1: "done", 2: "in_flight", 3: "done", 4: "in_flight", 5: "failed" });
  const point = t.ledger.resumePoint(t.run.id, "NAME");
  assert.equal(point.startSeq, 2);
  assert.deepEqual(point.cursor, { position: 6, offsets: [600] });
  assert.deepEqual(point.terminalSeqs, new Set([3, 5]));
  assert.equal(point.counts.batches, 4);
  t.cleanup();
});

Deno.test("resumePoint() restarts at batch 0's cursor when batch 0 is in flight", () => {
  const t = withBatches({ 0: "in_flight", 1: "done" });
  const point = t.ledger.resumePoint(t.run.id, "NAME");
  assert.equal(point.startSeq, 0);
  assert.deepEqual(point.cursor, { position: 0, offsets: [0] });
  assert.deepEqual(point.terminalSeqs, new Set([1]));
  t.cleanup();
});

Deno.test("resumePoint() starts at the source's start when batch 0 was never recorded", () => {
  const t = withBatches({ 1: "done", 2: "done" });
  const point = t.ledger.resumePoint(t.run.id, "NAME");
  assert.equal(point.startSeq, 0);
  assert.equal(point.cursor, undefined);
  assert.deepEqual(point.terminalSeqs, new Set([1, 2]));
  assert.equal(point.counts.loaded, 4);
  t.cleanup();
});

Deno.test("resumePoint() looks only at the given run and vault", () => {
  const t = withBatches({ 0: "done", 1: "done" });
  assert.equal(t.ledger.resumePoint(t.run.id, "ID").startSeq, 0);
  assert.equal(t.ledger.resumePoint("r-other", "NAME").startSeq, 0);
  t.cleanup();
});

Deno.test("runSummary() reports per-vault counts, batch states and times", async () => {
  const clock = new FakeClock(T0);
  const t = withBatches({ 0: "done", 1: "partial", 2: "in_flight" }, clock);
  await clock.tick(60_000);
  t.ledger.markVaultFinished(t.run.id, "ID");
  t.ledger.markResolved(t.run.id, "NAME", [4]);
  assert.deepEqual(t.ledger.runSummary(t.run.id), [
    {
      vault: "NAME",
      read: 6,
      loaded: 3,
      failed: 1,
      skipped: 2,
      unresolvedFailures: 0,
      alreadyPresent: 0,
      unsettled: 0,
      unverified: 0,
      pendingBatches: 0,
      inFlightBatches: 1,
      doneBatches: 1,
      failedBatches: 0,
      partiallyFailedBatches: 1,
      requests: 2,
      firstStartedAt: T0,
      lastUpdatedAt: T0,
      finished: false,
    },
    {
      vault: "ID",
      read: 0,
      loaded: 0,
      failed: 0,
      skipped: 0,
      unresolvedFailures: 0,
      alreadyPresent: 0,
      unsettled: 0,
      unverified: 0,
      pendingBatches: 0,
      inFlightBatches: 0,
      doneBatches: 0,
      failedBatches: 0,
      partiallyFailedBatches: 0,
      requests: 0,
      finished: true,
    },
  ]);
  t.cleanup();
});

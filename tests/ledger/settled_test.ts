import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../_fixtures/clock.ts";
import type { Batch, BatchResult } from "../../src/common/types.ts";
import { KEEP_BELOW, Ledger, SAMPLE_EVERY } from "../../src/ledger/mod.ts";

const VAULTS = [{ name: "NAME", id: "vault-name", column: "name", table: "name" }];

function batch(seq: number): Batch {
  return {
    vault: "NAME",
    seq,
    firstPosition: seq * 2,
    endPosition: seq * 2 + 2,
    records: [{ position: seq * 2, value: `v${seq}`, token: `t${seq}` }],
    skipped: { empty_value: 1 },
    cursor: { position: seq * 2, offsets: [seq * 20] },
    checksum: `c${seq}`,
  };
}

const loaded = (failed = false): BatchResult => ({
  loaded: failed ? 0 : 1,
  failures: [],
  requests: 1,
  retried: false,
  lastStatus: 200,
  replayed: { upsert: 0, readback: 0, resent: 0 },
});

function batchSeqs(path: string, runId: string): number[] {
  const db = new DatabaseSync(path);
  try {
    return db.prepare("SELECT seq FROM batches WHERE run_id = ? ORDER BY seq").all(runId).map((r) =>
      Number(r.seq)
    );
  } finally {
    db.close();
  }
}

Deno.test("settled batches fold into the watermark: only samples and the last few rows stay, totals stay exact", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-settled-" });
  try {
    const path = `${dir}/s.db`;
    const ledger = Ledger.open(path, { clock: new FakeClock(1000) });
    const run = ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS });
    const sink = ledger.sink(run.id, { maxPending: 100 });
    const total = 3 * SAMPLE_EVERY + 10;
    // out of order: batch 5 settles last, so the watermark waits for it
    for (let seq = 0; seq < total; seq++) if (seq !== 5) sink.batchStarted(batch(seq));
    for (let seq = 0; seq < total; seq++) if (seq !== 5) sink.batchFinished(batch(seq), loaded());
    sink.flush();
    assert.ok(batchSeqs(path, run.id).length >= total - 2, "rows above an unsettled batch stay");
    sink.batchStarted(batch(5));
    sink.batchFinished(batch(5), loaded());
    sink.close();

    const kept = batchSeqs(path, run.id);
    const expected = [0, SAMPLE_EVERY, 2 * SAMPLE_EVERY, 3 * SAMPLE_EVERY];
    for (let seq = total - KEEP_BELOW; seq < total; seq++) expected.push(seq);
    assert.deepEqual(kept, [...new Set(expected)].sort((a, b) => a - b));

    const point = ledger.resumePoint(run.id, "NAME");
    assert.equal(point.startSeq, total - 1);
    assert.deepEqual(point.cursor, batch(total - 1).cursor);
    assert.deepEqual(point.counts, {
      read: 2 * total,
      loaded: total,
      alreadyPresent: 0,
      failed: 0,
      skipped: total,
      batches: total,
    });
    const [summary] = ledger.runSummary(run.id);
    assert.deepEqual(
      [summary.doneBatches, summary.loaded, summary.skipped, summary.requests, summary.inFlightBatches],
      [total, total, total, total, 0],
    );
    const samples = ledger.resumeSamples(run.id, "NAME", point.startSeq, { random: () => 0 });
    assert.deepEqual(
      samples.map((s) => [s.seq, s.checksum]),
      [
        0,
        SAMPLE_EVERY,
        2 * SAMPLE_EVERY,
        3 * SAMPLE_EVERY,
        ...Array.from({ length: KEEP_BELOW - 1 }, (_, i) => total - KEEP_BELOW + i),
      ]
        .map((seq) => [seq, `c${seq}`]),
    );
    ledger.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a run recorded before the watermark existed is folded when it is claimed for a resume", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-settled-" });
  try {
    const path = `${dir}/s.db`;
    const ledger = Ledger.open(path);
    const run = ledger.createRun({
      sourceKind: "csv",
      fingerprint: {},
      settings: { batchSize: 1 },
      vaults: VAULTS,
    });
    const sink = ledger.sink(run.id);
    for (let seq = 0; seq < 50; seq++) {
      sink.batchStarted(batch(seq));
      sink.batchFinished(batch(seq), loaded());
    }
    sink.close();
    ledger.close();
    // as an older byot left it: every batch row, no settled row, no job key
    const db = new DatabaseSync(path);
    db.exec("DELETE FROM settled");
    db.prepare("UPDATE runs SET job_key = NULL, status = 'interrupted'").run();
    const legacyRows = 50;
    db.prepare(
      `WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 49)
       INSERT OR REPLACE INTO batches (run_id, vault, seq, first_position, end_position, record_count, skipped_count,
         cursor_json, status, attempts, loaded) SELECT ?, 'NAME', n, n * 2, n * 2 + 2, 1, 1,
         '{"position":' || (n * 2) || ',"offsets":[' || (n * 20) || ']}', 'done', 1, 1 FROM s`,
    ).run(run.id);
    db.close();
    assert.equal(batchSeqs(path, run.id).length, legacyRows);

    const again = Ledger.open(path);
    const claim = again.claimRun({
      host: "h",
      pid: 1,
      jobKey: "",
      create: { sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS },
    });
    assert.equal(claim.outcome, "created", "a different job does not take the old run");
    const [job] = again.listRuns().filter((r) => r.id === run.id);
    const resumed = again.claimRun({
      host: "h",
      pid: 1,
      jobKey: job.jobKey!,
      create: { sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS },
    });
    assert.equal(resumed.outcome, "resumed");
    assert.deepEqual(batchSeqs(path, run.id), [
      0,
      ...Array.from({ length: KEEP_BELOW }, (_, i) => 50 - KEEP_BELOW + i),
    ]);
    assert.deepEqual(again.resumePoint(run.id, "NAME").counts, {
      read: 100,
      loaded: 50,
      alreadyPresent: 0,
      failed: 0,
      skipped: 50,
      batches: 50,
    });
    again.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

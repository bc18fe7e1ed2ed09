import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { workspace } from "../../_fixtures/workspace.ts";
import { KEEP_BELOW, Ledger, SAMPLE_EVERY } from "../../../src/ledger/mod.ts";

const BATCHES = 20_000_000;
const BATCH_SIZE = 25;

Deno.test("a resume over a ledger of 20M settled batches sends its first request within 2 s", async () => {
  await using ws = await workspace({ count: 2000, columns: ["ssn"] });
  const args = ["--batch-size", String(BATCH_SIZE)];
  const first = await ws.load(args);
  assert.equal(first.code, 0, first.err);

  // Turn the finished run into one that settled 20M batches (500M records) and was interrupted:
  // what the ledger holds after 20M batches is the settled row, one kept sample row per 1024
  // batches and the last KEEP_BELOW rows. The last batch's cursor points at row 1800 of the file
  // (a real cursor of the finished run, still kept), so the resume rebuilds that batch (settled: not
  // sent) and sends rows 1825-1999.
  const ledger = Ledger.open(ws.statePath);
  const run = ledger.listRuns()[0];
  ledger.close();
  const db = new DatabaseSync(ws.statePath);
  const real = (seq: number) =>
    JSON.parse(String(
      db.prepare("SELECT cursor_json FROM batches WHERE run_id = ? AND seq = ?").get(run.id, seq)!
        .cursor_json,
    ));
  const lastCursor = { ...real(1800 / BATCH_SIZE), position: (BATCHES - 1) * BATCH_SIZE };
  const built = performance.now();
  db.exec("BEGIN");
  db.prepare("DELETE FROM batches WHERE run_id = ?").run(run.id);
  db.prepare("DELETE FROM settled WHERE run_id = ?").run(run.id);
  db.prepare(
    `WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + ? FROM s WHERE n + ? < ?)
     INSERT INTO batches (run_id, vault, seq, first_position, end_position, record_count, skipped_count,
       cursor_json, status, attempts, loaded, started_at, finished_at)
     SELECT ?, 'SSN', n, n * ?, n * ? + ?, ?, 0, '{"position":0,"offsets":[0,0]}', 'done', 1, ?, 1, 2 FROM s`,
  ).run(
    SAMPLE_EVERY,
    SAMPLE_EVERY,
    BATCHES - KEEP_BELOW,
    run.id,
    BATCH_SIZE,
    BATCH_SIZE,
    BATCH_SIZE,
    BATCH_SIZE,
    BATCH_SIZE,
  );
  for (let seq = BATCHES - KEEP_BELOW; seq < BATCHES; seq++) {
    const cursor = seq === BATCHES - 1 ? lastCursor : { position: seq * BATCH_SIZE, offsets: [0, 0] };
    db.prepare(
      `INSERT INTO batches (run_id, vault, seq, first_position, end_position, record_count, skipped_count,
         cursor_json, status, attempts, loaded, started_at, finished_at)
       VALUES (?, 'SSN', ?, ?, ?, ?, 0, ?, 'done', 1, ?, 1, 2)`,
    ).run(
      run.id,
      seq,
      seq * BATCH_SIZE,
      (seq + 1) * BATCH_SIZE,
      BATCH_SIZE,
      JSON.stringify(cursor),
      BATCH_SIZE,
    );
  }
  db.prepare(
    `INSERT INTO settled (run_id, vault, below_seq, batches, done_batches, read, loaded, requests, first_started,
       last_updated) VALUES (?, 'SSN', ?, ?, ?, ?, ?, ?, 1, 2)`,
  ).run(run.id, BATCHES, BATCHES, BATCHES, BATCHES * BATCH_SIZE, BATCHES * BATCH_SIZE, BATCHES);
  db.prepare("UPDATE run_vaults SET finished_at = NULL, reserved_seq = ? WHERE run_id = ?").run(
    BATCHES,
    run.id,
  );
  db.prepare("UPDATE runs SET status = 'interrupted', finished_at = NULL WHERE id = ?").run(run.id);
  db.exec("COMMIT");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  const buildMs = performance.now() - built;
  const ledgerBytes = (await Deno.stat(ws.statePath)).size;
  assert.ok(ledgerBytes < 16 * 1024 * 1024, `the ledger of 20M batches is ${ledgerBytes} bytes`);

  ws.sim.store.clear();
  let firstRequestAt: number | undefined;
  const dataStarted = ws.sim.stats.dataStarted.bind(ws.sim.stats);
  ws.sim.stats.dataStarted = (now: number) => {
    firstRequestAt ??= performance.now();
    dataStarted(now);
  };
  const started = performance.now();
  const resumed = await ws.load(args);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, new RegExp(`resuming run ${run.id}`));
  assert.ok(firstRequestAt !== undefined, "the resume sent requests");
  const firstMs = firstRequestAt - started;
  assert.ok(
    firstMs < 2000,
    `first request ${firstMs.toFixed(0)} ms after the resume began (built in ${buildMs} ms)`,
  );
  ws.assertExact("ssn", { from: 1825 });

  const after = Ledger.open(ws.statePath);
  try {
    const [summary] = after.runSummary(run.id);
    assert.equal(summary.loaded, BATCHES * BATCH_SIZE + 175);
    assert.equal(summary.doneBatches, BATCHES + 7);
    assert.equal(after.getRun(run.id)?.status, "finished");
  } finally {
    after.close();
  }
});

/**
 * The resume scenario's second half, run inside `resume_host.ts` once the real resume finished:
 * the ledger's size per recorded batch, and a resume over a synthetic ledger of 20M settled batches
 * (what a 500M-record load at the default batch size 25 leaves behind), timed from spawn to the
 * first request.
 *
 * The finished run is turned into an interrupted one that settled 20M batches: its `settled` row
 * says so, one sample row per 1024 batches is written with a recursive CTE, and the last kept rows
 * are re-numbered to the end of that range, so the resume restarts at a real cursor of the CSV a few
 * batches before its end and sends those last batches.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { KEEP_BELOW, SAMPLE_EVERY } from "../src/ledger/mod.ts";

/** Batches of the synthetic ledger. */
export const SCALE_BATCHES = 20_000_000;

/** What the ledger of the first load holds. */
export interface LedgerFootprint {
  /** Batches recorded (settled ones folded into the watermark included). */
  batches: number;
  /** Batch rows still stored. */
  batchRows: number;
  /** File size (with WAL), bytes. */
  bytes: number;
  /** Average payload of a stored batch row (column bytes; integers counted as 8), bytes. */
  rowBytes: number;
}

/** Counts a ledger's recorded batches and stored batch rows (opened read-only). */
export function ledgerFootprint(path: string, bytes: number): LedgerFootprint {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const folded = Number(db.prepare("SELECT coalesce(sum(batches), 0) AS n FROM settled").get()!.n);
    const above = Number(
      db.prepare(
        `SELECT count(*) AS n FROM batches b LEFT JOIN settled s ON s.run_id = b.run_id AND s.vault = b.vault
         WHERE b.seq >= coalesce(s.below_seq, 0)`,
      ).get()!.n,
    );
    const batchRows = Number(db.prepare("SELECT count(*) AS n FROM batches").get()!.n);
    const rowBytes = Number(
      db.prepare(
        `SELECT coalesce(avg(length(run_id) + length(vault) + length(status) + length(cursor_json)
           + coalesce(length(skipped_json), 0) + coalesce(length(request_id), 0) + coalesce(length(checksum), 0)
           + 11 * 8), 0) AS n FROM batches`,
      ).get()!.n,
    );
    return { batches: folded + above, batchRows, bytes, rowBytes };
  } finally {
    db.close();
  }
}

/**
 * Rewrites the single finished run of `path` as an interrupted run of {@linkcode SCALE_BATCHES}
 * settled batches; returns the records the resume will send (rows after the restart cursor).
 */
export function makeScaleLedger(path: string): { resend: number; batchSize: number } {
  const db = new DatabaseSync(path);
  try {
    const run = db.prepare("SELECT id FROM runs ORDER BY created_at DESC LIMIT 1").get()!;
    const vault = String(db.prepare("SELECT vault FROM run_vaults WHERE run_id = ?").get(run.id)!.vault);
    const rows = db.prepare(
      "SELECT seq, cursor_json, first_position, end_position FROM batches WHERE run_id = ? ORDER BY seq DESC LIMIT ?",
    ).all(run.id, KEEP_BELOW);
    const restart = rows[rows.length - 1]; // the oldest kept row: the resume sends the batches after it
    const lastEnd = Number(rows[0].end_position);
    const batchSize = Number(restart.end_position) - Number(restart.first_position);
    const cursor = JSON.parse(String(restart.cursor_json));
    const n = SCALE_BATCHES;
    db.exec("BEGIN");
    db.prepare("DELETE FROM batches WHERE run_id = ?").run(run.id);
    db.prepare("DELETE FROM settled WHERE run_id = ?").run(run.id);
    db.prepare(
      `WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + ? FROM s WHERE n + ? < ?)
       INSERT INTO batches (run_id, vault, seq, first_position, end_position, record_count, skipped_count,
         cursor_json, status, attempts, loaded, started_at, finished_at)
       SELECT ?, ?, n, n * ?, n * ? + ?, ?, 0, '{"position":0,"offsets":[0]}', 'done', 1, ?, 1, 2 FROM s`,
    ).run(
      SAMPLE_EVERY,
      SAMPLE_EVERY,
      n - 1,
      run.id,
      vault,
      batchSize,
      batchSize,
      batchSize,
      batchSize,
      batchSize,
    );
    db.prepare(
      `INSERT INTO batches (run_id, vault, seq, first_position, end_position, record_count, skipped_count,
         cursor_json, status, attempts, loaded, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, 'done', 1, ?, 1, 2)`,
    ).run(
      run.id,
      vault,
      n - 1,
      (n - 1) * batchSize,
      n * batchSize,
      batchSize,
      JSON.stringify({ ...cursor, position: (n - 1) * batchSize }),
      batchSize,
    );
    db.prepare(
      `INSERT INTO settled (run_id, vault, below_seq, batches, done_batches, read, loaded, requests, first_started,
         last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 2)`,
    ).run(run.id, vault, n, n, n, n * batchSize, n * batchSize, n);
    db.prepare("UPDATE run_vaults SET finished_at = NULL, reserved_seq = ? WHERE run_id = ?").run(n, run.id);
    db.prepare("UPDATE runs SET status = 'interrupted', finished_at = NULL WHERE id = ?").run(run.id);
    db.exec("COMMIT");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return { resend: lastEnd - Number(restart.end_position), batchSize };
  } finally {
    db.close();
  }
}

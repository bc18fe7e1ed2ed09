import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../_fixtures/clock.ts";
import { CheckpointError } from "../../src/common/errors.ts";
import type { Batch, BatchResult, FailedRecord } from "../../src/common/types.ts";
import { Ledger } from "../../src/ledger/mod.ts";
import { openStore } from "../../src/ledger/schema.ts";
import { createRun } from "../../src/ledger/runs.ts";
import { LedgerSink } from "../../src/ledger/sink.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const VAULT = { name: "NAME", id: "vault-name", column: "name", table: "name" };

function setup(clock = new FakeClock(T0), options: { busyTimeoutMs?: number } = {}) {
  const dir = Deno.makeTempDirSync({ prefix: "byot-sink-" });
  const path = `${dir}/s.db`;
  const ledger = Ledger.open(path, { clock, ...options });
  const run = ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: [VAULT] });
  const peek = (sql: string, ...params: (string | number)[]) => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return db.prepare(sql).all(...params).map((row) => ({ ...row }));
    } finally {
      db.close();
    }
  };
  const cleanup = () => {
    ledger.close();
    Deno.removeSync(dir, { recursive: true });
  };
  return { dir, path, ledger, run, clock, peek, cleanup };
}

function batch(seq: number, size = 4): Batch {
  const first = seq * size;
  const records = Array.from({ length: size }, (_, i) => ({
    position: first + i,
    value: `value-${first + i}`,
    token: `token-${first + i}`,
  }));
  return {
    vault: "NAME",
    seq,
    firstPosition: first,
    endPosition: first + size + 1,
    records,
    skipped: { empty_value: 1 },
    cursor: { position: first, offsets: [first * 10, first * 12] },
  };
}

function result(b: Batch, failed: number[] = [], extra: Partial<FailedRecord> = {}): BatchResult {
  const failures = b.records.filter((r) => failed.includes(r.position)).map((record): FailedRecord => ({
    record,
    status: 400,
    message: "Invalid value",
    requestId: "req-f",
    retryable: false,
    attempts: 1,
    ...extra,
  }));
  return {
    loaded: b.records.length - failures.length,
    failures,
    requests: 2,
    retried: true,
    lastStatus: 200,
    requestId: "req-1",
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}

Deno.test("LedgerSink commits a group only when the commit interval has passed", async () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id, { commitIntervalMs: 200, reserveAhead: 1000 });
  sink.batchStarted(batch(0)); // the first batch commits the send reservation
  sink.batchFinished(batch(0), result(batch(0)));
  sink.batchStarted(batch(1));
  const status = () => t.peek("SELECT status FROM batches ORDER BY seq").map((r) => r.status);
  assert.deepEqual(status(), ["in_flight"]);
  assert.equal(sink.pending, 2);
  await t.clock.tick(199);
  assert.deepEqual(status(), ["in_flight"]);
  await t.clock.tick(1);
  assert.deepEqual(status(), ["done", "in_flight"]);
  assert.equal(sink.pending, 0);
  t.cleanup();
});

Deno.test("LedgerSink commits at once when maxPending rows are waiting", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id, { maxPending: 3, reserveAhead: 1000 });
  for (const seq of [0, 1]) sink.batchStarted(batch(seq));
  assert.equal(t.peek("SELECT count(*) AS n FROM batches")[0].n, 1, "seq 0 reserved and committed");
  sink.batchStarted(batch(2));
  sink.batchStarted(batch(3));
  assert.equal(t.peek("SELECT count(*) AS n FROM batches")[0].n, 4);
  t.cleanup();
});

Deno.test("LedgerSink.batchStarted() commits a send reservation before the first batch of each block", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id, { reserveAhead: 4 });
  const reserved = () => t.peek("SELECT reserved_seq FROM run_vaults WHERE vault = 'NAME'")[0].reserved_seq;
  sink.batchStarted(batch(0));
  assert.equal(reserved(), 4);
  assert.deepEqual(t.peek("SELECT seq, status FROM batches"), [{ seq: 0, status: "in_flight" }]);
  sink.batchStarted(batch(1));
  sink.batchStarted(batch(3));
  assert.equal(reserved(), 4);
  assert.equal(t.peek("SELECT count(*) AS n FROM batches")[0].n, 1, "no commit inside a reserved block");
  sink.batchStarted(batch(4));
  assert.equal(reserved(), 8);
  assert.equal(t.peek("SELECT count(*) AS n FROM batches")[0].n, 4);
  t.cleanup();
});

Deno.test("LedgerSink.batchFinished() records status, counts, attempts and request id per batch", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id);
  const b = [batch(0), batch(1), batch(2), batch(3)];
  b.forEach((x) => sink.batchStarted(x));
  sink.batchFinished(b[0], result(b[0]));
  sink.batchFinished(b[1], result(b[1], [5]));
  sink.batchFinished(b[2], result(b[2], [8, 9, 10, 11]));
  sink.close();
  const rows = t.peek(
    "SELECT seq, status, loaded, failed, attempts, last_status, request_id, first_position, end_position, " +
      "record_count, skipped_count, skipped_json, cursor_json FROM batches ORDER BY seq",
  );
  assert.deepEqual(rows.map((r) => [r.seq, r.status, r.loaded, r.failed, r.attempts]), [
    [0, "done", 4, 0, 2],
    [1, "partially_failed", 3, 1, 2],
    [2, "failed", 0, 4, 2],
    [3, "in_flight", 0, 0, 0],
  ]);
  assert.deepEqual(rows[1], {
    seq: 1,
    status: "partially_failed",
    loaded: 3,
    failed: 1,
    attempts: 2,
    last_status: 200,
    request_id: "req-1",
    first_position: 4,
    end_position: 9,
    record_count: 4,
    skipped_count: 1,
    skipped_json: '{"empty_value":1}',
    cursor_json: '{"position":4,"offsets":[40,48]}',
  });
  assert.equal(t.peek("SELECT count(*) AS n FROM failed_records")[0].n, 5);
  t.cleanup();
});

Deno.test("LedgerSink upserts a failure that repeats: attempts add up and first_seen stays", async () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id);
  sink.batchFinished(batch(0), result(batch(0), [1], { attempts: 3 }));
  sink.flush();
  await t.clock.tick(5000);
  sink.batchStarted(batch(0));
  sink.batchFinished(batch(0), result(batch(0), [1], { attempts: 2, status: 409, message: "Duplicate" }));
  sink.close();
  const [f] = t.ledger.listFailures({ runId: t.run.id });
  assert.deepEqual(
    [f.position, f.attempts, f.firstSeen, f.lastSeen, f.statusCode, f.message],
    [1, 5, T0, T0 + 5000, 409, "Duplicate"],
  );
  assert.equal(t.peek("SELECT attempts FROM batches WHERE seq = 0")[0].attempts, 4);
  t.cleanup();
});

Deno.test("LedgerSink with resolveSucceeded marks stored failures of loaded records resolved", () => {
  const t = setup();
  t.ledger.recordFailures(
    t.run.id,
    "NAME",
    [0, 1, 2].map((position) => ({
      position,
      batchSeq: 0,
      value: `value-${position}`,
      token: `token-${position}`,
      statusCode: 500,
      message: "Server error",
      retryable: true,
    })),
  );
  const sink = t.ledger.sink(t.run.id, { recordBatches: false, resolveSucceeded: true });
  const retry: Batch = { ...batch(7), records: batch(0).records.slice(0, 3) };
  sink.batchStarted(retry);
  sink.batchFinished(retry, result(retry, [2]));
  sink.close();
  assert.deepEqual(t.ledger.listFailures({ runId: t.run.id }).map((f) => [f.position, f.attempts]), [[2, 2]]);
  assert.equal(t.ledger.listFailures({ runId: t.run.id, includeResolved: true }).length, 3);
  assert.equal(t.peek("SELECT count(*) AS n FROM batches")[0].n, 0, "no batch rows in retry mode");
  t.cleanup();
});

Deno.test("LedgerSink.close() flushes, stops the timer and refuses further outcomes", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id, { reserveAhead: 1000 });
  sink.batchStarted(batch(0));
  sink.batchStarted(batch(1));
  assert.equal(t.clock.pending, 1);
  sink.close();
  sink.close();
  assert.equal(t.peek("SELECT count(*) AS n FROM batches")[0].n, 2);
  assert.throws(() => sink.batchStarted(batch(2)), CheckpointError);
  t.cleanup();
});

Deno.test("LedgerSink keeps outcomes when a commit fails and writes them on the next flush", () => {
  const t = setup(new FakeClock(T0), { busyTimeoutMs: 1 });
  const errors: CheckpointError[] = [];
  const sink = t.ledger.sink(t.run.id, { reserveAhead: 1000, onError: (e) => errors.push(e) });
  sink.batchStarted(batch(0));
  sink.batchFinished(batch(0), result(batch(0), [1]));
  sink.batchFinished(batch(1), result(batch(1)));
  const other = new DatabaseSync(t.path);
  other.exec("BEGIN IMMEDIATE");
  assert.throws(() => sink.flush(), (e: unknown) => e instanceof CheckpointError && /s\.db/.test(e.message));
  assert.throws(() => sink.batchStarted(batch(2)), CheckpointError, "no new sends while the ledger fails");
  other.exec("ROLLBACK");
  other.close();
  sink.flush();
  assert.deepEqual(t.peek("SELECT seq, status FROM batches ORDER BY seq"), [
    { seq: 0, status: "partially_failed" },
    { seq: 1, status: "done" },
  ]);
  assert.equal(t.peek("SELECT count(*) AS n FROM failed_records")[0].n, 1);
  t.cleanup();
});

Deno.test("a second Ledger on the same file sees every committed outcome of one never closed", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id, { reserveAhead: 1000 });
  for (let seq = 0; seq < 5; seq++) {
    sink.batchStarted(batch(seq));
    sink.batchFinished(batch(seq), result(batch(seq), seq === 2 ? [9] : []));
  }
  sink.flush();
  sink.batchFinished(batch(5), result(batch(5)));
  const second = Ledger.open(t.path, { clock: t.clock });
  const [summary] = second.runSummary(t.run.id);
  assert.equal(summary.doneBatches + summary.partiallyFailedBatches, 5);
  assert.equal(summary.failed, 1);
  assert.equal(second.integrityCheck(), "ok");
  second.close();
  t.cleanup();
});

Deno.test("a ledger process killed with SIGKILL loses no flushed outcome and stays intact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot-crash-" });
  const path = `${dir}/s.db`;
  const script = `${dir}/writer.ts`;
  const mod = new URL("../../src/ledger/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { Ledger } from ${JSON.stringify(mod)};
const ledger = Ledger.open(${JSON.stringify(path)});
const run = ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {},
  vaults: [{ name: "NAME", id: "v", column: "name", table: "name" }] });
const sink = ledger.sink(run.id, { commitIntervalMs: 60000 });
const batch = (seq) => ({ vault: "NAME", seq, firstPosition: seq * 2, endPosition: seq * 2 + 2, skipped: {},
  cursor: { position: seq * 2 }, records: [0, 1].map((i) => ({ position: seq * 2 + i, value: "v", token: "t" })) });
const result = (failures) => ({ loaded: 2 - failures.length, failures, requests: 1, retried: false, lastStatus: 200,
  replayed: { upsert: 0, readback: 0, resent: 0 } });
for (let seq = 0; seq < 10; seq++) {
  sink.batchStarted(batch(seq));
  const b = batch(seq);
  sink.batchFinished(b, result(seq === 4 ? [{ record: b.records[1], status: 400, message: "bad", retryable: false, attempts: 1 }] : []));
}
sink.flush();
for (let seq = 10; seq < 13; seq++) { sink.batchStarted(batch(seq)); sink.batchFinished(batch(seq), result([])); }
console.log(run.id);
Deno.kill(Deno.pid, "SIGKILL");
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", "--no-config", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.signal, "SIGKILL", new TextDecoder().decode(out.stderr));
  const runId = new TextDecoder().decode(out.stdout).trim();
  const ledger = Ledger.open(path, { clock: new FakeClock(T0) });
  assert.equal(ledger.integrityCheck(), "ok");
  assert.equal(ledger.getRun(runId)?.status, "running");
  const point = ledger.resumePoint(runId, "NAME");
  assert.equal(point.startSeq, 9);
  assert.deepEqual(point.cursor, { position: 18 });
  assert.deepEqual(point.counts, {
    read: 20,
    loaded: 19,
    alreadyPresent: 0,
    failed: 1,
    skipped: 0,
    batches: 10,
  });
  assert.equal(point.replayBelowSeq, 128, "the unrecorded batches 10-12 may have been sent");
  assert.equal(ledger.listFailures({ runId }).length, 1);
  ledger.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("LedgerSink fsyncs the send reservation (synchronous=FULL for that commit only)", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-sink-" });
  try {
    const store = openStore(`${dir}/s.db`, { clock: new FakeClock(T0), random: () => 0.5 });
    const run = createRun(store, { sourceKind: "csv", fingerprint: {}, settings: {}, vaults: [VAULT] });
    const executed: string[] = [];
    const exec = store.db.exec.bind(store.db);
    store.db.exec = (sql: string) => {
      executed.push(sql.trim());
      return exec(sql);
    };
    const sink = new LedgerSink(store, run.id, { reserveAhead: 4 });
    sink.batchStarted(batch(0));
    assert.deepEqual(executed, [
      "PRAGMA synchronous = FULL",
      "BEGIN IMMEDIATE",
      "COMMIT",
      "PRAGMA synchronous = 1",
    ]);
    executed.length = 0;
    sink.batchStarted(batch(1));
    sink.flush();
    assert.deepEqual(executed, ["BEGIN IMMEDIATE", "COMMIT"], "group commits keep synchronous=NORMAL");
    assert.equal(store.get("PRAGMA synchronous")?.synchronous, 1);
    assert.equal(store.get("SELECT reserved_seq FROM run_vaults")?.reserved_seq, 4);
    sink.close();
    store.db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("LedgerSink keeps a batch with unsettled records open (in_flight) and stores no failure for them", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id);
  const b = batch(0);
  const unsettled = b.records.slice(1).map((record): FailedRecord => ({
    record,
    status: 503,
    message: "gave up after 8 attempts",
    retryable: true,
    attempts: 8,
  }));
  sink.batchStarted(b);
  sink.batchFinished(b, { ...result(b), loaded: 1, alreadyPresent: 1, unsettled });
  sink.close();
  assert.deepEqual(t.peek("SELECT status, loaded, already_present, unsettled FROM batches"), [
    { status: "in_flight", loaded: 1, already_present: 1, unsettled: 3 },
  ]);
  assert.equal(t.peek("SELECT count(*) AS n FROM failed_records")[0].n, 0);
  const [summary] = t.ledger.runSummary(t.run.id);
  assert.equal(summary.unsettled, 3);
  assert.equal(summary.inFlightBatches, 1);
  assert.equal(t.ledger.resumePoint(t.run.id, "NAME").startSeq, 0, "the resume starts at the open batch");
  t.cleanup();
});

Deno.test("LedgerSink stores already-present records per batch and the resume point adds them up", () => {
  const t = setup();
  const sink = t.ledger.sink(t.run.id);
  for (const seq of [0, 1]) {
    const b = batch(seq);
    sink.batchStarted(b);
    sink.batchFinished(b, { ...result(b), alreadyPresent: seq + 2, unverified: 1 });
  }
  sink.close();
  assert.deepEqual(t.peek("SELECT seq, already_present, unverified FROM batches ORDER BY seq"), [
    { seq: 0, already_present: 2, unverified: 1 },
    { seq: 1, already_present: 3, unverified: 1 },
  ]);
  assert.equal(t.ledger.resumePoint(t.run.id, "NAME").counts.alreadyPresent, 5);
  assert.equal(t.ledger.runSummary(t.run.id)[0].alreadyPresent, 5);
  t.cleanup();
});

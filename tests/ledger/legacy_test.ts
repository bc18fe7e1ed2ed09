import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import type { Batch, BatchResult, FailedRecord, SourceItem } from "../../src/common/types.ts";
import { exportFailures, importLegacyErrorLog, Ledger } from "../../src/ledger/mod.ts";
import { errorLogFingerprint, errorLogSource, readLegacyErrorLog } from "../../src/sources/error_log/mod.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 250);
const VAULTS = [
  { name: "NAME", id: "vault-name", column: "name", table: "name" },
  { name: "ID", id: "vault-id", column: "id", table: "id" },
];

function batch(seq: number, positions: number[]): Batch {
  return {
    vault: "NAME",
    seq,
    firstPosition: positions[0],
    endPosition: positions[positions.length - 1] + 1,
    records: positions.map((p) => ({ position: p, value: `name <${p}>`, token: `tok-${p}` })),
    skipped: {},
    cursor: { position: positions[0] },
  };
}

function result(b: Batch, failed: Record<number, [number, string]>): BatchResult {
  const failures = b.records.filter((r) => r.position in failed).map((record): FailedRecord => ({
    record,
    status: failed[record.position][0],
    message: failed[record.position][1],
    requestId: "req",
    retryable: false,
    attempts: 1,
  }));
  return {
    loaded: b.records.length - failures.length,
    failures,
    requests: 1,
    retried: false,
    lastStatus: 200,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}

function setup() {
  const dir = Deno.makeTempDirSync({ prefix: "byot-legacy-" });
  const clock = new FakeClock(T0);
  const ledger = Ledger.open(`${dir}/s.db`, { clock });
  const run = ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS });
  const sink = ledger.sink(run.id);
  const b0 = batch(0, [0, 1, 2]);
  const b1 = batch(1, [3, 4, 5]);
  sink.batchFinished(b0, result(b0, { 0: [400, "Invalid value"], 2: [0, "network: reset"] }));
  sink.batchFinished(b1, result(b1, { 4: [400, "Invalid value"] }));
  sink.close();
  const cleanup = () => {
    ledger.close();
    Deno.removeSync(dir, { recursive: true });
  };
  return { dir, clock, ledger, run, cleanup };
}

const EXPECTED_JSON = String.raw`{
  "vault_name": "NAME",
  "vault_id": "vault-name",
  "column": "name",
  "timestamp": "2026-01-02T04:04:05.25+01:00",
  "total_errors": 3,
  "failed_records": 3,
  "errors": [
    {
      "batch_number": 0,
      "records": [
        {
          "Value": "name \u003c0\u003e",
          "Token": "tok-0"
        }
      ],
      "error": "Invalid value",
      "status_code": 400,
      "timestamp": "2026-01-02T04:04:05.25+01:00"
    },
    {
      "batch_number": 0,
      "records": [
        {
          "Value": "name \u003c2\u003e",
          "Token": "tok-2"
        }
      ],
      "error": "network: reset",
      "timestamp": "2026-01-02T04:04:05.25+01:00"
    },
    {
      "batch_number": 1,
      "records": [
        {
          "Value": "name \u003c4\u003e",
          "Token": "tok-4"
        }
      ],
      "error": "Invalid value",
      "status_code": 400,
      "timestamp": "2026-01-02T04:04:05.25+01:00"
    }
  ]
}
`;

Deno.test("exportFailures() writes one legacy error log per vault with failures, exactly", () => {
  const t = setup();
  const files = exportFailures(t.ledger, {
    format: "json",
    vaults: VAULTS,
    dir: t.dir,
    now: T0,
    utcOffset: 60,
  });
  assert.deepEqual(files, [{
    vault: "NAME",
    path: `${t.dir}/error_log_NAME_20260102_040405.json`,
    records: 3,
  }]);
  assert.equal(Deno.readTextFileSync(files[0].path), EXPECTED_JSON);
  t.cleanup();
});

Deno.test("exportFailures() writes the CSV format in position order", () => {
  const t = setup();
  const [file] = exportFailures(t.ledger, {
    format: "csv",
    vaults: VAULTS,
    runId: t.run.id,
    dir: t.dir,
    now: T0,
    utcOffset: 0,
  });
  assert.equal(file.path, `${t.dir}/failures_NAME_20260102_030405.csv`);
  assert.equal(
    Deno.readTextFileSync(file.path),
    "value,token,status,message,request_id\n" +
      "name <0>,tok-0,400,Invalid value,req\nname <2>,tok-2,0,network: reset,req\nname <4>,tok-4,400,Invalid value,req\n",
  );
  t.cleanup();
});

Deno.test("an exported error log imports as failed records and reprocessing resolves the ones that load", async () => {
  const t = setup();
  const [file] = exportFailures(t.ledger, {
    format: "json",
    vaults: VAULTS,
    dir: t.dir,
    now: T0,
    utcOffset: 0,
  });
  const log = await readLegacyErrorLog(file.path);
  const run = t.ledger.createRun({
    sourceKind: "error-log",
    fingerprint: errorLogFingerprint(log),
    settings: { batchSize: 2 },
    vaults: [VAULTS[0]],
  });
  assert.equal(importLegacyErrorLog(t.ledger, run.id, log), 3);
  const imported = t.ledger.listFailures({ runId: run.id });
  assert.deepEqual(
    imported.map((f) => [f.position, f.value, f.statusCode, f.message, f.batchSeq, f.firstSeen]),
    [
      [0, "name <0>", 400, "Invalid value", 0, T0],
      [1, "name <2>", 0, "network: reset", 0, T0],
      [2, "name <4>", 400, "Invalid value", 1, T0],
    ],
  );

  const items: SourceItem[] = [];
  for await (const chunk of errorLogSource(log).read()) items.push(...chunk);
  const sink = t.ledger.sink(run.id, { resolveSucceeded: true });
  const reprocessed: Batch = {
    vault: "NAME",
    seq: 0,
    firstPosition: 0,
    endPosition: 3,
    records: items.map(({ position, value, token }) => ({ position, value, token })),
    skipped: {},
    cursor: items[0].cursor,
  };
  sink.batchStarted(reprocessed);
  sink.batchFinished(reprocessed, result(reprocessed, { 2: [409, "Duplicate"] }));
  sink.close();
  assert.deepEqual(
    t.ledger.listFailures({ runId: run.id }).map((f) => [f.position, f.statusCode, f.attempts]),
    [
      [2, 409, 2],
    ],
  );
  assert.equal(t.ledger.runSummary(run.id)[0].unresolvedFailures, 1);
  t.cleanup();
});

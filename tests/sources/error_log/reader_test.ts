import assert from "node:assert/strict";
import { SourceError } from "../../../src/common/errors.ts";
import type { SourceItem } from "../../../src/common/types.ts";
import {
  errorLogFingerprint,
  errorLogSource,
  formatGoTime,
  goJsonString,
  type LegacyErrorEntry,
  legacyErrorLogName,
  parseLegacyErrorLog,
  readLegacyErrorLog,
  writeLegacyErrorLog,
} from "../../../src/sources/error_log/mod.ts";

const PDT = -7 * 60;
const NOW = Date.UTC(2025, 9, 9, 22, 30, 45, 123);
const ENTRIES: LegacyErrorEntry[] = [
  {
    batchNumber: 42,
    records: [{ value: "123", token: "tok_456" }, { value: "124", token: "tok_457" }],
    error: 'API request failed with status 500 after 3 retries (body: {"error":"<b>x</b> & y"})',
    statusCode: 500,
    timestamp: Date.UTC(2025, 9, 9, 22, 30, 12, 500),
  },
  {
    batchNumber: 43,
    records: [{ value: 'a"b', token: "tok\n\u2028" }],
    error: "network failure",
    statusCode: 0,
    timestamp: Date.UTC(2025, 9, 9, 22, 30, 13, 0),
  },
];

// What Go's json.Encoder (SetIndent("", "  ")) writes for the legacy struct with these entries.
const EXPECTED = String.raw`{
  "vault_name": "ID",
  "vault_id": "abc123",
  "column": "id",
  "timestamp": "2025-10-09T15:30:45.123-07:00",
  "total_errors": 2,
  "failed_records": 3,
  "errors": [
    {
      "batch_number": 42,
      "records": [
        {
          "Value": "123",
          "Token": "tok_456"
        },
        {
          "Value": "124",
          "Token": "tok_457"
        }
      ],
      "error": "API request failed with status 500 after 3 retries (body: {\"error\":\"\u003cb\u003ex\u003c/b\u003e \u0026 y\"})",
      "status_code": 500,
      "timestamp": "2025-10-09T15:30:12.5-07:00"
    },
    {
      "batch_number": 43,
      "records": [
        {
          "Value": "a\"b",
          "Token": "tok\n\u2028"
        }
      ],
      "error": "network failure",
      "timestamp": "2025-10-09T15:30:13-07:00"
    }
  ]
}
`;

function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "byot-errlog-" });
}

Deno.test("writeLegacyErrorLog() writes the legacy Go error log byte for byte with mode 0600", () => {
  const dir = tempDir();
  const written = writeLegacyErrorLog({
    vaultName: "ID",
    vaultId: "abc123",
    column: "id",
    entries: ENTRIES,
    dir,
    now: NOW,
    utcOffset: PDT,
  });
  assert.deepEqual(written, {
    path: `${dir}/error_log_ID_20251009_153045.json`,
    totalErrors: 2,
    failedRecords: 3,
  });
  assert.equal(Deno.readTextFileSync(written.path), EXPECTED);
  assert.equal(Deno.statSync(written.path).mode! & 0o777, 0o600);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["error_log_ID_20251009_153045.json"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("writeLegacyErrorLog() reads entries from a factory twice and writes an empty list as []", () => {
  const dir = tempDir();
  let calls = 0;
  const written = writeLegacyErrorLog({
    vaultName: "NAME",
    vaultId: "v",
    column: "name",
    entries: () => {
      calls++;
      return [][Symbol.iterator]();
    },
    dir,
    now: Date.UTC(2025, 0, 1, 0, 0, 0, 0),
    utcOffset: 0,
  });
  assert.equal(calls, 2);
  assert.equal(
    Deno.readTextFileSync(written.path),
    '{\n  "vault_name": "NAME",\n  "vault_id": "v",\n  "column": "name",\n  "timestamp": "2025-01-01T00:00:00Z",\n' +
      '  "total_errors": 0,\n  "failed_records": 0,\n  "errors": []\n}\n',
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("formatGoTime() renders RFC3339Nano as Go does", () => {
  const t = Date.UTC(2025, 9, 9, 22, 30, 12, 0);
  assert.equal(formatGoTime(t, 0), "2025-10-09T22:30:12Z");
  assert.equal(formatGoTime(t + 120, 0), "2025-10-09T22:30:12.12Z");
  assert.equal(formatGoTime(t + 7, 330), "2025-10-10T04:00:12.007+05:30");
  assert.equal(formatGoTime(t + 500, -420), "2025-10-09T15:30:12.5-07:00");
  assert.equal(legacyErrorLogName("a/b", t, 60), "error_log_a_b_20251009_233012.json");
  assert.equal(goJsonString("<&>\u2029\u0001\t"), '"\\u003c\\u0026\\u003e\\u2029\\u0001\\t"');
});

Deno.test("readLegacyErrorLog() reads back what writeLegacyErrorLog() wrote", async () => {
  const dir = tempDir();
  const { path } = writeLegacyErrorLog({
    vaultName: "ID",
    vaultId: "abc123",
    column: "id",
    entries: ENTRIES,
    dir,
    now: NOW,
    utcOffset: PDT,
  });
  const log = await readLegacyErrorLog(path);
  assert.equal(log.vaultName, "ID");
  assert.equal(log.vaultId, "abc123");
  assert.equal(log.column, "id");
  assert.equal(log.timestamp, NOW);
  assert.deepEqual([log.totalErrors, log.failedRecords], [2, 3]);
  assert.deepEqual(log.entries, ENTRIES);
  assert.deepEqual(log.records[2], {
    position: 2,
    value: 'a"b',
    token: "tok\n\u2028",
    batchNumber: 43,
    statusCode: 0,
    error: "network failure",
    timestamp: ENTRIES[1].timestamp,
  });
  assert.match(log.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(errorLogFingerprint(log), { kind: "error-log", path, sha256: log.sha256, records: 3 });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseLegacyErrorLog() accepts the legacy sample with nanoseconds and Go's lenient field names", () => {
  const log = parseLegacyErrorLog(
    JSON.stringify({
      vault_name: "ID",
      vault_id: "abc123",
      column: "id",
      timestamp: "2025-10-09T15:30:45.123456789-07:00",
      total_errors: 1,
      failed_records: 2,
      errors: [{
        batch_number: 42,
        records: [{ Value: "123", Token: "tok_456" }, { value: "124", token: "tok_457" }],
        error: "API request failed with status 500 after 3 retries (body: {...})",
        status_code: 500,
        timestamp: "2025-10-09T15:30:12.5-07:00",
      }],
    }),
    "log.json",
  );
  assert.equal(log.timestamp, NOW);
  assert.deepEqual(log.records.map((r) => [r.position, r.value, r.token, r.statusCode]), [
    [0, "123", "tok_456", 500],
    [1, "124", "tok_457", 500],
  ]);
});

Deno.test("parseLegacyErrorLog() names the problem without quoting record values", () => {
  const bad = (text: string) => {
    try {
      parseLegacyErrorLog(text, "error_log_ID.json");
    } catch (error) {
      assert.ok(error instanceof SourceError);
      assert.ok(!error.message.includes("SECRET"), error.message);
      return error.message;
    }
    assert.fail("expected a SourceError");
  };
  assert.equal(
    bad('{\n"vault_name": "ID",\n"errors": [{"records": [{"Value" "SECRET-1", "Token": "x"}]}]}'),
    "error log error_log_ID.json: not valid JSON at line 3",
  );
  assert.equal(
    bad('{\n"vault_name": "ID",\n"errors": [{"records": [{"Value": SECRET-1, "Token": ]}]}'),
    "error log error_log_ID.json: not valid JSON",
  );
  assert.equal(bad("[1]"), "error log error_log_ID.json: expected a JSON object at the top level");
  assert.equal(bad('{"errors": []}'), "error log error_log_ID.json: vault_name is missing");
  assert.equal(
    bad('{"vault_name": "ID", "errors": {}}'),
    "error log error_log_ID.json: errors must be an array",
  );
  assert.equal(
    bad('{"vault_name": "ID", "errors": [{"records": [{"Value": 12, "Token": "SECRET"}]}]}'),
    "error log error_log_ID.json: errors[0].records[0].Value must be a string",
  );
  assert.equal(
    bad('{"vault_name": "ID", "errors": [{"records": [], "timestamp": "yesterday"}]}'),
    "error log error_log_ID.json: errors[0].timestamp is not an RFC 3339 time",
  );
  assert.equal(
    bad('{"vault_name": "ID", "errors": [{"records": [], "status_code": "500"}]}'),
    "error log error_log_ID.json: errors[0].status_code must be an integer",
  );
});

Deno.test("readLegacyErrorLog() throws SourceError for a missing file", async () => {
  await assert.rejects(readLegacyErrorLog("/nonexistent/error_log.json"), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.equal(e.message, "cannot read error log /nonexistent/error_log.json: no such file");
    return true;
  });
});

Deno.test("errorLogSource() yields records in file order, skips empties and resumes from a position", async () => {
  const log = parseLegacyErrorLog(
    JSON.stringify({
      vault_name: "NAME",
      errors: [
        { records: [{ Value: "a", Token: "1" }, { Value: "", Token: "2" }] },
        { records: [{ Value: "c", Token: "" }, { Value: "d", Token: "4" }, { Value: "e", Token: "5" }] },
      ],
    }),
    "log.json",
  );
  const read = async (from?: { position: number }) => {
    const chunks: SourceItem[][] = [];
    for await (const chunk of errorLogSource(log, { chunkSize: 2 }).read({ from })) chunks.push(chunk);
    return chunks;
  };
  const chunks = await read();
  assert.deepEqual(chunks.map((c) => c.length), [2, 2, 1]);
  assert.deepEqual(
    chunks.flat().map((i) => [i.position, i.value, i.token, i.skip ?? "", i.cursor.position]),
    [
      [0, "a", "1", "", 0],
      [1, "", "2", "empty_value", 1],
      [2, "c", "", "empty_token", 2],
      [3, "d", "4", "", 3],
      [4, "e", "5", "", 4],
    ],
  );
  assert.deepEqual((await read({ position: 3 })).flat().map((i) => i.position), [3, 4]);
  assert.equal(errorLogSource(log).label, "log.json");
});

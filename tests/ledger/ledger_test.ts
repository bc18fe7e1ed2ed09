import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../_fixtures/clock.ts";
import { CheckpointError } from "../../src/common/errors.ts";
import type { VaultSpec } from "../../src/common/types.ts";
import { Ledger, newRunId, SCHEMA_VERSION } from "../../src/ledger/mod.ts";

const VAULTS: VaultSpec[] = [
  { name: "NAME", id: "vault-name", column: "name", table: "name" },
  { name: "ID", id: "vault-id", column: "id", table: "persons" },
];
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "byot-ledger-" });
}

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

function open(path: string, clock = new FakeClock(T0)): Ledger {
  let n = 0;
  return Ledger.open(path, { clock, random: () => (n++ * 0.1) % 1 });
}

Deno.test("Ledger.open() creates the state file and its WAL with mode 0600", () => {
  const dir = tempDir();
  const path = `${dir}/byot-state.db`;
  const ledger = open(path);
  ledger.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS });
  assert.equal(mode(path), 0o600);
  assert.equal(mode(`${path}-wal`), 0o600);
  assert.equal(ledger.integrityCheck(), "ok");
  ledger.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("Ledger.open() narrows an existing state file to mode 0600", () => {
  const dir = tempDir();
  const path = `${dir}/s.db`;
  Deno.writeFileSync(path, new Uint8Array(), { mode: 0o644 });
  Deno.chmodSync(path, 0o644);
  open(path).close();
  assert.equal(mode(path), 0o600);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("Ledger.open() sets WAL mode and the schema version", () => {
  const dir = tempDir();
  const path = `${dir}/s.db`;
  open(path).close();
  const db = new DatabaseSync(path, { readOnly: true });
  assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
  assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION);
  db.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("Ledger.open() throws CheckpointError when the file is not a SQLite database", () => {
  const dir = tempDir();
  const path = `${dir}/s.db`;
  Deno.writeTextFileSync(path, "this is not a database ".repeat(200));
  assert.throws(() => open(path), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /s\.db/);
    assert.match(e.message, /not a database/);
    return true;
  });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("Ledger.open() throws CheckpointError when the SQLite file belongs to another program", () => {
  const dir = tempDir();
  const path = `${dir}/other.db`;
  const db = new DatabaseSync(path);
  db.exec("CREATE TABLE notes (body TEXT)");
  db.close();
  assert.throws(() => open(path), /is not a byot state file/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("Ledger.open() throws CheckpointError when a newer byot wrote the file", () => {
  const dir = tempDir();
  const path = `${dir}/s.db`;
  open(path).close();
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => open(path), /written by a newer byot/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("Ledger.open() throws CheckpointError when the directory does not exist", () => {
  assert.throws(() => open("/nonexistent-byot-dir/s.db"), (e: unknown) => e instanceof CheckpointError);
});

Deno.test("createRun() stores the run, its vaults and its JSON, readable after reopening", () => {
  const dir = tempDir();
  const path = `${dir}/s.db`;
  const ledger = open(path);
  const run = ledger.createRun({
    sourceKind: "csv",
    fingerprint: { files: [{ path: "data/name_data.csv", size: 10 }] },
    settings: { batchSize: 300 },
    vaults: VAULTS,
    command: "byot load --source csv",
    shard: "1/4",
    pid: 4242,
  });
  assert.match(run.id, /^r20260102030405[0-9a-f]{4}$/);
  ledger.close();
  const again = open(path);
  const stored = again.getRun(run.id)!;
  assert.deepEqual(stored, {
    id: run.id,
    createdAt: T0,
    updatedAt: T0,
    status: "running",
    sourceKind: "csv",
    fingerprint: { files: [{ path: "data/name_data.csv", size: 10 }] },
    settings: { batchSize: 300 },
    shard: "1/4",
    pid: 4242,
    command: "byot load --source csv",
    vaults: VAULTS,
  });
  assert.equal(again.getRun("r-missing"), undefined);
  again.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("latestUnfinishedRun() returns the newest run that is not finished", async () => {
  const dir = tempDir();
  const clock = new FakeClock(T0);
  const ledger = open(`${dir}/s.db`, clock);
  const input = { sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS };
  const a = ledger.createRun(input);
  await clock.tick(1000);
  const b = ledger.createRun(input);
  await clock.tick(1000);
  const c = ledger.createRun({ ...input, sourceKind: "snowflake" });
  assert.equal(ledger.latestUnfinishedRun()?.id, c.id);
  assert.equal(ledger.latestUnfinishedRun("csv")?.id, b.id);
  ledger.finishRun(b.id, "finished");
  ledger.finishRun(a.id, "interrupted");
  assert.equal(ledger.latestUnfinishedRun("csv")?.id, a.id);
  assert.equal(ledger.getRun(b.id)?.finishedAt, T0 + 2000);
  assert.equal(ledger.getRun(a.id)?.finishedAt, undefined);
  assert.deepEqual(ledger.listRuns().map((r) => r.id), [c.id, b.id, a.id]);
  ledger.reopenRun(a.id, 7);
  assert.equal(ledger.getRun(a.id)?.status, "running");
  assert.equal(ledger.getRun(a.id)?.pid, 7);
  assert.throws(() => ledger.finishRun("r-missing", "finished"), CheckpointError);
  ledger.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("createRun() never stores the bearer token or a password, even in the raw bytes", () => {
  const dir = tempDir();
  const path = `${dir}/s.db`;
  const secret = "sky-FAKE-BEARER-4f1d9c2a7e";
  const password = "pw-FAKE-SNOWFLAKE-88a1";
  const ledger = open(path);
  const run = ledger.createRun({
    sourceKind: "snowflake",
    fingerprint: { query: "SELECT 1", auth: { privateKey: password } },
    settings: {
      batchSize: 300,
      bearerToken: secret,
      tokenColumn: "token",
      snowflake: { user: "loader", password, sf_password: password },
      nested: [{ client_secret: secret, apiKey: secret }],
    },
    vaults: VAULTS,
  });
  assert.deepEqual(run.settings, {
    batchSize: 300,
    tokenColumn: "token",
    snowflake: { user: "loader" },
    nested: [{}],
  });
  const scan = () => {
    let bytes = "";
    for (const file of [path, `${path}-wal`]) {
      try {
        bytes += new TextDecoder("latin1").decode(Deno.readFileSync(file));
      } catch {
        // no WAL after a clean close
      }
    }
    assert.ok(bytes.includes("loader"), "the scan reads the stored JSON");
    assert.ok(!bytes.includes(secret), "bearer token found in the state file");
    assert.ok(!bytes.includes(password), "password found in the state file");
  };
  scan();
  ledger.close();
  scan();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("newRunId() sorts by creation time", () => {
  const a = newRunId(Date.UTC(2026, 0, 1, 0, 0, 9), () => 0.99);
  const b = newRunId(Date.UTC(2026, 0, 1, 0, 0, 10), () => 0);
  assert.equal(a, "r20260101000009fd70");
  assert.ok(a < b);
});

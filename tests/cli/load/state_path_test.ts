import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { workspace } from "../../_fixtures/workspace.ts";

/** Mode bits and bytes of `path` (a directory: its entries), to prove a refused --state was not touched. */
function snapshot(path: string): { mode: number; bytes: Uint8Array | string[] } {
  const info = Deno.statSync(path);
  const bytes = info.isDirectory ? [...Deno.readDirSync(path)].map((e) => e.name) : Deno.readFileSync(path);
  return { mode: info.mode! & 0o777, bytes };
}

/** Writes `text` to `path` with `mode`. */
function writeFile(path: string, text: string, mode: number): void {
  Deno.writeTextFileSync(path, text);
  Deno.chmodSync(path, mode);
}

/** Another program's SQLite database at `path`, with `mode`. */
function foreignDatabase(path: string, mode: number): void {
  const db = new DatabaseSync(path);
  db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
  db.close();
  Deno.chmodSync(path, mode);
}

/** Names in `dir` starting with `prefix`. */
function entries(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(prefix));
}

/** Makes a directory with `mode`. */
function makeDir(path: string, mode: number): void {
  Deno.mkdirSync(path);
  Deno.chmodSync(path, mode);
}

/** Asserts a one-line `error:` on stderr, exit 2 and no stack trace. */
function assertUsageLine(run: { code: number; err: string }, pattern: RegExp): void {
  assert.equal(run.code, 2, run.err);
  const lines = run.err.trimEnd().split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 1, run.err);
  assert.match(lines[0], pattern);
  assert.ok(!/\bat .*\.ts:\d+/.test(run.err), "no stack trace");
}

Deno.test("byot load refuses a garbage --state with exit 2 and leaves its mode and content untouched", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const path = `${ws.dir}/notes.txt`;
  writeFile(path, "these are somebody's notes, not a ledger\n".repeat(20), 0o644);
  const before = snapshot(path);
  const run = await ws.byot(["load", "--config", ws.configPath, "--state", path]);
  assertUsageLine(run, /notes\.txt is not a byot state file/);
  assert.deepEqual(snapshot(path), before);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
});

Deno.test("byot load refuses another program's SQLite file with exit 2 and leaves its mode and content untouched", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const path = `${ws.dir}/app.db`;
  foreignDatabase(path, 0o664);
  const before = snapshot(path);
  const run = await ws.byot(["load", "--config", ws.configPath, "--state", path]);
  assertUsageLine(run, /app\.db is not a byot state file \(it holds another program's data\)/);
  assert.deepEqual(snapshot(path), before);
  assert.deepEqual(entries(ws.dir, "app.db"), ["app.db"], "no -wal, -shm or -journal left behind");
});

Deno.test("byot load refuses a directory as --state with exit 2 and leaves its mode untouched", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const path = `${ws.dir}/ledgers`;
  makeDir(path, 0o755);
  // the preflight catches it first; without it, opening the ledger refuses it on its own
  const checked = await ws.byot(["load", "--config", ws.configPath, "--state", path]);
  assert.equal(checked.code, 2, checked.err);
  assert.match(checked.err, /✗ ledger .*ledgers: not writable/);
  const run = await ws.byot(["load", "--config", ws.configPath, "--state", path, "--no-preflight"]);
  assertUsageLine(run, /ledgers is a directory; --state takes a file name/);
  assert.deepEqual(snapshot(path), { mode: 0o755, bytes: [] });
});

Deno.test("byot load with --state in a missing folder exits 2 in one line and creates nothing", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const path = `${ws.dir}/missing/state.db`;
  const checked = await ws.byot(["load", "--config", ws.configPath, "--state", path]);
  assert.equal(checked.code, 2, checked.err);
  assert.match(checked.err, /✗ ledger .*missing\/state\.db: its directory .*missing does not exist/);
  const run = await ws.byot(["load", "--config", ws.configPath, "--state", path, "--no-preflight"]);
  assertUsageLine(run, /cannot create state file .*missing\/state\.db: its folder .*missing does not exist/);
  assert.deepEqual(entries(ws.dir, "missing"), []);
});

Deno.test("byot status and failures list refuse a garbage --state with exit 2 and leave it untouched", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const path = `${ws.dir}/garbage.db`;
  writeFile(path, "x".repeat(500), 0o640);
  const before = snapshot(path);
  for (const args of [["status"], ["failures", "list"], ["failures", "export", "--format", "json"]]) {
    const run = await ws.byot([...args, "--state", path]);
    assertUsageLine(run, /garbage\.db is not a byot state file/);
    assert.deepEqual(snapshot(path), before);
  }
});

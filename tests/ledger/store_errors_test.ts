import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FakeClock } from "../_fixtures/clock.ts";
import { CheckpointError } from "../../src/common/errors.ts";
import { Store } from "../../src/ledger/_store.ts";

function storeOf(db: DatabaseSync): Store {
  return new Store(db, "state.db", new FakeClock(), Math.random);
}

/** Asserts `fn` throws a CheckpointError with `exitCode` whose message matches `pattern`. */
function assertCheckpointError(fn: () => unknown, exitCode: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.equal(e.exitCode, exitCode);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("a full disk under the ledger is a transient failure (exit 75), not a bug", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (x BLOB)");
  db.exec("PRAGMA max_page_count = 4"); // SQLite's own size limit answers SQLITE_FULL like a full disk
  const store = storeOf(db);
  assertCheckpointError(
    () => {
      for (let i = 0; i < 100; i++) store.run("INSERT INTO t VALUES (randomblob(2000))");
    },
    75,
    /state file state\.db: could not write: database or disk is full \(the disk holding the state file is full/,
  );
  db.close();
});

Deno.test("a ledger that turned read-only is a transient failure (exit 75), not a bug", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-ro-store-" });
  try {
    const setup = new DatabaseSync(`${dir}/s.db`);
    setup.exec("CREATE TABLE t (x INTEGER)");
    setup.close();
    const db = new DatabaseSync(`${dir}/s.db`, { readOnly: true });
    const store = storeOf(db);
    assertCheckpointError(() => store.run("INSERT INTO t VALUES (1)"), 75, /read-only/);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("any other SQLite failure stays exit 1", () => {
  const store = storeOf(new DatabaseSync(":memory:"));
  assertCheckpointError(() => store.run("INSERT INTO missing VALUES (1)"), 1, /no such table: missing/);
  store.db.close();
});

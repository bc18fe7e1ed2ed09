import assert from "node:assert/strict";
import { SourceError } from "../../../src/common/errors.ts";
import type { SourceItem, VaultSpec } from "../../../src/common/types.ts";
import type { SnowflakeSettings } from "../../../src/config/settings.ts";
import { batchesOf } from "../../../src/pipeline/batcher.ts";
import {
  openSnowflake,
  parseSnowflakeState,
  rowCheck,
  type SessionSourceOptions,
  type SnowflakeQueryInfo,
  type SnowflakeSession,
  snowflakeStateOf,
} from "../../../src/sources/snowflake/mod.ts";
import {
  type FakeResult,
  type FakeSnowflake,
  type FakeSnowflakeOptions,
  startFakeSnowflake,
  textRows,
} from "./_double.ts";

const NAME: VaultSpec = { name: "NAME", id: "v1", column: "name", table: "name" };

async function withSession(
  doubleOptions: FakeSnowflakeOptions,
  fn: (
    double: FakeSnowflake,
    open: (extra?: SnowflakeSettings) => Promise<SnowflakeSession>,
  ) => Promise<void>,
): Promise<void> {
  const double = await startFakeSnowflake({ inlineRows: 100, chunkRows: 1000, ...doubleOptions });
  const sessions: SnowflakeSession[] = [];
  const open = async (extra: SnowflakeSettings = {}) => {
    const settings = { user: "u", password: "p", account: "acme", accessUrl: double.url, ...extra };
    const session = await openSnowflake(settings, { timeoutMs: 5000, loginRetries: 0 });
    sessions.push(session);
    return session;
  };
  try {
    await fn(double, open);
  } finally {
    for (const session of sessions) await session.close();
    await double.close();
  }
}

/** Honours the `LIMIT n OFFSET s` byot appends, over `rows`. */
function ranged(sql: string, rows: FakeResult): FakeResult {
  const m = /LIMIT (\d+|NULL) OFFSET (\d+)$/.exec(sql);
  if (!m) return rows;
  const offset = Math.min(Number(m[2]), rows.total);
  const total = m[1] === "NULL" ? rows.total - offset : Math.min(Number(m[1]), rows.total - offset);
  return { rowtype: rows.rowtype, total, rowsAt: (s, e) => rows.rowsAt(s + offset, e + offset) };
}

async function readAll(
  session: SnowflakeSession,
  options: SessionSourceOptions = {},
  from?: SourceItem["cursor"],
): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const chunk of session.source(NAME, options).read({ from })) items.push(...chunk);
  return items;
}

async function rejectsSource(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof SourceError, `expected SourceError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("source.read() streams the ordered query's rows across chunks with positions and checks", async () => {
  await withSession({ onQuery: () => textRows(2500) }, async (double, open) => {
    const session = await open();
    const infos: SnowflakeQueryInfo[] = [];
    const source = session.source(NAME, { onQuery: (i) => infos.push(i), chunkRows: 700 });
    const sizes: number[] = [];
    const items: SourceItem[] = [];
    for await (const chunk of source.read()) {
      sizes.push(chunk.length);
      items.push(...chunk);
    }
    assert.deepEqual(sizes, [700, 700, 700, 400]);
    assert.equal(items.length, 2500);
    assert.deepEqual(items[1234], {
      position: 1234,
      value: "VALUE 1234",
      token: "tok_1234",
      cursor: { position: 1234, check: rowCheck("VALUE 1234", "tok_1234") },
    });
    assert.equal(double.queries.length, 1);
    assert.equal(double.queries[0], source.sqlText);
    assert.match(source.sqlText, /^SELECT DISTINCT UPPER\(full_name\)[\s\S]*\nORDER BY 1, 2$/);
    assert.equal(double.chunkGets(), 3);
    assert.equal(infos.length, 1);
    assert.equal(infos[0].path, "query");
    assert.equal(infos[0].total, 2500);
    assert.equal(infos[0].queryId, double.queryIds[0]);
    assert.equal(infos[0].sqlText, source.sqlText);
    assert.deepEqual(parseSnowflakeState(JSON.parse(JSON.stringify(snowflakeStateOf(infos[0])))), {
      queryId: infos[0].queryId,
      total: 2500,
      sqlText: source.sqlText,
    });
  });
});

Deno.test("source.read() yields NULL cells as skipped items and numbers/dates as Snowflake strings", async () => {
  const result: FakeResult = {
    rowtype: [{ name: "ID", type: "fixed", scale: 0 }, { name: "ID_TOKEN", type: "text" }],
    total: 5,
    rowsAt: (s, e) => [["1001", "t1"], [null, "t2"], ["1003", null], [null, null], ["", "t5"]].slice(s, e),
  };
  const dates: FakeResult = {
    rowtype: [{ name: "BRTH_DT", type: "date" }, { name: "AMOUNT", type: "fixed", scale: 2 }],
    total: 1,
    rowsAt: () => [["19000", "12.50"]],
  };
  await withSession({ onQuery: (sql) => sql.includes("BRTH_DT") ? dates : result }, async (_double, open) => {
    const session = await open({ queryMode: "union" });
    const items = await readAll(session);
    assert.deepEqual(
      items.map((i) => [i.value, i.token, i.skip]),
      [["1001", "t1", undefined], ["", "t2", "null_value"], ["1003", "", "null_token"], [
        "",
        "",
        "null_value",
      ], [
        "",
        "t5",
        "empty_value",
      ]],
    );
    assert.notEqual(items[1].cursor.check, rowCheck("", "t2"), "NULL and empty differ in the check");
    const batches = [];
    for await (const b of batchesOf({ vault: "ID", source: session.source(NAME), batchSize: 10 })) {
      batches.push(b);
    }
    assert.deepEqual(batches[0].skipped, { null_value: 2, null_token: 1, empty_value: 1 });
    const dob = session.source({ name: "DOB", id: "v", column: "dob", table: "dob" });
    const [[row]] = await Array.fromAsync(dob.read());
    assert.deepEqual([row.value, row.token], ["2022-01-08", "12.50"]);
  });
});

Deno.test("source.read() turns a SQL error into a SourceError carrying Snowflake's code", async () => {
  const onQuery = () => ({
    error: {
      code: "002003",
      message: "SQL compilation error: Object 'X.Y.PATIENTS' does not exist.",
      sqlState: "02000",
    },
  });
  await withSession({ onQuery }, async (_double, open) => {
    const session = await open();
    await assert.rejects(() => readAll(session), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.match(
        error.message,
        /failed: 002003 \(02000\): SQL compilation error: Object 'X.Y.PATIENTS' does not exist\./,
      );
      assert.equal((error as SourceError & { code?: string }).code, "002003");
      return true;
    });
  });
});

Deno.test("source.read() pushes --start-record/--max-records down and numbers rows from the start record", async () => {
  await withSession({ onQuery: (sql) => ranged(sql, textRows(50)) }, async (double, open) => {
    const session = await open();
    const items = await readAll(session, { startRecord: 10, maxRecords: 4 });
    assert.match(double.queries[0], /\nORDER BY 1, 2\nLIMIT 4 OFFSET 10$/);
    assert.deepEqual(items.map((i) => [i.position, i.value]), [[10, "VALUE 10"], [11, "VALUE 11"], [
      12,
      "VALUE 12",
    ], [
      13,
      "VALUE 13",
    ]]);
    const source = session.source(NAME, { startRecord: 10, maxRecords: 4 });
    const records = [];
    for await (
      const b of batchesOf({ vault: "NAME", source, batchSize: 3, startRecord: 10, maxRecords: 4 })
    ) {
      records.push(...b.records.map((r) => r.position));
    }
    assert.deepEqual(
      records,
      [10, 11, 12, 13],
      "the batcher's own range filter agrees with the pushed-down one",
    );
  });
});

Deno.test("source.read() does not read ahead of a paused consumer", async () => {
  await withSession(
    { onQuery: () => textRows(200_000), inlineRows: 1000, chunkRows: 10_000 },
    async (double, open) => {
      const session = await open();
      const iterator = session.source(NAME).read()[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(double.chunkGets() <= 3, `chunk downloads while paused: ${double.chunkGets()}`);
      await iterator.return?.();
    },
  );
});

Deno.test("a resume re-reads the stored result with RESULT_SCAN and starts at the cursor", async () => {
  await withSession({ onQuery: () => textRows(3000) }, async (double, open) => {
    let state: unknown;
    const first = await open();
    let cursor: SourceItem["cursor"] | undefined;
    for await (const chunk of first.source(NAME, { onQuery: (i) => state = snowflakeStateOf(i) }).read()) {
      cursor = chunk[0].cursor;
      if (cursor.position >= 1000) break;
    }
    await first.close();
    assert.equal(cursor!.position, 1000);
    const second = await open();
    const infos: SnowflakeQueryInfo[] = [];
    const items = await readAll(
      second,
      { resume: parseSnowflakeState(state), onQuery: (i) => infos.push(i) },
      cursor,
    );
    assert.equal(
      double.queries[1],
      `SELECT * FROM TABLE(RESULT_SCAN('${double.queryIds[0]}'))\nORDER BY 1, 2`,
    );
    assert.equal(double.queries.length, 2, "the original query is not run again");
    assert.equal(items[0].position, 1000);
    assert.equal(items[0].value, "VALUE 1000");
    assert.equal(items.at(-1)!.position, 2999);
    assert.equal(infos[0].path, "result_scan");
    assert.equal(infos[0].total, 3000);
    assert.equal(infos[0].queryId, double.queryIds[1]);
  });
});

Deno.test("a resume re-runs the ordered query when the stored result expired, and checks the rows", async () => {
  await withSession({ onQuery: () => textRows(3000) }, async (double, open) => {
    const session = await open();
    let info: SnowflakeQueryInfo | undefined;
    const all = await readAll(session, { onQuery: (i) => info = i });
    double.expire(info!.queryId);
    const infos: SnowflakeQueryInfo[] = [];
    const resumed = await readAll(
      session,
      { resume: snowflakeStateOf(info!), onQuery: (i) => infos.push(i) },
      all[1500].cursor,
    );
    assert.equal(resumed.length, 1500);
    assert.deepEqual(resumed[0], all[1500]);
    assert.deepEqual(double.queries.map((q) => q.startsWith("SELECT * FROM TABLE(RESULT_SCAN(")), [
      false,
      true,
      false,
    ]);
    assert.equal(double.queries[2], info!.sqlText);
    assert.equal(infos[0].path, "rerun");
    assert.match(infos[0].fallbackReason!, /000709 \(02000\): Statement .* not found/);
  });
});

Deno.test("a resume refuses when the re-run returns different rows or a different count", async () => {
  let runs = 0;
  const onQuery = () =>
    ++runs === 1 ? textRows(3000) : runs === 2 ? textRows(3000, (i) => `CHANGED ${i}`) : textRows(2999);
  await withSession({ onQuery }, async (double, open) => {
    const session = await open();
    let info: SnowflakeQueryInfo | undefined;
    const all = await readAll(session, { onQuery: (i) => info = i });
    double.expire(info!.queryId);
    const reported: SnowflakeQueryInfo[] = [];
    const resume = { resume: snowflakeStateOf(info!), onQuery: (i: SnowflakeQueryInfo) => reported.push(i) };
    await rejectsSource(
      () => readAll(session, resume, all[2000].cursor),
      /^cannot resume: the Snowflake result changed since the run began \(the row at position 2000 differs\); rerun with --restart$/,
    );
    await rejectsSource(() => readAll(session, resume, all[2000].cursor), /\(3000 rows then, 2999 now\)/);
    assert.equal(reported.length, 0, "a refused result is never reported for storing");
    await rejectsSource(
      () => readAll(session, { resume: { ...resume.resume, sqlText: "SELECT 1" } }, all[2000].cursor),
      /query text changed/,
    );
    await rejectsSource(() => readAll(session, {}, { position: 3, offsets: [1, 2] }), /does not belong/);
  });
});

Deno.test("source.read() stops with the signal's reason on abort and the session stays usable", async () => {
  await withSession(
    { onQuery: () => textRows(50_000), inlineRows: 1000, chunkRows: 10_000 },
    async (_double, open) => {
      const session = await open();
      const controller = new AbortController();
      let read = 0;
      await assert.rejects(async () => {
        for await (const chunk of session.source(NAME).read({ signal: controller.signal })) {
          read += chunk.length;
          if (read >= 5000) controller.abort(new Error("stop here"));
        }
      }, /stop here/);
      assert.equal(read, 5000);
      assert.equal((await readAll(session)).length, 50_000);
    },
  );
});

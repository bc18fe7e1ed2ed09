/**
 * The Snowflake source against slow and failing results, driven through the real snowflake-sdk:
 * "query in progress" answers the driver polls, and chunk downloads that fail (once or for good) in
 * the middle of a result. A failing read must end with one line naming the problem, never hang, and
 * never end quietly with part of the rows.
 *
 * The driver retries a chunk that answers 5xx or drops the connection 10 times, waiting 1–16 s
 * (random) between tries, and byot cannot change that through connection options. So the tests that
 * go through those retries run them with {@linkcode fastDriverBackoff}, which turns those waits into
 * zero-delay timers: the driver's code and its number of tries stay as they are.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../_fixtures/clock.ts";
import { SourceError } from "../../../src/common/errors.ts";
import type { SourceItem, VaultSpec } from "../../../src/common/types.ts";
import {
  openSnowflake,
  type SessionSourceOptions,
  type SnowflakeQueryInfo,
  type SnowflakeSession,
} from "../../../src/sources/snowflake/mod.ts";
import {
  type FakeChunkFault,
  type FakeChunkRequest,
  type FakeSnowflake,
  type FakeSnowflakeOptions,
  startFakeSnowflake,
  textRows,
} from "./_double.ts";

const NAME: VaultSpec = { name: "NAME", id: "v1", column: "name", table: "name" };
/** 100 inline rows, then chunks 0..4 of 1000 rows: chunk i holds rows 100 + 1000 i .. 1099 + 1000 i. */
const TOTAL = 5100;
/** Rows before chunk 2. */
const BEFORE_CHUNK_2 = 2100;

async function withSession(
  doubleOptions: FakeSnowflakeOptions,
  fn: (double: FakeSnowflake, session: SnowflakeSession) => Promise<void>,
): Promise<void> {
  const double = await startFakeSnowflake({
    onQuery: () => textRows(TOTAL),
    inlineRows: 100,
    chunkRows: 1000,
    ...doubleOptions,
  });
  // the request timeout stays above the backoff range fastDriverBackoff() shortens
  const settings = { user: "u", password: "p", account: "acme", accessUrl: double.url };
  const session = await openSnowflake(settings, { timeoutMs: 30_000, loginRetries: 0 });
  try {
    await fn(double, session);
  } finally {
    await session.close();
    await double.close();
  }
}

/**
 * Runs `fn` with the driver's retry waits (1–16 s timers) shortened to 0 ms; also returns how many
 * were shortened. Timers outside that range (request timeouts, the fake clock) are untouched.
 */
async function fastDriverBackoff<T>(fn: () => Promise<T>): Promise<{ result: T; waits: number }> {
  const original = globalThis.setTimeout;
  const schedule = original as unknown as (handler: unknown, ms?: number, ...args: unknown[]) => unknown;
  let shortened = 0;
  const fast = (handler: unknown, ms?: number, ...args: unknown[]) => {
    if (typeof ms === "number" && ms >= 1000 && ms <= 16_000) {
      shortened++;
      ms = 0;
    }
    return schedule(handler, ms, ...args);
  };
  globalThis.setTimeout = fast as unknown as typeof globalThis.setTimeout;
  try {
    const result = await fn();
    return { result, waits: shortened };
  } finally {
    globalThis.setTimeout = original;
  }
}

/** A chunk fault that also records the downloads of each chunk. */
function faults(plan: (chunk: FakeChunkRequest) => FakeChunkFault | undefined) {
  const attempts = new Map<number, number>();
  return {
    attempts,
    chunkFault(chunk: FakeChunkRequest) {
      attempts.set(chunk.index, chunk.attempt);
      return plan(chunk);
    },
  };
}

/** Reads the whole source; returns the items yielded and the error that ended the read, if any. */
async function readAll(
  session: SnowflakeSession,
  options: SessionSourceOptions = {},
): Promise<{ items: SourceItem[]; error?: unknown }> {
  const items: SourceItem[] = [];
  try {
    for await (const chunk of session.source(NAME, options).read()) items.push(...chunk);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

/** Every row of `textRows(total)`, once, in order, at its position. */
function assertEveryRowOnce(items: SourceItem[], total = TOTAL): void {
  assert.equal(items.length, total);
  items.forEach((item, i) => {
    if (item.position !== i || item.value !== `VALUE ${i}` || item.token !== `tok_${i}`) {
      assert.fail(`item ${i} is ${JSON.stringify(item)}`);
    }
  });
}

/** The read ended with a one-line SourceError matching `pattern`, after a strict prefix of rows. */
function assertFailedAfterPrefix(
  read: { items: SourceItem[]; error?: unknown },
  pattern: RegExp,
  maxRows: number,
  exitCode: number,
): void {
  assert.ok(read.error !== undefined, `the read ended without an error after ${read.items.length} rows`);
  assert.ok(read.error instanceof SourceError, `expected a SourceError, got ${read.error}`);
  assert.match(read.error.message, pattern);
  assert.equal(read.error.exitCode, exitCode);
  assert.equal(read.error.message.includes("\n"), false, "one line");
  assert.ok(read.items.length <= maxRows, `${read.items.length} rows yielded, at most ${maxRows} exist`);
  read.items.forEach((item, i) => assert.equal(item.position, i, "rows before the failure, in order"));
}

Deno.test("source.read() reads every row exactly once when Snowflake answers 'query in progress' before the result", async () => {
  await withSession({ inProgressReplies: 3 }, async (double, session) => {
    const infos: SnowflakeQueryInfo[] = [];
    const { items, error } = await readAll(session, { onQuery: (info) => infos.push(info) });
    assert.equal(error, undefined);
    assertEveryRowOnce(items);
    assert.equal(double.queries.length, 1, "the query is sent once, then polled");
    const [queryId] = double.queryIds;
    const polls = double.requests.filter((r) => r.method === "GET" && r.path.endsWith("/result"));
    assert.deepEqual(polls.map((r) => r.path), Array(3).fill(`/queries/${queryId}/result`));
    assert.equal(double.resultPolls(), 3, "two more 'in progress' answers, then the result");
    assert.equal(double.chunkGets(), 5);
    assert.equal(infos.length, 1);
    assert.equal(infos[0].queryId, queryId);
    assert.equal(infos[0].total, TOTAL);
  });
});

Deno.test("source.read() reports the SQL error of a query that was in progress and then failed", async () => {
  const onQuery = () => ({
    error: { code: "000630", message: "Statement reached its statement timeout", sqlState: "57014" },
  });
  await withSession({ inProgressReplies: 2, onQuery }, async (double, session) => {
    const read = await readAll(session);
    assertFailedAfterPrefix(read, /failed: 000630 \(57014\): Statement reached its statement timeout$/, 0, 2);
    assert.equal(double.resultPolls(), 2);
  });
});

Deno.test("source.read() fails with one line, after only the earlier rows, when a later result chunk is not found", async () => {
  const plan = faults((c) => c.index >= 2 ? 404 : undefined);
  await withSession({ chunkFault: plan.chunkFault }, async (double, session) => {
    const t0 = performance.now();
    const read = await readAll(session);
    assertFailedAfterPrefix(
      read,
      /^Snowflake simple query for vault NAME \(column name\) \(reading rows\) failed: 402002: Request to S3\/Blob failed; re-run to resume$/,
      BEFORE_CHUNK_2,
      75,
    );
    assert.equal(plan.attempts.get(2), 1, "a 404 is not retried");
    assert.equal(double.chunkGets(), 2);
    assert.ok(performance.now() - t0 < 5000, "fails at once");
  });
});

Deno.test("source.read() fails with one line once the driver's retries of a chunk that keeps answering HTTP 500 are spent", async () => {
  const plan = faults((c) => c.index === 2 ? 500 : undefined);
  await withSession({ chunkFault: plan.chunkFault }, async (_double, session) => {
    const { result: read, waits } = await fastDriverBackoff(() => readAll(session));
    assertFailedAfterPrefix(
      read,
      /\(reading rows\) failed: 402002: Request to S3\/Blob failed; re-run to resume$/,
      BEFORE_CHUNK_2,
      75,
    );
    assert.equal(plan.attempts.get(2), 11, "the first download and the driver's 10 retries");
    assert.ok(waits >= 10, `driver retry waits: ${waits}`);
  });
});

Deno.test("source.read() fails with one line when the connection keeps dropping in the middle of a chunk", async () => {
  const plan = faults((c) => c.index === 2 ? "drop" : undefined);
  await withSession({ chunkFault: plan.chunkFault }, async (_double, session) => {
    const { result: read } = await fastDriverBackoff(() => readAll(session));
    assertFailedAfterPrefix(
      read,
      /\(reading rows\) failed: 402001: stream has been aborted; re-run to resume$/,
      BEFORE_CHUNK_2,
      75,
    );
    assert.equal(plan.attempts.get(2), 11, "the first download and the driver's 10 retries");
  });
});

Deno.test("source.read() reads every row exactly once when chunk downloads fail once and the driver's retries succeed", async () => {
  const plan = faults((c) =>
    c.attempt > 1 ? undefined : c.index === 1 ? 500 : c.index === 3 ? "drop" : undefined
  );
  await withSession({ chunkFault: plan.chunkFault }, async (double, session) => {
    const { result: read, waits } = await fastDriverBackoff(() => readAll(session));
    assert.equal(read.error, undefined);
    assertEveryRowOnce(read.items);
    assert.equal(double.chunkFaults(), 2);
    assert.deepEqual([plan.attempts.get(1), plan.attempts.get(3)], [2, 2]);
    assert.equal(double.queries.length, 1);
    assert.equal(waits, 2);
  });
});

Deno.test("source.read() fails with one line instead of hanging when the driver goes silent on a chunk it cannot parse", async () => {
  const plan = faults((c) => c.index === 2 ? "garbled" : undefined);
  await withSession({ chunkFault: plan.chunkFault }, async (double, session) => {
    const clock = new FakeClock();
    const items: SourceItem[] = [];
    const state: { ended?: { error?: unknown } } = {};
    /** How the read ended, if it did (a function, so assertions do not narrow it for good). */
    const ended = () => state.ended;
    const reading = (async () => {
      try {
        for await (const chunk of session.source(NAME, { clock, stallMs: 60_000, chunkRows: 100 }).read()) {
          items.push(...chunk);
        }
        state.ended = {};
      } catch (error) {
        state.ended = { error };
      }
    })();
    // wait until every row before the garbled chunk is read and the reader waits for the next one
    const deadline = performance.now() + 10_000;
    while (!(items.length === BEFORE_CHUNK_2 && clock.pending === 1 && double.chunkFaults() === 1)) {
      assert.equal(ended(), undefined, "the read ended early");
      assert.ok(
        performance.now() < deadline,
        `no reader waiting on a stall timer: ${items.length} rows read, ${clock.pending} timers`,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await clock.tick(59_999);
    assert.equal(ended(), undefined, "still waiting before the stall limit");
    await clock.tick(1);
    const timer = Promise.withResolvers<void>();
    const id = setTimeout(timer.resolve, 5000);
    await Promise.race([reading, timer.promise]);
    clearTimeout(id);
    const outcome = ended();
    assert.ok(outcome !== undefined, "the read still hangs after the stall limit");
    assertFailedAfterPrefix(
      { items, error: outcome.error },
      /^Snowflake simple query for vault NAME \(column name\) \(reading rows\) failed: Snowflake sent no rows for 60 s \(a result chunk could not be downloaded or read\); re-run to resume$/,
      BEFORE_CHUNK_2,
      75,
    );
    assert.equal(items.length, BEFORE_CHUNK_2);
  });
});

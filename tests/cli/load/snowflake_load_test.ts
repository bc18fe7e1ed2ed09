import assert from "node:assert/strict";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../_fixtures/io.ts";
import { type Simulator, startSimulator } from "../../../src/vault/simulator/mod.ts";
import {
  type FakeResult,
  type FakeSnowflake,
  type FakeSnowflakeOptions,
  startFakeSnowflake,
} from "../../sources/snowflake/_double.ts";

const ROWS = 3000;
const PASSWORD = "sf-PASS-9731";
/** Every 250th row has a NULL token: counted as skipped, never sent. */
const isNull = (i: number) => i % 250 === 7;

function result(): FakeResult {
  return {
    total: ROWS,
    rowsAt(start, end) {
      const rows: (string | null)[][] = [];
      for (let i = start; i < end; i++) {
        rows.push([`SF-VALUE-${String(i).padStart(6, "0")}`, isNull(i) ? null : `sftok-${i}`]);
      }
      return rows;
    },
  };
}

interface Setup {
  dir: string;
  sf: FakeSnowflake;
  sim: Simulator;
  byot(
    extra?: string[],
    fetch?: typeof globalThis.fetch,
  ): Promise<{ code: number; err: string; out: string }>;
  assertExact(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** 500 inline rows, then chunks of 700 (chunk i holds rows 500 + 700 i ..); `faults` go to the double. */
async function setup(faults: Pick<FakeSnowflakeOptions, "chunkFault"> = {}): Promise<Setup> {
  const dir = await Deno.makeTempDir({ prefix: "byot-sf-" });
  const sf = await startFakeSnowflake({
    onQuery: () => result(),
    password: PASSWORD,
    inlineRows: 500,
    chunkRows: 700,
    ...faults,
  });
  const sim = await startSimulator({ latencyMs: 2 });
  const config = {
    skyflow: { vault_url: sim.url, vaults: [{ name: "SSN", id: "vault-ssn", column: "ssn" }] },
    snowflake: {
      user: "u",
      password: PASSWORD,
      account: "fake",
      access_url: sf.url,
      query_mode: "custom",
      queries: { SSN: { table: "DB.PUBLIC.PEOPLE", value_column: "SSN", token_column: "SSN_TOKEN" } },
    },
    performance: { batch_size: 100, max_concurrency: 4 },
  };
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  return {
    dir,
    sf,
    sim,
    async byot(extra = [], fetch) {
      const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "t" } });
      const args = [
        "load",
        "--source",
        "snowflake",
        "--config",
        `${dir}/config.json`,
        "--state",
        `${dir}/s.db`,
      ];
      const code = await main([...args, "--max-records", "0", "--json", ...extra], io, { fetch });
      return { code, err: io.err, out: io.out };
    },
    assertExact() {
      const stored = sim.store.pairs("vault-ssn", "ssn", "ssn");
      let expected = 0;
      for (let i = 0; i < ROWS; i++) {
        if (isNull(i)) continue;
        expected++;
        assert.equal(stored.get(`SF-VALUE-${String(i).padStart(6, "0")}`), `sftok-${i}`);
      }
      assert.equal(stored.size, expected);
      assert.equal(sim.stats.duplicateInserts, 0);
    },
    async [Symbol.asyncDispose]() {
      await sim.shutdown();
      await sf.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A fetch that, after `n` vault requests, makes the simulator refuse the token (a fatal 401). */
function failAfter(sim: Simulator, n: number): typeof fetch {
  let calls = 0;
  return (input, init) => {
    if (++calls === n) sim.options.bearerToken = "another-token";
    return fetch(input, init);
  };
}

Deno.test("byot load --source snowflake streams the ordered query into the vault and counts NULLs as skipped", async () => {
  await using s = await setup();
  const run = await s.byot();
  assert.equal(run.code, 0, run.err);
  s.assertExact();
  const summary = JSON.parse(run.out);
  assert.equal(summary.totals.skipped, 12);
  assert.equal(summary.totals.loaded, ROWS - 12);
  // the preflight compiles the query (EXPLAIN reads no row), then the load runs it once
  assert.equal(s.sf.queries.length, 2);
  assert.match(s.sf.queries[0], /^EXPLAIN USING TEXT SELECT SSN, SSN_TOKEN\s+FROM DB\.PUBLIC\.PEOPLE/);
  assert.match(s.sf.queries[1], /^SELECT SSN, SSN_TOKEN\s+FROM DB\.PUBLIC\.PEOPLE\s+ORDER BY 1, 2/);
});

Deno.test("a stopped Snowflake load resumes through RESULT_SCAN of the stored query id", async () => {
  await using s = await setup();
  const first = await s.byot([], failAfter(s.sim, 8));
  assert.equal(first.code, 2, first.err);
  assert.ok(s.sim.store.count("vault-ssn", "ssn") < ROWS - 12);
  s.sim.options.bearerToken = undefined;
  const second = await s.byot();
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /resuming run/);
  assert.match(second.err, /RESULT_SCAN/);
  assert.ok(s.sf.queries.some((q) => /RESULT_SCAN\('/.test(q)));
  s.assertExact();
});

Deno.test("a stopped Snowflake load whose result expired resumes by re-running the ordered query", async () => {
  await using s = await setup();
  const first = await s.byot([], failAfter(s.sim, 8));
  assert.equal(first.code, 2, first.err);
  for (const id of s.sf.queryIds) s.sf.expire(id);
  s.sim.options.bearerToken = undefined;
  const second = await s.byot();
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /re-running the ordered query/);
  s.assertExact();
});

Deno.test("byot load --source snowflake says when the legacy default of 100 records applies", async () => {
  await using s = await setup();
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "t" } });
  const code = await main(
    ["load", "--source", "snowflake", "--config", `${s.dir}/config.json`, "--state", `${s.dir}/s.db`],
    io,
  );
  assert.equal(code, 0, io.err);
  assert.match(io.err, /only the first 100 records/);
  // rows 0..99 of the ordered result; row 7 has a NULL token and is skipped
  assert.equal(s.sim.store.count("vault-ssn", "ssn"), 99);
  assert.match(s.sf.queries[0], /LIMIT 100 OFFSET 0/);
});

Deno.test("byot load --source snowflake with a wrong password exits 2 with one line and no secret", async () => {
  await using s = await setup();
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "t", SNOWFLAKE_PASSWORD: "wrong-PASS-123" } });
  const code = await main(
    ["load", "--source", "snowflake", "--config", `${s.dir}/config.json`, "--state", `${s.dir}/s.db`],
    io,
  );
  assert.equal(code, 2, io.err);
  assert.equal(io.err.split("\n").filter((l) => l.startsWith("error:")).length, 1, io.err);
  assert.ok(!io.err.includes("wrong-PASS-123"));
  assert.equal(s.sim.stats.requests.insert ?? 0, 0);
});

Deno.test("byot load stops with exit 75 and one error line when a Snowflake result chunk keeps failing, and a re-run loads every row exactly once", async () => {
  let broken = true;
  // chunk 2 (rows 1900..2599) is not found while `broken`
  await using s = await setup({ chunkFault: (c) => broken && c.index === 2 ? 404 : undefined });
  const first = await s.byot();
  assert.equal(first.code, 75, first.err);
  const errors = first.err.split("\n").filter((line) => line.startsWith("error:"));
  assert.deepEqual(errors, [
    "error: Snowflake custom query for vault SSN (column ssn) (reading rows) failed: 402002: Request to S3/Blob " +
    "failed; re-run to resume",
  ]);
  assert.doesNotMatch(first.err, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(first.err + first.out, new RegExp(PASSWORD), "no secret");
  assert.match(first.err, /is not finished\. To resume, run again/);
  assert.equal(JSON.parse(first.out).exitCode, 75, "the --json summary does not report success");
  const partial = s.sim.store.count("vault-ssn", "ssn");
  assert.ok(partial > 0 && partial < 1900, `only rows before the failing chunk were loaded: ${partial}`);

  broken = false;
  const second = await s.byot();
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /resuming run/);
  s.assertExact();
});

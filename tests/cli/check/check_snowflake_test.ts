import assert from "node:assert/strict";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../_fixtures/io.ts";
import { schemaOf, startSimulator } from "../../../src/vault/simulator/mod.ts";
import { type FakeResult, type FakeSqlError, startFakeSnowflake } from "../../sources/snowflake/_double.ts";

const PASSWORD = "sf-PASS-1234";

async function checkSnowflake(onQuery: (sql: string) => FakeResult | FakeSqlError, command = "check") {
  const dir = await Deno.makeTempDir({ prefix: "byot-check-sf-" });
  const sf = await startFakeSnowflake({ onQuery, password: PASSWORD });
  const sim = await startSimulator({ schema: schemaOf([{ id: "vault-ssn", table: "ssn", column: "ssn" }]) });
  try {
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
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "t" } });
    const args = [
      command,
      "--source",
      "snowflake",
      "--config",
      `${dir}/config.json`,
      "--state",
      `${dir}/s.db`,
    ];
    const code = await main([...args, "--max-records", "0"], io);
    return { code, err: io.err, queries: [...sf.queries], inserts: sim.stats.requests.insert };
  } finally {
    await sim.shutdown();
    await sf.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("byot check logs in to Snowflake and compiles each vault's query with EXPLAIN, reading no row", async () => {
  const run = await checkSnowflake(() => ({ total: 0, rowsAt: () => [] }));
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /✓ Snowflake: logged in/);
  assert.match(run.err, /✓ Snowflake query of vault SSN: compiles/);
  assert.equal(run.queries.length, 1);
  assert.match(run.queries[0], /^EXPLAIN USING TEXT SELECT/);
  assert.equal(run.inserts, 0);
});

Deno.test("byot check shows Snowflake's message when a vault's query does not compile, and exits 2", async () => {
  const run = await checkSnowflake(() => ({
    error: {
      code: "002003",
      sqlState: "02000",
      message: "Object 'DB.PUBLIC.PEOPLE' does not exist or not authorized.",
    },
  }));
  assert.equal(run.code, 2, run.err);
  assert.match(
    run.err,
    /✗ the Snowflake query of vault SSN failed: 002003 .*does not exist or not authorized/,
  );
  assert.equal(run.inserts, 0);
});

Deno.test("byot load stops before reading a row when its Snowflake query does not compile", async () => {
  const run = await checkSnowflake(() => ({
    error: {
      code: "002003",
      sqlState: "02000",
      message: "Object 'DB.PUBLIC.PEOPLE' does not exist or not authorized.",
    },
  }), "load");
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ the Snowflake query of vault SSN failed: 002003/);
  assert.match(run.err, /preflight: 1 check failed/);
  assert.deepEqual(run.queries.map((q) => q.split(" ")[0]), ["EXPLAIN"], "only the EXPLAIN ran");
  assert.equal(run.inserts, 0);
});

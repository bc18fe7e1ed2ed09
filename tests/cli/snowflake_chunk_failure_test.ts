/**
 * `byot load --source snowflake` end to end when a result chunk keeps failing mid-result: the real
 * snowflake-sdk against the Snowflake double, the vault simulator behind the CLI.
 */
import assert from "node:assert/strict";
import { main } from "../../src/cli/main.ts";
import { captureIo } from "../../src/common/io.ts";
import { startSimulator } from "../../src/vault/simulator/mod.ts";
import { startFakeSnowflake, textRows } from "../sources/snowflake/_double.ts";

const ROWS = 3000;
const PASSWORD = "sf-PASS-9731";

Deno.test("byot load stops with exit 75 and one error line when a Snowflake result chunk keeps failing, and a re-run loads every row exactly once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot-sf-chunk-" });
  let broken = true;
  // 500 inline rows, then chunks of 700: chunk 2 (rows 1900..2599) is not found while `broken`
  const sf = await startFakeSnowflake({
    password: PASSWORD,
    onQuery: () => textRows(ROWS, (i) => `SF-VALUE-${String(i).padStart(6, "0")}`),
    inlineRows: 500,
    chunkRows: 700,
    chunkFault: (c) => broken && c.index === 2 ? 404 : undefined,
  });
  const sim = await startSimulator({ latencyMs: 2 });
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
      performance: { batch_size: 100, max_concurrency: 4 },
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    const load = async () => {
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
      const code = await main([...args, "--max-records", "0", "--json"], io);
      return { code, err: io.err, out: io.out };
    };

    const first = await load();
    assert.equal(first.code, 75, first.err);
    const errors = first.err.split("\n").filter((line) => line.startsWith("error:"));
    assert.deepEqual(errors, [
      "error: Snowflake custom query for vault SSN (column ssn) (reading rows) failed: 402002: Request to S3/Blob failed; re-run to resume",
    ]);
    assert.doesNotMatch(first.err, /^\s+at /m, "no stack trace");
    assert.doesNotMatch(first.err + first.out, new RegExp(PASSWORD), "no secret");
    assert.match(first.err, /is not finished\. To resume, run again/);
    assert.equal(JSON.parse(first.out).exitCode, 75, "the --json summary does not report success");
    const partial = sim.store.count("vault-ssn", "ssn");
    assert.ok(partial > 0 && partial < 1900, `only rows before the failing chunk were loaded: ${partial}`);

    broken = false;
    const second = await load();
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /resuming run/);
    const stored = sim.store.pairs("vault-ssn", "ssn", "ssn");
    assert.equal(stored.size, ROWS);
    for (let i = 0; i < ROWS; i++) {
      assert.equal(stored.get(`SF-VALUE-${String(i).padStart(6, "0")}`), `tok_${i}`);
    }
    assert.equal(sim.stats.duplicateInserts, 0);
  } finally {
    await sim.shutdown();
    await sf.close();
    await Deno.remove(dir, { recursive: true });
  }
});

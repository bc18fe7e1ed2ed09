import assert from "node:assert/strict";
import { captureIo } from "../_fixtures/io.ts";
import type { LoadFlags } from "../../src/config/load_flags.ts";
import { resolveLoadSettings } from "../../src/config/resolve.ts";
import { ENV_TOKEN, failure, type Json, resolve, vault, workspace } from "./_helpers.ts";

Deno.test("resolveLoadSettings() rejects each bad setting with one line naming it", async (t) => {
  await using ws = await workspace();
  const missing = `${ws.dir}/missing`;
  const cfg = ws.configPath;
  const cases: [string, LoadFlags, Record<string, string>, string][] = [
    ["batch size 0", { batchSize: 0 }, {}, "--batch-size must be a positive integer (got 0)"],
    [
      "negative batch size from env",
      {},
      { BYOT_BATCH_SIZE: "-4" },
      "BYOT_BATCH_SIZE must be a positive integer (got -4)",
    ],
    ["non-numeric env", {}, { BYOT_CONCURRENCY: "lots" }, 'BYOT_CONCURRENCY must be an integer (got "lots")'],
    ["concurrency 0", { concurrency: 0 }, {}, "--concurrency must be a positive integer (got 0)"],
    ["negative max records", { maxRecords: -1 }, {}, "--max-records must be a non-negative integer (got -1)"],
    ["negative start", { startRecord: -2 }, {}, "--start-record must be a non-negative integer (got -2)"],
    ["negative delay", { baseDelayMs: -5 }, {}, "--base-delay-ms must be a non-negative integer (got -5)"],
    ["zero attempts", { maxAttempts: 0 }, {}, "--max-attempts must be a positive integer (got 0)"],
    ["zero timeout", { timeoutMs: 0 }, {}, "--timeout-ms must be a positive integer (got 0)"],
    [
      "negative fetch size",
      { sfFetchSize: -1 },
      {},
      "--sf-fetch-size must be a non-negative integer (got -1)",
    ],
    ["ftp vault URL", { vaultUrl: "ftp://x" }, {}, '--vault-url must be an http(s) URL (got "ftp://x")'],
    [
      "vault URL from env",
      {},
      { SKYFLOW_VAULT_URL: "vault" },
      'SKYFLOW_VAULT_URL must be an http(s) URL (got "vault")',
    ],
    [
      "unknown source",
      { source: "oracle" },
      {},
      '--source must be one of csv, snowflake, error-log (got "oracle")',
    ],
    [
      "bad byot mode",
      { byotMode: "MAYBE" },
      {},
      '--byot-mode must be one of DISABLE, ENABLE, ENABLE_STRICT (got "MAYBE")',
    ],
    ["missing data dir", { dataDir: missing }, {}, `--data-dir "${missing}" does not exist`],
    ["data dir that is a file", { dataDir: cfg }, {}, `--data-dir "${cfg}" is not a directory`],
    ["missing file", { file: missing, vault: "SSN" }, {}, `--file "${missing}" does not exist`],
    ["file that is a directory", { file: ws.dir, vault: "SSN" }, {}, `--file "${ws.dir}" is not a file`],
    [
      "file for 4 vaults",
      { file: cfg },
      {},
      "--file holds one value column: select one vault with --vault NAME (4 selected)",
    ],
    [
      "error-log source without file",
      { source: "error-log" },
      {},
      "--source error-log needs --error-log FILE",
    ],
    ["missing error log", { errorLog: missing }, {}, `--error-log "${missing}" does not exist`],
    ["empty --vault", { vault: " , " }, {}, "--vault is empty (configured: NAME, ID, DOB, SSN)"],
    [
      "unknown vault",
      { vault: "nope" },
      {},
      'unknown vault "nope" in --vault (configured: NAME, ID, DOB, SSN)',
    ],
    ["missing --config", { config: missing }, {}, `--config "${missing}": file not found`],
    ["empty --token", { token: " " }, {}, "--token is empty"],
  ];
  for (const [name, flags, env, message] of cases) {
    await t.step(`for ${name}`, async () => {
      assert.equal(await failure(resolve(ws, flags, { SKYFLOW_BEARER_TOKEN: ENV_TOKEN, ...env })), message);
    });
  }
  await t.step("for a missing BYOT_CONFIG", async () => {
    const io = captureIo({ env: { BYOT_CONFIG: missing } });
    assert.equal(
      await failure(resolveLoadSettings({ flags: {}, io })),
      `BYOT_CONFIG "${missing}": file not found`,
    );
  });
});

Deno.test("resolveLoadSettings() rejects bad config values naming the file and key", async (t) => {
  const cases: [string, (c: Json, dir: string) => void, (path: string, dir: string) => string][] = [
    [
      "a fractional batch size",
      (c) => (c.performance = { batch_size: 2.5 }),
      (p) => `${p}: performance.batch_size must be a positive integer (got 2.5)`,
    ],
    [
      "a zero concurrency",
      (c) => (c.performance = { max_concurrency: 0 }),
      (p) => `${p}: performance.max_concurrency must be a positive integer (got 0)`,
    ],
    [
      "a missing vault URL",
      (c) => ((c.skyflow as Json).vault_url = ""),
      (p) => `no vault URL: pass --vault-url URL, set SKYFLOW_VAULT_URL, or set skyflow.vault_url in ${p}`,
    ],
    [
      "a vault URL without scheme",
      (c) => ((c.skyflow as Json).vault_url = "abc.vault.test"),
      (p) => `${p}: skyflow.vault_url must be an http(s) URL (got "abc.vault.test")`,
    ],
    [
      "no vaults",
      (c) => ((c.skyflow as Json).vaults = []),
      (p) =>
        `${p}: skyflow.vaults is empty or missing (configure at least one vault; see config.example.json)`,
    ],
    [
      "an empty vault id",
      (c) => (vault(c, 1).id = ""),
      (p) => `${p}: skyflow.vaults[1].id is empty (vault "ID")`,
    ],
    [
      "an empty column",
      (c) => (vault(c, 2).column = " "),
      (p) => `${p}: skyflow.vaults[2].column is empty (vault "DOB")`,
    ],
    ["an empty vault name", (c) => (vault(c, 0).name = ""), (p) => `${p}: skyflow.vaults[0].name is empty`],
    [
      "a duplicate name",
      (c) => (vault(c, 3).name = "name"),
      (p) => `${p}: skyflow.vaults[3].name "name" duplicates skyflow.vaults[0].name`,
    ],
    [
      "a bad byot mode",
      (c) => ((c.skyflow as Json).byot_mode = "ON"),
      (p) => `${p}: skyflow.byot_mode must be one of DISABLE, ENABLE, ENABLE_STRICT (got "ON")`,
    ],
    [
      "a missing data directory",
      (c, d) => (c.csv = { data_directory: `${d}/gone` }),
      (p, d) => `${p}: csv.data_directory "${d}/gone" does not exist`,
    ],
    [
      "no csv input",
      (c) => delete c.csv,
      (p) => `csv source needs input: pass --data-dir DIR or --file FILE, or set csv.data_directory in ${p}`,
    ],
    [
      "a negative fetch size",
      (c) => (c.snowflake = { fetch_size: -1 }),
      (p) => `${p}: snowflake.fetch_size must be a non-negative integer (got -1)`,
    ],
    [
      "a custom Snowflake query left null",
      (c) => (c.snowflake = { queries: { NAME: null } }),
      (p) => `${p}: snowflake.queries.NAME needs "sql", or "table" with "value_column" and "token_column"`,
    ],
    [
      "a custom Snowflake query without its token column",
      (c) => (c.snowflake = { queries: { NAME: { table: "T", value_column: "V" } } }),
      (p) => `${p}: snowflake.queries.NAME needs "sql", or "table" with "value_column" and "token_column"`,
    ],
    [
      "a string batch size",
      (c) => (c.performance = { batch_size: "abc" }),
      (p) => `${p}: performance.batch_size must be a number (got "abc")`,
    ],
  ];
  for (const [name, edit, message] of cases) {
    await t.step(`for ${name}`, async () => {
      await using ws = await workspace(edit);
      assert.equal(await failure(resolve(ws)), message(ws.configPath, ws.dir));
    });
  }
});

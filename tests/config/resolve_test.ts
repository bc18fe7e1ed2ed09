import assert from "node:assert/strict";
import { captureIo } from "../_fixtures/io.ts";
import { resolveLoadSettings } from "../../src/config/resolve.ts";
import type { LoadFlags } from "../../src/config/load_flags.ts";
import {
  CONFIG_TOKEN,
  ENV_TOKEN,
  failure,
  FLAG_TOKEN,
  type Json,
  resolve,
  SF_PASSWORD,
  workspace,
} from "./_helpers.ts";

Deno.test("resolveLoadSettings() merges a legacy config with the defaults", async () => {
  await using ws = await workspace();
  const { settings, io } = await resolve(ws);
  assert.deepEqual(settings, {
    source: "csv",
    vaultUrl: "https://config.vault.test",
    vaults: [
      { name: "NAME", id: "v-name", column: "name", table: "name" },
      { name: "ID", id: "v-id", column: "id", table: "id" },
      { name: "DOB", id: "v-dob", column: "dob", table: "dob" },
      { name: "SSN", id: "v-ssn", column: "ssn", table: "persons" },
    ],
    csv: { dataDir: ws.dataDir, valueColumn: "value", tokenColumn: "token" },
    snowflake: { account: "cfg-account", user: "cfg-user", password: SF_PASSWORD, fetchSize: 1000 },
    batchSize: 40,
    concurrency: 12,
    concurrencyAuto: true,
    maxRps: 0,
    maxRecords: 0,
    startRecord: 0,
    upsert: false,
    appendSuffix: false,
    suffixSeed: "170000000000000000",
    baseDelayMs: 0,
    continueOnError: false,
    byotMode: "ENABLE",
    maxAttempts: 8,
    requestTimeoutMs: 60_000,
    backoffBaseMs: 250,
    backoffCapMs: 30_000,
    bearerToken: CONFIG_TOKEN,
    tokenOrigin: "config",
    roles: [],
    detach: false,
    maxRecordsDefaulted: false,
    json: false,
    configPath: ws.configPath,
  });
  assert.equal(io.err, "");
});

Deno.test("resolveLoadSettings() takes the batch size from flag, then env, then config, then default", async () => {
  await using ws = await workspace();
  const env = { BYOT_BATCH_SIZE: "50", BYOT_CONCURRENCY: "7" };
  assert.equal((await resolve(ws, { batchSize: 60 }, env)).settings.batchSize, 60);
  assert.equal((await resolve(ws, {}, env)).settings.batchSize, 50);
  assert.equal((await resolve(ws)).settings.batchSize, 40);
  await using bare = await workspace((c) => delete c.performance);
  assert.equal((await resolve(bare)).settings.batchSize, 25);
});

Deno.test("resolveLoadSettings() adapts concurrency by default, up to max_concurrency or 64; a number fixes it", async () => {
  await using ws = await workspace();
  await using bare = await workspace((c) => delete c.performance);
  const env = { BYOT_CONCURRENCY: "7" };
  const concurrency = async (w: typeof ws, flags: LoadFlags = {}, e: Record<string, string> = {}) => {
    const { settings } = await resolve(w, flags, e);
    return [settings.concurrency, settings.concurrencyAuto];
  };
  assert.deepEqual(await concurrency(ws, { concurrency: 3 }, env), [3, false]);
  assert.deepEqual(await concurrency(ws, {}, env), [7, false]);
  assert.deepEqual(await concurrency(ws, {}, { BYOT_CONCURRENCY: "auto" }), [12, true]);
  assert.deepEqual(await concurrency(ws), [12, true], "the config's max_concurrency is the ceiling");
  assert.deepEqual(await concurrency(bare), [64, true]);
  assert.deepEqual(await concurrency(bare, { concurrency: "auto", concurrencyMax: 20 }), [20, true]);
  await using fixed = await workspace((c) => ((c.performance as Json).concurrency_auto = false));
  assert.deepEqual(await concurrency(fixed), [12, false]);
});

Deno.test("resolveLoadSettings() takes the vault URL from flag, then env, then config", async () => {
  await using ws = await workspace();
  const env = { SKYFLOW_VAULT_URL: "https://env.vault.test//" };
  assert.equal(
    (await resolve(ws, { vaultUrl: "http://flag.vault.test:8080/" }, env)).settings.vaultUrl,
    "http://flag.vault.test:8080",
  );
  assert.equal((await resolve(ws, {}, env)).settings.vaultUrl, "https://env.vault.test");
  assert.equal((await resolve(ws)).settings.vaultUrl, "https://config.vault.test");
});

Deno.test("resolveLoadSettings() takes the token from flag, then file, then env, then config", async () => {
  await using ws = await workspace();
  const tokenFile = `${ws.dir}/token.txt`;
  await Deno.writeTextFile(tokenFile, "file-FAKE-TOKEN\n");
  const env = { SKYFLOW_BEARER_TOKEN: ENV_TOKEN };
  const flagged = await resolve(ws, { token: FLAG_TOKEN, tokenFile }, env);
  assert.deepEqual([flagged.settings.bearerToken, flagged.settings.tokenOrigin], [FLAG_TOKEN, "flag"]);
  assert.match(flagged.io.err, /^warning: --token is visible/);
  const filed = (await resolve(ws, { tokenFile }, env)).settings;
  assert.deepEqual([filed.bearerToken, filed.tokenOrigin], ["file-FAKE-TOKEN", "file"]);
  const envd = (await resolve(ws, {}, env)).settings;
  assert.deepEqual([envd.bearerToken, envd.tokenOrigin], [ENV_TOKEN, "env"]);
  const configured = (await resolve(ws)).settings;
  assert.deepEqual([configured.bearerToken, configured.tokenOrigin], [CONFIG_TOKEN, "config"]);
});

Deno.test("resolveLoadSettings() lets a flag force values the config overrides in the Go loader", async () => {
  await using ws = await workspace((c) => {
    c.performance = { max_records: 100, upsert: true, append_suffix: true, base_delay_ms: 20 };
    (c.skyflow as Json).continue_on_error = true;
  });
  const fromConfig = (await resolve(ws)).settings;
  assert.deepEqual(
    [
      fromConfig.maxRecords,
      fromConfig.upsert,
      fromConfig.appendSuffix,
      fromConfig.baseDelayMs,
      fromConfig.continueOnError,
    ],
    [100, true, true, 20, true],
  );
  const forced = (await resolve(ws, {
    maxRecords: 0,
    upsert: false,
    appendSuffix: false,
    baseDelayMs: 0,
    continueOnError: false,
  })).settings;
  assert.deepEqual(
    [forced.maxRecords, forced.upsert, forced.appendSuffix, forced.baseDelayMs, forced.continueOnError],
    [0, false, false, 0, false],
  );
  assert.equal(
    await failure(resolve(ws, { batchSize: 0 })),
    "--batch-size must be a positive integer (got 0)",
  );
});

Deno.test("resolveLoadSettings() reads the byot additions of the config", async () => {
  await using ws = await workspace((c, dir) => {
    (c.skyflow as Json).byot_mode = "enable_strict";
    c.performance = { max_attempts: 3, request_timeout_ms: 5000 };
    c.csv = { file: `${dir}/config.json`, value_column: "v", token_column: "t" };
  });
  const { settings } = await resolve(ws, { vault: "ssn" });
  assert.equal(settings.byotMode, "ENABLE_STRICT");
  assert.equal(settings.maxAttempts, 3);
  assert.equal(settings.requestTimeoutMs, 5000);
  assert.deepEqual(settings.csv, { file: ws.configPath, valueColumn: "v", tokenColumn: "t" });
  const flagged =
    (await resolve(ws, { vault: "ssn", byotMode: "DISABLE", maxAttempts: 1, timeoutMs: 10 })).settings;
  assert.deepEqual([flagged.byotMode, flagged.maxAttempts, flagged.requestTimeoutMs], ["DISABLE", 1, 10]);
});

Deno.test("resolveLoadSettings() selects vaults by name, case-insensitively, in config order", async () => {
  await using ws = await workspace();
  const { settings } = await resolve(ws, { vault: "ssn, Name" });
  assert.deepEqual(settings.vaults, [
    { name: "NAME", id: "v-name", column: "name", table: "name" },
    { name: "SSN", id: "v-ssn", column: "ssn", table: "persons" },
  ]);
  assert.equal(
    await failure(resolve(ws, { vault: "ssn,nope,other" })),
    'unknown vaults "nope", "other" in --vault (configured: NAME, ID, DOB, SSN)',
  );
});

Deno.test("resolveLoadSettings() reads the config named by --config, then BYOT_CONFIG, then config.json", async () => {
  await using ws = await workspace();
  await using other = await workspace((c) => (c.performance = { batch_size: 99 }));
  const env = { BYOT_CONFIG: other.configPath };
  assert.equal((await resolve(ws, {}, env)).settings.batchSize, 40);
  const viaEnv = await resolveLoadSettings({ flags: {}, io: captureIo({ env }) });
  assert.equal(viaEnv.batchSize, 99);
  assert.equal(viaEnv.configPath, other.configPath);
  const reads: string[] = [];
  const readFile = (path: string) => {
    reads.push(path);
    return Deno.readTextFile(other.configPath);
  };
  await resolveLoadSettings({ flags: {}, io: captureIo(), readFile });
  assert.deepEqual(reads, ["config.json"]);
});

Deno.test("resolveLoadSettings() explains a missing default config.json", async () => {
  const readFile = () => Promise.reject(new Deno.errors.NotFound("No such file or directory"));
  assert.equal(
    await failure(resolveLoadSettings({ flags: {}, io: captureIo(), readFile })),
    "no config file: config.json not found (pass --config FILE; see config.example.json)",
  );
});

Deno.test("resolveLoadSettings() checks input paths only for the source in use", async () => {
  await using ws = await workspace((c, dir) => (c.csv = { data_directory: `${dir}/gone` }));
  const { settings } = await resolve(ws, { source: "snowflake" });
  assert.equal(settings.source, "snowflake");
  assert.equal(settings.csv.dataDir, `${ws.dir}/gone`);
  const file = (await resolve(ws, { file: ws.configPath, vault: "id" })).settings.csv;
  assert.deepEqual(
    file,
    { file: ws.configPath, valueColumn: "value", tokenColumn: "token" },
    "flags replace config input",
  );
});

Deno.test("resolveLoadSettings() applies the legacy Snowflake default of 100 records only when no range is given", async () => {
  await using ws = await workspace();
  const cases: [string, Partial<LoadFlags>, number, boolean][] = [
    ["nothing", {}, 100, true],
    ["--max-records 0 (all)", { maxRecords: 0 }, 0, false],
    ["--max-records 250", { maxRecords: 250 }, 250, false],
    ["--end-record 5000", { endRecord: 5000 }, 5000, false],
    ["--start-record 1000 --end-record 5000", { startRecord: 1000, endRecord: 5000 }, 4000, false],
  ];
  for (const [name, flags, maxRecords, defaulted] of cases) {
    const { settings } = await resolve(ws, { source: "snowflake", ...flags });
    assert.deepEqual([settings.maxRecords, settings.maxRecordsDefaulted], [maxRecords, defaulted], name);
  }
});

Deno.test("resolveLoadSettings() treats --error-log as the error-log source", async () => {
  await using ws = await workspace();
  const log = `${ws.dir}/error_log_SSN.json`;
  await Deno.writeTextFile(log, "{}");
  const implied = await resolve(ws, { errorLog: log });
  assert.deepEqual([implied.settings.source, implied.settings.errorLog], ["error-log", log]);
  assert.equal(implied.io.err, "");
  const overridden = await resolve(ws, { errorLog: log, source: "csv" });
  assert.equal(overridden.settings.source, "error-log");
  assert.equal(overridden.io.err, "warning: --error-log overrides --source csv\n");
});

Deno.test("resolveLoadSettings() keeps a given suffix seed and makes a fresh one otherwise", async () => {
  await using ws = await workspace();
  assert.equal((await resolve(ws, { suffixSeed: "1600000000" })).settings.suffixSeed, "1600000000");
  assert.equal(
    (await resolve(ws, {}, {}, { now: () => 1_234_567_890_999 })).settings.suffixSeed,
    "123456789000000000",
  );
});

Deno.test("resolveLoadSettings() gives two runs started in the same second different suffix seeds", async () => {
  await using ws = await workspace();
  const same = { now: () => 1_234_567_890_999, random: undefined };
  const a = (await resolve(ws, {}, {}, same)).settings.suffixSeed;
  const b = (await resolve(ws, {}, {}, same)).settings.suffixSeed;
  assert.match(a, /^1234567890\d{8}$/);
  assert.notEqual(a, b);
});

Deno.test("resolveLoadSettings() takes Snowflake settings from flag, then env, then config", async () => {
  await using ws = await workspace((c) => {
    c.snowflake = {
      account: "cfg",
      user: "cfg-user",
      role: "cfg-role",
      private_key_path: "k.p8",
      token: "pat",
    };
  });
  const env = { SNOWFLAKE_ACCOUNT: "env", SNOWFLAKE_USER: "env-user", SNOWFLAKE_PASSWORD: SF_PASSWORD };
  const { settings, io } = await resolve(
    ws,
    { sfAccount: "flag", sfFetchSize: 500, sfQueryMode: "union" },
    env,
  );
  assert.deepEqual(settings.snowflake, {
    account: "flag",
    user: "env-user",
    password: SF_PASSWORD,
    role: "cfg-role",
    queryMode: "union",
    privateKeyPath: "k.p8",
    token: "pat",
    fetchSize: 500,
  });
  assert.equal(io.err, "");
  const flagged = await resolve(ws, { sfPassword: SF_PASSWORD });
  assert.equal(
    flagged.io.err,
    "warning: --sf-password is visible to other users in the process list; prefer SNOWFLAKE_PASSWORD\n",
  );
});

Deno.test("resolveLoadSettings() prompts for the token last, after every other check passed", async () => {
  await using ws = await workspace((c) => delete (c.skyflow as Json).bearer_token);
  const labels: string[] = [];
  const promptSecret = (label: string) => {
    labels.push(label);
    return Promise.resolve("prompt-FAKE-TOKEN");
  };
  const io = captureIo();
  io.stdinIsTerminal = true;
  const flags = { config: ws.configPath, batchSize: 0 };
  await failure(resolveLoadSettings({ flags, io, promptSecret }));
  assert.deepEqual(labels, [], "no prompt before a bad setting is reported");
  const settings = await resolveLoadSettings({ flags: { config: ws.configPath }, io, promptSecret });
  assert.deepEqual([settings.bearerToken, settings.tokenOrigin], ["prompt-FAKE-TOKEN", "prompt"]);
  assert.deepEqual(labels, ["Skyflow bearer token: "]);
  assert.equal(
    await failure(resolve(ws)),
    "no bearer token: set SKYFLOW_BEARER_TOKEN, pass --token-file FILE, or put skyflow.bearer_token in the config",
  );
});

Deno.test("resolveLoadSettings() checks the Snowflake login its authenticator needs", async (t) => {
  const login = (snowflake: Json) => (c: Json) => (c.snowflake = { account: "a", user: "u", ...snowflake });
  const accepted: [string, Json][] = [
    ["a password, authenticator written with spaces", {
      authenticator: " snowflake ",
      password: SF_PASSWORD,
    }],
    ["a programmatic access token", { authenticator: "programmatic_access_token", token: SF_PASSWORD }],
    [
      "a programmatic access token in the password field",
      { authenticator: "PROGRAMMATIC_ACCESS_TOKEN", password: SF_PASSWORD },
    ],
    ["a key pair", { authenticator: "SNOWFLAKE_JWT", private_key_path: "/keys/rsa.p8" }],
  ];
  for (const [name, snowflake] of accepted) {
    await t.step(`accepts ${name}`, async () => {
      await using ws = await workspace(login(snowflake));
      const { settings } = await resolve(ws, { source: "snowflake" });
      assert.equal(settings.source, "snowflake");
    });
  }
  const refused: [string, Json, string][] = [
    [
      "no password",
      {},
      "no Snowflake password: set SNOWFLAKE_PASSWORD or snowflake.password (or use key-pair auth)",
    ],
    [
      "no token",
      { authenticator: "programmatic_access_token" },
      "no Snowflake programmatic access token: set SNOWFLAKE_TOKEN or snowflake.token",
    ],
    [
      "no private key",
      { authenticator: "SNOWFLAKE_JWT" },
      "SNOWFLAKE_JWT needs a private key: set snowflake.private_key_path or SNOWFLAKE_PRIVATE_KEY_PATH",
    ],
    [
      "an unknown authenticator",
      { authenticator: "oauth", password: SF_PASSWORD },
      'unknown Snowflake authenticator "oauth": use snowflake, programmatic_access_token or SNOWFLAKE_JWT',
    ],
  ];
  for (const [name, snowflake, message] of refused) {
    await t.step(`refuses ${name} in one line`, async () => {
      await using ws = await workspace(login(snowflake));
      assert.equal(await failure(resolve(ws, { source: "snowflake" })), message);
    });
  }
});

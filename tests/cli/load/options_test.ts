import assert from "node:assert/strict";
import { Command } from "@commander-js/extra-typings";
import { normalizeLegacyArgv } from "../../../src/cli/legacy_argv.ts";
import {
  addLoadOptions,
  LOAD_LONG_NAMES,
  type LoadFlags,
  toLoadFlags,
} from "../../../src/cli/load/options.ts";
import { intArg } from "../../../src/cli/shared/options.ts";
import { ConfigError } from "../../../src/common/errors.ts";

function parse(args: string[]): LoadFlags {
  const cmd = addLoadOptions(new Command("load").exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: "user" });
  return toLoadFlags(cmd.opts());
}

Deno.test("addLoadOptions() parses every byot load option into typed flags", () => {
  const flags = parse([
    ...["--config", "c.json", "--source", "csv", "--data-dir", "d", "--file", "f.csv"],
    ...["--value-column", "v", "--token-column", "t", "--vault", "name,ssn", "--vault-url", "https://x"],
    ...["--batch-size", "25", "--concurrency", "64", "--max-records", "0", "--start-record", "10"],
    ...["--upsert", "--append-suffix", "--base-delay-ms", "5", "--token-file", "tok", "--token", "T"],
    ...[
      "--error-log",
      "e.json",
      "--continue-on-error",
      "--byot-mode",
      "ENABLE_STRICT",
      "--max-attempts",
      "3",
    ],
    ...["--timeout-ms", "1000", "--json", "--sf-user", "u", "--sf-password", "p", "--sf-authenticator", "a"],
    ...["--sf-account", "acc", "--sf-warehouse", "w", "--sf-database", "db", "--sf-schema", "s"],
    ...[
      "--sf-role",
      "r",
      "--sf-fetch-size",
      "100",
      "--sf-query-mode",
      "union",
      "--sf-access-url",
      "http://h",
    ],
  ]);
  assert.deepEqual(flags, {
    config: "c.json",
    source: "csv",
    dataDir: "d",
    file: "f.csv",
    valueColumn: "v",
    tokenColumn: "t",
    vault: "name,ssn",
    vaultUrl: "https://x",
    batchSize: 25,
    concurrency: 64,
    maxRecords: 0,
    startRecord: 10,
    upsert: true,
    appendSuffix: true,
    baseDelayMs: 5,
    tokenFile: "tok",
    token: "T",
    errorLog: "e.json",
    continueOnError: true,
    byotMode: "ENABLE_STRICT",
    maxAttempts: 3,
    timeoutMs: 1000,
    json: true,
    sfUser: "u",
    sfPassword: "p",
    sfAuthenticator: "a",
    sfAccount: "acc",
    sfWarehouse: "w",
    sfDatabase: "db",
    sfSchema: "s",
    sfRole: "r",
    sfFetchSize: 100,
    sfQueryMode: "union",
    sfAccessUrl: "http://h",
  });
});

Deno.test("addLoadOptions() sets nothing the user did not pass, so config and env can apply", () => {
  assert.deepEqual(parse([]), {});
  assert.deepEqual(parse(["--no-upsert", "--no-append-suffix", "--no-continue-on-error"]), {
    upsert: false,
    appendSuffix: false,
    continueOnError: false,
  });
});

Deno.test("addLoadOptions() passes negative and zero numbers through for resolve to judge", () => {
  assert.deepEqual(parse(["--concurrency", "-3", "--batch-size", "0", "--max-records=-1"]), {
    concurrency: -3,
    batchSize: 0,
    maxRecords: -1,
  });
});

Deno.test("addLoadOptions() rejects a malformed number with a ConfigError naming the flag", () => {
  for (const [flag, value] of [["--batch-size", "12x"], ["--concurrency", "1.5"], ["--timeout-ms", ""]]) {
    assert.throws(() => parse([flag, value]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, `${flag} must be an integer (got ${JSON.stringify(value)})`);
      return true;
    });
  }
});

Deno.test("intArg() parses base-10 integers strictly", () => {
  const parse = intArg("--n");
  assert.deepEqual(["0", "25", "-7", " 8 ", "+3"].map(parse), [0, 25, -7, 8, 3]);
  for (const bad of ["1e3", "0x10", "9007199254740993", "abc", "1_000"]) {
    assert.throws(() => parse(bad), ConfigError);
  }
});

Deno.test("addLoadOptions() keeps the options already on the command", () => {
  const cmd = addLoadOptions(new Command("load").option("--state <file>")).exitOverride();
  cmd.parse(["--state", "s.db", "--vault", "ssn"], { from: "user" });
  assert.equal(cmd.opts().state, "s.db");
  assert.deepEqual(toLoadFlags(cmd.opts()), { vault: "ssn" }, "toLoadFlags() drops non-load options");
});

Deno.test("LOAD_LONG_NAMES lists every long option, negations and help", () => {
  const names = new Set(LOAD_LONG_NAMES);
  for (
    const name of ["config", "source", "error-log", "sf-access-url", "no-upsert", "no-append-suffix", "help"]
  ) {
    assert.ok(names.has(name), name);
  }
  assert.equal(names.size, LOAD_LONG_NAMES.length, "no duplicates");
  assert.ok(!LOAD_LONG_NAMES.some((n) => n.startsWith("-")));
});

Deno.test("a Go loader command line parses to the same flags as the byot one", () => {
  const legacy = [
    "-source",
    "csv",
    "-vault",
    "NAME",
    "-concurrency",
    "64",
    "-batch-size=300",
    "-upsert=true",
  ];
  assert.deepEqual(parse(normalizeLegacyArgv(legacy, LOAD_LONG_NAMES)), {
    source: "csv",
    vault: "NAME",
    concurrency: 64,
    batchSize: 300,
    upsert: true,
  });
});

import assert from "node:assert/strict";
import { normalizeLegacyArgv } from "../../src/cli/legacy_argv.ts";
import { LOAD_LONG_NAMES } from "../../src/cli/load/options.ts";

const norm = (argv: string[]) => normalizeLegacyArgv(argv, LOAD_LONG_NAMES);

Deno.test("normalizeLegacyArgv() turns the Go loader's single-dash long flags into double-dash ones", () => {
  assert.deepEqual(
    norm([
      "-source",
      "csv",
      "-vault",
      "name",
      "-concurrency",
      "64",
      "-error-log",
      "f.json",
      "-append-suffix",
    ]),
    ["--source", "csv", "--vault", "name", "--concurrency", "64", "--error-log", "f.json", "--append-suffix"],
  );
  assert.deepEqual(norm(["-batch-size=300", "-vault-url=https://x/?a=b"]), [
    "--batch-size=300",
    "--vault-url=https://x/?a=b",
  ]);
  assert.deepEqual(norm(["-sf-fetch-size", "10", "-help"]), ["--sf-fetch-size", "10", "--help"]);
});

Deno.test("normalizeLegacyArgv() maps Go boolean assignments to the flag or its negation", () => {
  assert.deepEqual(norm(["-upsert=true", "-append-suffix=false", "-continue-on-error=false"]), [
    "--upsert",
    "--no-append-suffix",
    "--no-continue-on-error",
  ]);
  assert.deepEqual(norm(["-json=true"]), ["--json=true"], "no negation known: left for commander to judge");
});

Deno.test("normalizeLegacyArgv() leaves short flags, negative numbers, values and unknown names alone", () => {
  const untouched = [
    "-h",
    "-V",
    "-5",
    "--max-records",
    "-1",
    "--source",
    "csv",
    "-bogus",
    "-x=1",
    "data.csv",
    "--vault=ssn",
  ];
  assert.deepEqual(norm(untouched), untouched);
});

Deno.test("normalizeLegacyArgv() leaves everything after -- untouched", () => {
  assert.deepEqual(norm(["-vault", "ssn", "--", "-source", "csv"]), [
    "--vault",
    "ssn",
    "--",
    "-source",
    "csv",
  ]);
});

Deno.test("normalizeLegacyArgv() only rewrites the names it is given", () => {
  assert.deepEqual(normalizeLegacyArgv(["-state", "s.db", "-source", "csv"], ["state"]), [
    "--state",
    "s.db",
    "-source",
    "csv",
  ]);
});

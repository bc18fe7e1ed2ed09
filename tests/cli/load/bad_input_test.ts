import assert from "node:assert/strict";
import { type CliRun, workspace } from "../../_fixtures/workspace.ts";

/** A user error: the documented exit code, one `error:` line naming the problem, no stack trace. */
function assertUserError(run: CliRun, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.err);
  const errorLines = run.err.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(errorLines.length, 1, run.err);
  assert.match(errorLines[0], pattern);
  assert.doesNotMatch(run.err, /^\s+at /m, "no stack trace");
}

Deno.test("byot load rejects bad settings with one clear line and exit code 2", async (t) => {
  await using ws = await workspace({ count: 50, columns: ["ssn"] });
  const base = ["load", "--config", ws.configPath, "--state", ws.statePath];
  const cases: [string, string[], RegExp][] = [
    ["an unknown flag", [...base, "--bogus"], /unknown option '--bogus'/],
    ["a batch size of 0", [...base, "--batch-size", "0"], /--batch-size must be a positive integer/],
    ["a negative concurrency", [...base, "--concurrency", "-3"], /--concurrency/],
    ["a non-numeric batch size", [...base, "--batch-size", "12x"], /--batch-size must be an integer/],
    ["an unknown vault", [...base, "--vault", "nope"], /nope.*(SSN|known|configured)/i],
    [
      "a vault URL that is not http(s)",
      [...base, "--vault-url", "ftp://x"],
      /--vault-url must be an http\(s\) URL/,
    ],
    ["a missing data directory", [...base, "--data-dir", `${ws.dir}/missing`], /missing/],
    ["an unknown source", [...base, "--source", "oracle"], /--source/],
    ["a missing config file", ["load", "--config", `${ws.dir}/none.json`], /none\.json/],
  ];
  for (const [name, args, pattern] of cases) {
    await t.step(`for ${name}`, async () => assertUserError(await ws.byot(args), 2, pattern));
  }
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0, "nothing was sent");
});

Deno.test("byot load names the file and the expected column when a header lacks it", async () => {
  await using ws = await workspace({ count: 20, columns: ["ssn"] });
  await Deno.writeTextFile(`${ws.dataDir}/ssn_tokens.csv`, "wrong_header\nt1\n");
  const run = await ws.load();
  assertUserError(run, 2, /ssn_tokens\.csv.*ssn_token/);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
});

Deno.test("byot load names both files and counts when paired files differ in length", async () => {
  await using ws = await workspace({ count: 120, columns: ["ssn"] });
  const tokens = (await Deno.readTextFile(`${ws.dataDir}/ssn_tokens.csv`)).split("\n");
  await Deno.writeTextFile(`${ws.dataDir}/ssn_tokens.csv`, tokens.slice(0, 101).join("\n") + "\n");
  const run = await ws.load();
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /ssn_data\.csv.*120.*ssn_tokens\.csv.*100|ssn_tokens\.csv.*100.*ssn_data\.csv.*120/);
  assert.ok(ws.sim.store.count("vault-ssn", "ssn") <= 100, "no row beyond the shorter file was sent");
});

Deno.test("byot load counts rows with an empty value or token as skipped", async () => {
  await using ws = await workspace({ count: 10, columns: ["id"] });
  await Deno.writeTextFile(`${ws.dir}/one.csv`, "value,token\na,t-a\n,t-b\nc,\nd,t-d\n");
  const run = await ws.load([
    "--file",
    `${ws.dir}/one.csv`,
    "--json",
  ]);
  assert.equal(run.code, 0, run.err);
  const summary = JSON.parse(run.out);
  assert.equal(summary.totals.loaded, 2);
  assert.equal(summary.totals.skipped, 2);
  assert.deepEqual(
    [...ws.sim.store.pairs("vault-id", "id", "id")],
    [["a", "t-a"], ["d", "t-d"]],
  );
});

Deno.test("byot load stops with exit 2 and never prints the token when the vault answers 401", async () => {
  await using ws = await workspace({
    count: 100,
    columns: ["ssn"],
    simulator: { bearerToken: "the-right-one" },
  });
  const secret = "sekrit-TOKEN-4711";
  // --no-preflight: the load itself meets the 401 (the preflight would stop before the ledger exists)
  const run = await ws.load(["--no-preflight"], {
    env: { SKYFLOW_BEARER_TOKEN: secret },
  });
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /401/);
  assert.match(run.err, /To resume, run again/);
  assert.ok(!run.err.includes(secret) && !run.out.includes(secret));
  const db = await Deno.readFile(ws.statePath);
  assert.ok(!new TextDecoder("latin1").decode(db).includes(secret), "the ledger never holds the token");
});

Deno.test("byot load without any bearer token says how to supply one", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const run = await ws.load([], {
    env: { SKYFLOW_BEARER_TOKEN: "" },
  });
  assertUserError(run, 2, /no bearer token/);
});

Deno.test("byot --help and --version exit 0", async () => {
  await using ws = await workspace({ count: 1, columns: ["ssn"] });
  const help = await ws.byot(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /load/);
  const version = await ws.byot(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.out, /^\d+\.\d+\.\d+/);
});

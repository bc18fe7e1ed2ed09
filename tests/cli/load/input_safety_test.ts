import assert from "node:assert/strict";
import { type CliRun, workspace } from "../../_fixtures/workspace.ts";
import { main } from "../../../src/cli/main.ts";
import type { FailuresDeps } from "../../../src/cli/failures/failures_command.ts";
import { captureIo } from "../../_fixtures/io.ts";

/** Runs byot in-process as a person at a terminal would, answering "yes" to a confirmation. */
async function onTerminal(args: string[]): Promise<CliRun> {
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "test-token" } });
  io.stdinIsTerminal = true;
  const deps: FailuresDeps = { prompt: () => Promise.resolve("yes") };
  const code = await main(args, io, deps);
  return { code, out: io.out, err: io.err };
}

/** Replaces data rows (0-based positions) of a generated file with blank lines. */
async function blankRows(path: string, positions: number[]): Promise<void> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  for (const p of positions) lines[p + 1] = "";
  await Deno.writeTextFile(path, lines.join("\n"));
}

function summaryJson(run: CliRun) {
  return JSON.parse(run.out) as { totals: { loaded: number; skipped: number } };
}

Deno.test("byot load pairs blank lines at the same row of both files by row and counts them as skipped", async () => {
  await using ws = await workspace({ count: 200, columns: ["ssn"] });
  await blankRows(`${ws.dataDir}/ssn_data.csv`, [10, 150]);
  await blankRows(`${ws.dataDir}/ssn_tokens.csv`, [10, 150]);
  const run = await ws.load(["--json"]);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual([summaryJson(run).totals.loaded, summaryJson(run).totals.skipped], [198, 2]);
  ws.assertExact("ssn", { except: new Set([10, 150]) });
  assert.match(run.err, /Skipped SSN: 2 rows with an empty value or token, at .*ssn_data\.csv lines 12, 152/);
  assert.doesNotMatch(run.err, /misaligned/);
});

Deno.test("byot load keeps pairs exact when each file has a blank line at a different row, and warns", async () => {
  await using ws = await workspace({ count: 200, columns: ["ssn"] });
  await blankRows(`${ws.dataDir}/ssn_data.csv`, [20]);
  await blankRows(`${ws.dataDir}/ssn_tokens.csv`, [120]);
  const run = await ws.load(["--json"]);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual([summaryJson(run).totals.loaded, summaryJson(run).totals.skipped], [198, 2]);
  ws.assertExact("ssn", { except: new Set([20, 120]) });
  assert.match(run.err, /warning: .*ssn_data\.csv line 22 is blank but .*ssn_tokens\.csv has a value there/);
  assert.match(run.err, /warning: .*ssn_tokens\.csv line 122 is blank but .*ssn_data\.csv has a value there/);
});

Deno.test("byot load counts a blank line in one file only as one skipped row, as wc -l counts lines", async () => {
  await using ws = await workspace({ count: 100, columns: ["id"] });
  await blankRows(`${ws.dataDir}/id_data.csv`, [2]);
  const run = await ws.load(["--json"]);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual([summaryJson(run).totals.loaded, summaryJson(run).totals.skipped], [99, 1]);
  ws.assertExact("id", { except: new Set([2]) });
  assert.match(
    run.err,
    /id_data\.csv line 4 is blank but .*id_tokens\.csv has a value there: the files may be/,
  );

  // one file a line longer: the counts in the error are the lines after the header, as wc -l sees them
  const data = await Deno.readTextFile(`${ws.dataDir}/id_data.csv`);
  await Deno.writeTextFile(`${ws.dataDir}/id_data.csv`, data.replace("\n", "\n\n"));
  const lines = (text: string) => text.split("\n").length - 1;
  const dataLines = lines(await Deno.readTextFile(`${ws.dataDir}/id_data.csv`));
  const tokenLines = lines(await Deno.readTextFile(`${ws.dataDir}/id_tokens.csv`));
  const longer = await ws.load(["--restart"]);
  assert.equal(longer.code, 2, longer.err);
  assert.match(longer.err, new RegExp(`has ${dataLines - 1} rows but .* has ${tokenLines - 1}`));
});

Deno.test("byot load refuses an unquoted comma with its file and line and stores nothing truncated", async () => {
  await using ws = await workspace({ count: 300, columns: ["name"] });
  const path = `${ws.dataDir}/name_data.csv`;
  const lines = (await Deno.readTextFile(path)).split("\n");
  lines[251] = "SMITH, JOHN";
  await Deno.writeTextFile(path, lines.join("\n"));
  const run = await ws.load();
  assert.equal(run.code, 2, run.err);
  assert.match(
    run.err,
    /error: .*name_data\.csv: line 252 has 2 fields but the header has 1; a value containing a comma must be quoted/,
  );
  const stored = ws.sim.store.pairs("vault-name", "name", "name");
  assert.ok(
    ![...stored.keys()].some((v) => v === "SMITH" || v.startsWith("SMITH")),
    "nothing truncated stored",
  );
  assert.ok(stored.size <= 250, "no row at or after the bad one was sent");

  // the printed next step works as printed once the file is fixed
  const hint = run.err.split("\n").find((l) => l.includes("then start over"));
  assert.ok(hint, run.err);
  lines[251] = '"SMITH, JOHN"';
  await Deno.writeTextFile(path, lines.join("\n"));
  const again = await ws.byot(shellWords(hint.slice(hint.indexOf("byot ") + 5)));
  assert.equal(again.code, 0, again.err);
  assert.equal(ws.sim.store.pairs("vault-name", "name", "name").get("SMITH, JOHN") !== undefined, true);
  assert.equal(ws.sim.store.count("vault-name", "name"), 300);
});

Deno.test("byot load reports a config max_records cap with the rows left, and its hint loads the rest", async () => {
  await using ws = await workspace({ count: 400, columns: ["dob"], performance: { max_records: 100 } });
  const run = await ws.load();
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /All 100 records loaded \(capped by max_records: 300 rows left\)\./);
  assert.match(
    run.err,
    /Capped: .*config\.json: performance\.max_records = 100 stopped vault DOB; 300 rows were left/,
  );
  const hint = run.err.split("\n").find((l) => l.startsWith("To load the rest: byot "));
  assert.ok(hint, run.err);
  const rest = await ws.byot(shellWords(hint.slice("To load the rest: byot ".length)));
  assert.equal(rest.code, 0, rest.err);
  assert.doesNotMatch(rest.err, /Capped/);
  ws.assertExact("dob");
});

Deno.test("byot load warns about an unknown config key and suggests the key meant", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"], performance: { batchsize: 5 } });
  const run = await ws.load();
  assert.equal(run.code, 0, run.err);
  assert.match(
    run.err,
    /warning: .*config\.json: unknown key "performance\.batchsize" is ignored \(did you mean "performance\.batch_size"\?\)/,
  );
});

Deno.test("byot -generate 200 (the Go loader's README flag) writes 200 records per vault", async () => {
  await using ws = await workspace({ count: 1, columns: ["ssn"] });
  const run = await ws.byot(["-generate", "200", "-data-dir", `${ws.dir}/gen`]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /-generate N is now its own command: byot generate 200/);
  for (const column of ["name", "id", "dob", "ssn"]) {
    const text = await Deno.readTextFile(`${ws.dir}/gen/${column}_tokens.csv`);
    assert.equal(text.trimEnd().split("\n").length, 201, column);
  }
});

Deno.test("two --append-suffix runs started in the same second into one vault do not collide", async () => {
  await using ws = await workspace({ count: 300, columns: ["ssn"] });
  const runs = await Promise.all([
    ws.byot(["load", "--config", ws.configPath, "--state", `${ws.dir}/a.db`, "--append-suffix", "--json"]),
    ws.byot(["load", "--config", ws.configPath, "--state", `${ws.dir}/b.db`, "--append-suffix", "--json"]),
  ]);
  for (const run of runs) {
    assert.equal(run.code, 0, run.err);
    assert.equal(summaryJson(run).totals.loaded, 300);
  }
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 600);
});

Deno.test("every next step a failed load prints works as printed, with its --state and --config", async () => {
  await using ws = await workspace({ count: 200, columns: ["ssn"], rejectEvery: 50 });
  const run = await ws.load();
  assert.equal(run.code, 3, run.err);
  const commands = run.err.split("\n").filter((l) => l.startsWith("  byot ")).map((l) => l.trim());
  assert.equal(commands.length, 3, run.err);
  const cwd = Deno.cwd();
  Deno.chdir(ws.dir); // export writes its files in the working directory
  try {
    for (const command of commands) {
      assert.match(command, new RegExp(`--state ${ws.statePath}`));
      const result = await onTerminal(shellWords(command.slice(5)));
      assert.ok([0, 3].includes(result.code), `${command}: exit ${result.code}\n${result.err}`);
      assert.doesNotMatch(result.err, /no runs|not found|holds no/i, command);
    }
  } finally {
    Deno.chdir(cwd);
  }
  assert.ok(
    (await Array.fromAsync(Deno.readDir(ws.dir))).some((e) => e.name.startsWith("error_log_SSN")),
    "export wrote a file",
  );
});

Deno.test("a load that is stopped prints a resume command that resumes when run as printed", async () => {
  await using ws = await workspace({ count: 150, columns: ["ssn"], simulator: { bearerToken: "good" } });
  // --no-preflight: the bad token must stop a run that has started (the preflight would stop it earlier)
  const run = await ws.load(["--no-preflight"], { env: { SKYFLOW_BEARER_TOKEN: "bad" } });
  assert.equal(run.code, 2, run.err);
  const line = run.err.split("\n").find((l) => l.includes("To resume, run again: byot "));
  assert.ok(line, run.err);
  const again = await ws.byot(shellWords(line.slice(line.indexOf("byot ") + 5)), {
    env: { SKYFLOW_BEARER_TOKEN: "good" },
  });
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /resuming run/);
  ws.assertExact("ssn");
});

Deno.test("byot load --no-checkpoint names no state file and suggests no resume", async () => {
  await using ws = await workspace({ count: 100, columns: ["ssn"], rejectEvery: 25 });
  const run = await ws.load(["--no-checkpoint"]);
  assert.equal(run.code, 3, run.err);
  assert.doesNotMatch(run.err, /run none|To resume|byot failures/);
  assert.match(run.err, /failed records were not kept \(--no-checkpoint: no state file\)/);
});

/** Splits a printed command line into arguments (handles '…' quoting from the hints). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const m of line.replace(/\s+\(.*\)$/, "").matchAll(re)) {
    words.push(m[1] !== undefined ? m[1].replaceAll(`'\\''`, "'") : m[2]);
  }
  return words;
}

Deno.test("every flag of the Go loader is a byot load flag, or -generate and -clear say what replaced them", async () => {
  const goFlags = [
    "config",
    "token",
    "vault-url",
    "source",
    "error-log",
    "data-dir",
    "sf-user",
    "sf-password",
    "sf-authenticator",
    "sf-account",
    "sf-warehouse",
    "sf-database",
    "sf-schema",
    "sf-role",
    "sf-fetch-size",
    "sf-query-mode",
    "sf-table",
    "sf-clm-table",
    "sf-mbr-table",
    "start-record",
    "end-record",
    "batch-size",
    "concurrency",
    "max-records",
    "append-suffix",
    "base-delay-ms",
    "upsert",
    "vault",
    "clear",
    "offline",
  ];
  const { LOAD_LONG_NAMES } = await import("../../../src/cli/load/options.ts");
  assert.deepEqual(goFlags.filter((f) => !LOAD_LONG_NAMES.includes(f)), []);
  await using ws = await workspace({ count: 1, columns: ["ssn"] });
  const clear = await ws.byot(["-config", ws.configPath, "-clear"]);
  assert.match(clear.err, /byot clear --vault/);
});

Deno.test("byot load --dry-run names skipped lines and a blank row facing a value, sending nothing", async () => {
  await using ws = await workspace({ count: 50, columns: ["ssn"] });
  await blankRows(`${ws.dataDir}/ssn_tokens.csv`, [7]);
  const run = await ws.load(["--dry-run"]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /Skipped SSN: 1 row with an empty value or token, at .*ssn_data\.csv line 9\n/);
  assert.match(run.err, /warning: .*ssn_tokens\.csv line 9 is blank but .*ssn_data\.csv has a value there/);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
});

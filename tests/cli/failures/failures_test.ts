import assert from "node:assert/strict";
import type { FailuresDeps } from "../../../src/cli/failures/failures_command.ts";
import { main } from "../../../src/cli/main.ts";
import { MASK } from "../../../src/cli/shared/redact.ts";
import type { StatusJson } from "../../../src/cli/status/render.ts";
import { captureIo } from "../../_fixtures/io.ts";
import { csvField } from "../../../src/ledger/export_csv.ts";
import { Ledger, type StoredFailure } from "../../../src/ledger/mod.ts";
import { generatedPair } from "../../../src/sources/generator.ts";
import { type CliRun, rejectedPositions, type Workspace, workspace } from "../../_fixtures/workspace.ts";

const EVERY = 97;

/** A workspace of one vault (SSN) loaded once: the rejected records are stored as failures. */
async function loadedWithRejects(count = 500): Promise<Workspace> {
  const ws = await workspace({ count, rejectEvery: EVERY, columns: ["ssn"] });
  const load = await ws.load();
  assert.equal(load.code, 3, load.err);
  return ws;
}

function rejectedPairs(count: number): { position: number; value: string; token: string }[] {
  return [...rejectedPositions("ssn", count, EVERY)].map((position) => ({
    position,
    ...generatedPair("ssn", position, { seed: 1, rejectEvery: EVERY }),
  }));
}

function storedFailures(ws: Workspace, filter: { includeResolved?: boolean } = {}): StoredFailure[] {
  const ledger = Ledger.open(ws.statePath);
  try {
    return [...ledger.eachFailure({ ...filter, includePurged: true })];
  } finally {
    ledger.close();
  }
}

/** `byot failures retry --config <config> --state <state> ...extra` in the workspace. */
function failuresRetry(ws: Workspace, ...extra: string[]): Promise<CliRun> {
  return ws.byot(["failures", "retry", "--config", ws.configPath, "--state", ws.statePath, ...extra]);
}

async function status(ws: Workspace): Promise<StatusJson> {
  return JSON.parse((await ws.byot(["status", "--state", ws.statePath, "--json"])).out);
}

/** Runs byot in-process as if stdin were a terminal, answering every confirmation with `answer`. */
async function byotOnTerminal(args: string[], answer: string) {
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "test-token" } });
  io.stdinIsTerminal = true;
  const questions: string[] = [];
  const deps: FailuresDeps = {
    prompt: (question) => {
      questions.push(question);
      return Promise.resolve(answer);
    },
  };
  const code = await main(args, io, deps);
  return { code, out: io.out, err: io.err, questions };
}

Deno.test("byot failures list masks values and tokens unless --show-values, and filters and limits rows", async () => {
  await using ws = await loadedWithRejects();
  const pairs = rejectedPairs(500);
  assert.equal(pairs.length, 5);
  const list = await ws.byot(["failures", "list", "--state", ws.statePath]);
  assert.equal(list.code, 0, list.err);
  const lines = list.out.trimEnd().split("\n");
  assert.match(lines[0], /^Vault +Position +Status +Attempts +Request id +Message +Value +Token$/);
  assert.equal(lines.length, 1 + pairs.length);
  pairs.forEach((p, i) => {
    assert.match(lines[i + 1], new RegExp(`^SSN +${p.position} +400 +\\d+ +[0-9a-f-]{36} +Insert failed\\.`));
    assert.ok(
      lines[i + 1].endsWith(`${MASK}  ${MASK}`),
    );
    assert.ok(!list.out.includes(p.value) && !list.out.includes(p.token), "no value or token in full");
  });
  assert.match(list.err, /--show-values shows them/);

  const shown = await ws.byot(["failures", "list", "--state", ws.statePath, "--show-values"]);
  const shownLines = shown.out.split("\n");
  for (const p of pairs) {
    assert.ok(
      shownLines.some((line) => line.includes(` ${p.value} `) && line.endsWith(` ${p.token}`)),
      p.value,
    );
  }

  const limited = await ws.byot([
    "failures",
    "list",
    "--state",
    ws.statePath,
    "--limit",
    "2",
    "--vault",
    "ssn",
  ]);
  assert.equal(limited.out.trimEnd().split("\n").length, 3);
  assert.match(limited.err, /^showing 2 of 5 failed records; 3 more \(--limit N shows more, 0 = all\)$/m);

  const none = await ws.byot(["failures", "list", "--state", ws.statePath, "--status", "500"]);
  assert.deepEqual([none.code, none.out], [0, ""]);
  assert.equal(none.err, `no failed records for status 500 in ${ws.statePath}\n`);
});

Deno.test("byot failures export --format json writes the legacy error log of the rejected pairs, mode 0600", async () => {
  await using ws = await loadedWithRejects();
  const out = `${ws.dir}/exports`;
  const run = await ws.byot([
    "failures",
    "export",
    "--format",
    "json",
    "--out",
    out,
    "--state",
    ws.statePath,
  ]);
  assert.equal(run.code, 0, run.err);
  const path = run.out.trimEnd();
  assert.match(path, new RegExp(`^${out}/error_log_SSN_\\d{8}_\\d{6}\\.json$`));
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  const text = await Deno.readTextFile(path);
  assert.match(text, /^\{\n {2}"vault_name": "SSN",\n {2}"vault_id": "vault-ssn",\n {2}"column": "ssn",\n/);
  assert.ok(text.endsWith("\n  ]\n}\n"));
  const log = JSON.parse(text);
  const goTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
  assert.deepEqual(Object.keys(log), [
    "vault_name",
    "vault_id",
    "column",
    "timestamp",
    "total_errors",
    "failed_records",
    "errors",
  ]);
  assert.match(log.timestamp, goTime);
  assert.equal(log.total_errors, log.errors.length);
  assert.equal(log.failed_records, 5);
  for (const e of log.errors) {
    assert.deepEqual(Object.keys(e), ["batch_number", "records", "error", "status_code", "timestamp"]);
    assert.equal(e.status_code, 400);
    assert.match(e.error, /^Insert failed\./);
    assert.match(e.timestamp, goTime);
    for (const r of e.records) assert.deepEqual(Object.keys(r), ["Value", "Token"]);
  }
  const exported = log.errors.flatMap((e: { records: { Value: string; Token: string }[] }) => e.records);
  assert.deepEqual(exported, rejectedPairs(500).map((p) => ({ Value: p.value, Token: p.token })));

  // existing tooling keeps working: the Go loader's --error-log reprocessing reads it back
  ws.sim.options.rejectMarker = "__ACCEPTED_NOW__";
  const reload = await ws.byot([
    "load",
    "--config",
    ws.configPath,
    "--state",
    `${ws.dir}/other.db`,
    "--error-log",
    path,
  ]);
  assert.equal(reload.code, 0, reload.err);
  ws.assertExact("ssn");
});

Deno.test("byot failures export --format csv writes value,token,status,message,request_id per vault", async () => {
  await using ws = await loadedWithRejects();
  const run = await ws.byot([
    "failures",
    "export",
    "--format",
    "csv",
    "--out",
    ws.dir,
    "--state",
    ws.statePath,
  ]);
  assert.equal(run.code, 0, run.err);
  const path = run.out.trimEnd();
  assert.match(path, new RegExp(`^${ws.dir}/failures_SSN_\\d{8}_\\d{6}\\.csv$`));
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  const failures = storedFailures(ws);
  const pairs = rejectedPairs(500);
  assert.deepEqual(
    failures.map((f) => [f.position, f.value, f.token]),
    pairs.map((p) => [p.position, p.value, p.token]),
  );
  const expected = [
    "value,token,status,message,request_id",
    ...failures.map((f) => [f.value!, f.token!, "400", f.message, f.requestId!].map(csvField).join(",")),
  ].join("\n") + "\n";
  assert.equal(await Deno.readTextFile(path), expected);

  const bad = await ws.byot(["failures", "export", "--format", "xml", "--state", ws.statePath]);
  assert.deepEqual([bad.code, bad.err], [2, 'error: --format must be json or csv (got "xml")\n']);
});

Deno.test("byot failures retry --yes loads records that are now acceptable, marks them resolved, then has nothing to retry", async () => {
  await using ws = await loadedWithRejects(1000);
  const rejected = rejectedPositions("ssn", 1000, EVERY);
  ws.assertExact("ssn", { except: rejected });
  ws.sim.options.rejectMarker = "__ACCEPTED_NOW__";
  const retry = await failuresRetry(ws, "--yes");
  assert.equal(retry.code, 0, retry.err);
  assert.match(retry.err, /ERROR LOG ANALYSIS/);
  assert.match(retry.err, /\n {4}HTTP 400 \(Client Error\): 10 records\n/);
  assert.match(retry.err, /\n {2}Batches: +1\n {2}Upsert: +DISABLED\n/);
  assert.match(retry.err, /All 10 records loaded\./);
  ws.assertExact("ssn");

  const after = await status(ws);
  assert.deepEqual(after.vaults[0].failures, { unresolved: 0, resolved: 10, purged: 0 });
  assert.ok(storedFailures(ws, { includeResolved: true }).every((f) => f.resolvedAt !== undefined));

  const again = await failuresRetry(ws, "--yes");
  assert.equal(again.code, 0, again.err);
  assert.equal(again.err, `no failed records to retry (${ws.statePath})\n`);
  const exported = await ws.byot([
    "failures",
    "export",
    "--format",
    "json",
    "--out",
    ws.dir,
    "--state",
    ws.statePath,
  ]);
  assert.deepEqual([exported.code, exported.out], [0, ""]);
  assert.match(exported.err, /no failed records/);
});

Deno.test("byot failures retry exits 3 when records fail again and adds the new attempts", async () => {
  await using ws = await loadedWithRejects();
  const before = storedFailures(ws);
  const retry = await failuresRetry(ws, "--yes", "--json", "--batch-size", "2");
  assert.equal(retry.code, 3, retry.err);
  assert.match(retry.err, /5 records still fail; kept in /);
  const summary = JSON.parse(retry.out);
  assert.deepEqual([summary.exitCode, summary.totals.failed, summary.totals.loaded], [3, 5, 0]);
  const after = storedFailures(ws);
  assert.equal(after.length, before.length);
  after.forEach((f, i) => {
    assert.equal(f.position, before[i].position);
    assert.ok(f.attempts > before[i].attempts, `attempts ${before[i].attempts} → ${f.attempts}`);
    assert.equal(f.resolvedAt, undefined);
  });
  assert.deepEqual((await status(ws)).vaults[0].failures, { unresolved: 5, resolved: 0, purged: 0 });
});

Deno.test("byot failures retry asks on a terminal and refuses without --yes elsewhere", async () => {
  await using ws = await loadedWithRejects();
  ws.sim.options.rejectMarker = "__ACCEPTED_NOW__";
  const sent = () => ws.sim.stats.requests.insert ?? 0;
  const requests = sent();
  const args = ["failures", "retry", "--config", ws.configPath, "--state", ws.statePath];

  const offTerminal = await ws.byot(args);
  assert.equal(offTerminal.code, 2);
  assert.ok(offTerminal.err.endsWith("\nerror: refusing to retry without confirmation: pass --yes\n"));
  const declined = await byotOnTerminal(args, "no");
  assert.deepEqual([declined.code, declined.questions], [0, ["Do you want to proceed? (yes/no): "]]);
  assert.ok(declined.err.endsWith("Operation cancelled.\n"));
  assert.equal(sent(), requests, "nothing was sent");

  const accepted = await byotOnTerminal(args, " Y ");
  assert.equal(accepted.code, 0, accepted.err);
  ws.assertExact("ssn");
});

Deno.test("byot failures purge deletes stored values after confirmation so the state file no longer holds them", async () => {
  await using ws = await loadedWithRejects();
  const pairs = rejectedPairs(500);
  const stateBytes = async () => {
    let text = "";
    for (const suffix of ["", "-wal"]) {
      try {
        text += new TextDecoder("latin1").decode(await Deno.readFile(ws.statePath + suffix));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return text;
  };
  assert.ok(pairs.every((p) => (p.value + p.token).length > 0));
  const before = await stateBytes();
  assert.ok(pairs.every((p) => before.includes(p.value)), "the values were stored");

  const refused = await ws.byot(["failures", "purge", "--state", ws.statePath]);
  assert.equal(refused.code, 2);
  assert.ok(refused.err.endsWith("\nerror: refusing to purge without confirmation: pass --yes\n"));
  const declined = await byotOnTerminal(["failures", "purge", "--state", ws.statePath], "nope");
  assert.equal(declined.code, 0);
  assert.match(declined.err, /About to delete the stored values and tokens of 5 failed records/);
  assert.ok(declined.err.endsWith("Operation cancelled.\n"));

  const purge = await ws.byot(["failures", "purge", "--state", ws.statePath, "--yes"]);
  assert.equal(purge.code, 0, purge.err);
  assert.match(purge.err, /deleted the values and tokens of 5 failed records\n$/);
  const after = await stateBytes();
  for (const p of pairs) {
    assert.ok(!after.includes(p.value), "value gone from the state file");
    assert.ok(!after.includes(p.token), "token gone from the state file");
  }
  const list = await ws.byot(["failures", "list", "--state", ws.statePath, "--show-values"]);
  assert.equal(list.out.match(/\(purged\) {2}\(purged\)\n/g)?.length, 5);
  assert.deepEqual((await status(ws)).vaults[0].failures, { unresolved: 0, resolved: 0, purged: 5 });
  const retry = await failuresRetry(ws, "--yes");
  assert.deepEqual([retry.code, retry.err], [0, `no failed records to retry (${ws.statePath})\n`]);
  const again = await ws.byot(["failures", "purge", "--state", ws.statePath, "--yes"]);
  assert.deepEqual([again.code, again.err], [0, `no stored failed values to purge in ${ws.statePath}\n`]);
});

Deno.test("byot failures commands need an existing state file and refuse source flags on retry", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const missing = `${ws.dir}/missing.db`;
  for (const sub of [["list"], ["export", "--format", "csv"], ["retry", "--yes"], ["purge", "--yes"]]) {
    const run = await ws.byot(["failures", ...sub, "--state", missing]);
    assert.deepEqual([run.code, run.err], [2, `error: no state file at ${missing}: run byot load first\n`]);
  }
  await assert.rejects(Deno.stat(missing), Deno.errors.NotFound);
  const flagged = await ws.byot(["failures", "retry", "--data-dir", ws.dataDir, "--state", missing]);
  assert.equal(flagged.code, 2);
  assert.equal(
    flagged.err,
    "error: --data-dir has no effect on failures retry: it sends the records stored in the ledger\n",
  );
});

Deno.test("byot failures retry settles records that had landed despite a network failure without duplicates", async () => {
  await using ws = await workspace({ count: 200, columns: ["ssn"] });
  const load = await ws.load();
  assert.equal(load.code, 0, load.err);
  const ledger = Ledger.open(ws.statePath);
  const runId = ledger.listRuns(1)[0].id;
  const landed = (position: number, statusCode: number) => ({
    position,
    batchSeq: Math.floor(position / 50),
    ...generatedPair("ssn", position, { seed: 1 }),
    statusCode,
    message: statusCode === 0 ? "connection reset after the request was sent" : "Service Unavailable",
    retryable: true,
  });
  ledger.recordFailures(runId, "SSN", [landed(7, 0), landed(120, 503)]);
  ledger.close();

  const retry = await failuresRetry(ws, "--yes", "--json");
  assert.equal(retry.code, 0, retry.err);
  assert.match(retry.err, /\n {4}Network Errors: 1 records\n {4}HTTP 503 \(Server Error\): 1 records\n/);
  const summary = JSON.parse(retry.out);
  assert.equal(summary.totals.loaded, 2);
  const replays = summary.totals.replays;
  assert.equal(replays.upsert + replays.readback + replays.resent, 2, JSON.stringify(replays));
  ws.assertExact("ssn");
  assert.deepEqual((await status(ws)).vaults[0].failures, { unresolved: 0, resolved: 2, purged: 0 });
});

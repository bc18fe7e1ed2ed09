/**
 * Clean stops of a real `byot load` child: SIGINT and SIGTERM drain the in-flight batches and exit
 * 130 / 143 with the resume command; a second SIGINT aborts hung requests at once. Each time the
 * ledger stays consistent and the resume ends exact.
 */
import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { assertLedger, REPO_ROOT, runByot } from "../../recovery/_child.ts";
import { workspace } from "../../_fixtures/workspace.ts";

/** A byot child that can be signalled; `done` carries the moment it exited. */
function start(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "main.ts", ...args],
    cwd: REPO_ROOT,
    env: { SKYFLOW_BEARER_TOKEN: "test-token", NO_COLOR: "1", BYOT_CRASH_AT: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  const readErr = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) err += text;
  })();
  const out = new Response(child.stdout).text();
  const done = Promise.all([child.status, out, readErr]).then(([status]) => ({
    code: status.code,
    err,
    exitedAt: performance.now(),
  }));
  return {
    done,
    signal: (signal: Deno.Signal) => child.kill(signal),
    stderr: () => err,
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens the ledger of a stopped run: integrity ok, one run, interrupted; returns the vault summary. */
function stoppedRun(statePath: string) {
  const ledger = Ledger.open(statePath);
  try {
    assert.equal(ledger.integrityCheck(), "ok");
    const runs = ledger.listRuns();
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, "interrupted");
    return ledger.runSummary(runs[0].id)[0];
  } finally {
    ledger.close();
  }
}

const loadArgs = (ws: { configPath: string; statePath: string }) => [
  "load",
  "--config",
  ws.configPath,
  "--state",
  ws.statePath,
  "--batch-size",
  "20",
  "--concurrency",
  "4",
];

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`byot load stopped by ${signal} drains, exits ${code}, and the re-run resumes exactly`, async () => {
    await using ws = await workspace({ count: 2000, columns: ["name"], simulator: { latencyMs: 40 } });
    const child = start(loadArgs(ws));
    await until("some batches to settle", () => ws.sim.store.count("vault-name", "name") >= 300);
    child.signal(signal);
    const stopped = await child.done;
    assert.equal(stopped.code, code, stopped.err);
    assert.match(stopped.err, new RegExp(`${signal}: stopping: finishing in-flight batches`));
    assert.match(stopped.err, /Run r\w+ is not finished\. To resume, run again: byot load --config /);
    const summary = stoppedRun(ws.statePath);
    const stored = ws.sim.store.count("vault-name", "name");
    assert.ok(stored < 2000, "stopped before the end");
    assert.deepEqual(
      { inFlight: summary.inFlightBatches, loaded: summary.loaded, failed: summary.failed },
      { inFlight: 0, loaded: stored, failed: 0 },
      "every batch sent was drained and recorded",
    );

    const resumed = await runByot(loadArgs(ws));
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /resuming run/);
    ws.assertExact("name");
    assertLedger(ws.statePath, [{ vault: "NAME", rows: 2000, failed: new Set() }]);
  });
}

Deno.test("a second SIGINT aborts hung requests at once and the resume settles them exactly", async () => {
  await using ws = await workspace({ count: 2000, columns: ["name"], simulator: { latencyMs: 20 } });
  const child = start(loadArgs(ws));
  await until("some batches to settle", () => ws.sim.store.count("vault-name", "name") >= 300);
  ws.sim.options.hangRate = 1; // from now on every request is applied and never answered
  await until("every worker to hang", () => ws.sim.stats.hung >= 4);
  child.signal("SIGINT");
  await until("the first stop message", () => /SIGINT: stopping/.test(child.stderr()));
  const second = performance.now();
  child.signal("SIGINT");
  const stopped = await child.done;
  assert.equal(stopped.code, 130, stopped.err);
  assert.ok(stopped.exitedAt - second < 2000, `exited ${Math.round(stopped.exitedAt - second)} ms after`);
  assert.match(stopped.err, /aborting in-flight requests/);
  assert.match(stopped.err, /To resume, run again: byot load/);
  const summary = stoppedRun(ws.statePath);
  assert.ok(summary.inFlightBatches >= 1, "the aborted batches stay in flight in the ledger");

  ws.sim.options.hangRate = 0;
  const resumed = await runByot(loadArgs(ws));
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming run/);
  ws.assertExact("name");
  assertLedger(ws.statePath, [{ vault: "NAME", rows: 2000, failed: new Set() }]);
});

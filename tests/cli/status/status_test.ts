import assert from "node:assert/strict";
import { manualStop } from "../../_fixtures/stop.ts";
import type { StatusJson } from "../../../src/cli/status/render.ts";
import { InterruptedError } from "../../../src/common/errors.ts";
import { rejectedPositions, workspace } from "../../_fixtures/workspace.ts";

Deno.test("byot status --json after a load with rejected records adds up and reports the run finished", async () => {
  await using ws = await workspace({ count: 1000, rejectEvery: 97, columns: ["ssn", "id"] });
  const load = await ws.load();
  assert.equal(load.code, 3, load.err);
  const run = await ws.byot(["status", "--state", ws.statePath, "--json"]);
  assert.equal(run.code, 0, run.err);
  const status: StatusJson = JSON.parse(run.out);
  assert.equal(status.version, 1);
  assert.equal(status.run?.status, "finished");
  assert.equal(status.run?.finished, true);
  assert.equal(status.run?.resumeCommand, null);
  assert.match(status.run!.command!, /^byot load --config \S+ --state \S+$/);
  assert.deepEqual(status.vaults.map((v) => v.name), ["ID", "SSN"]);
  for (const v of status.vaults) {
    const rejected = rejectedPositions(v.name.toLowerCase(), 1000, 97).size;
    assert.equal(v.loaded + v.failed + v.skipped, 1000, v.name);
    assert.deepEqual(
      { total: v.total, settled: v.settled, failed: v.failed, pending: v.pending, etaMs: v.etaMs },
      { total: 1000, settled: 1000, failed: rejected, pending: 0, etaMs: 0 },
    );
    assert.deepEqual(v.failures, { unresolved: rejected, resolved: 0, purged: 0 });
    assert.equal(v.finished, true);
    assert.equal(v.batches.inFlight, 0);
  }
  assert.equal(status.totals?.settled, 2000);
  assert.equal(status.totals!.loaded + status.totals!.failed + status.totals!.skipped, 2000);
});

Deno.test("byot status prints a table per vault and the hints for failed records", async () => {
  await using ws = await workspace({ count: 500, rejectEvery: 97, columns: ["ssn"] });
  await ws.load();
  const run = await ws.byot(["status"], { env: { BYOT_STATE: ws.statePath } });
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^Run r\d{14}[0-9a-f]{4} \(csv\): finished\n/);
  assert.match(run.out, /\nVault +Total +Loaded +Failed +Skipped +Pending +Rec\/s +Elapsed +ETA +Done\n/);
  assert.match(run.out, /\nSSN +500 +495 +5 +0 +0 +\S+ +\S+ +-- +yes\n/);
  assert.match(run.out, /Failed records: 5 still failing, 0 resolved by retry, 0 purged/);
  assert.doesNotMatch(run.out, /not finished/);
});

Deno.test("byot status of an interrupted run shows pending rows, an ETA and the command that resumes it", async () => {
  await using ws = await workspace({
    count: 1000,
    columns: ["name"],
    simulator: { latencyMs: 2 },
    performance: { batch_size: 20, max_concurrency: 2 },
  });
  // stop intake (as a first Ctrl-C does) once 200 records are in: in-flight batches still finish
  const { intake, stop } = manualStop();
  const fetchThenMaybeStop: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (ws.sim.store.count("vault-name", "name") >= 200) intake.abort(new InterruptedError("SIGINT"));
    return response;
  };
  const load = await ws.load([], {
    deps: { stop, fetch: fetchThenMaybeStop },
  });
  assert.equal(load.code, 130, load.err);

  const json = await ws.byot(["status", "--state", ws.statePath, "--json"]);
  const status: StatusJson = JSON.parse(json.out);
  assert.equal(status.run?.status, "interrupted");
  assert.equal(status.run?.finished, false);
  const [v] = status.vaults;
  assert.equal(v.total, 1000);
  assert.ok(v.settled >= 200 && v.settled < 1000, `settled ${v.settled}`);
  assert.equal(v.pending, 1000 - v.settled);
  assert.equal(v.loaded, v.settled);
  assert.ok(v.recordsPerSecond > 0 && v.etaMs !== null && v.etaMs > 0);
  assert.equal(status.run?.resumeCommand, `byot load --config ${ws.configPath} --state ${ws.statePath}`);

  const text = await ws.byot(["status", "--state", ws.statePath]);
  assert.match(text.out, /: interrupted\n/);
  assert.ok(text.out.includes(`is not finished. To resume: ${status.run!.resumeCommand}\n`), text.out);

  const resume = await ws.byot(status.run!.resumeCommand!.split(" ").slice(1));
  assert.equal(resume.code, 0, resume.err);
  ws.assertExact("name");
  const after: StatusJson = JSON.parse((await ws.byot(["status", "--state", ws.statePath, "--json"])).out);
  assert.equal(after.run?.id, status.run?.id);
  assert.equal(after.run?.finished, true);
  assert.equal(after.vaults[0].loaded, 1000);
});

Deno.test("byot status --run picks a run and an unknown id is a usage error", async () => {
  await using ws = await workspace({ count: 200, columns: ["dob"] });
  await ws.load();
  const first: StatusJson = JSON.parse((await ws.byot(["status", "--state", ws.statePath, "--json"])).out);
  const again = await ws.byot(["status", "--state", ws.statePath, "--run", first.run!.id, "--json"]);
  assert.equal(JSON.parse(again.out).run.id, first.run!.id);
  const unknown = await ws.byot(["status", "--state", ws.statePath, "--run", "r0"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err, `error: no run r0 in ${ws.statePath} (newest: ${first.run!.id})\n`);
});

Deno.test("byot status without a state file exits 2 in one line and creates no file", async () => {
  await using ws = await workspace({ count: 10, columns: ["ssn"] });
  const missing = `${ws.dir}/nope.db`;
  const run = await ws.byot(["status", "--state", missing]);
  assert.equal(run.code, 2);
  assert.equal(run.err, `error: no state file at ${missing}: run byot load first\n`);
  await assert.rejects(Deno.stat(missing), Deno.errors.NotFound);
});

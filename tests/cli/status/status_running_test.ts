import assert from "node:assert/strict";
import { type CliRun, workspace } from "../../_fixtures/workspace.ts";

Deno.test("byot status of a run being loaded right now says how to follow it, not to resume it", async () => {
  await using ws = await workspace({
    count: 600,
    columns: ["name"],
    simulator: { latencyMs: 2 },
    performance: { batch_size: 20, max_concurrency: 2 },
  });
  let during: Promise<CliRun> | undefined;
  const fetchAndLook: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!during && ws.sim.store.count("vault-name", "name") >= 200) {
      during = ws.byot(["status", "--state", ws.statePath]);
    }
    return response;
  };
  const load = await ws.load([], { deps: { fetch: fetchAndLook } });
  assert.equal(load.code, 0, load.err);
  const status = await during!;
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /: running\n/);
  assert.doesNotMatch(status.out, /To resume/);
  assert.match(
    status.out,
    new RegExp(
      `is being loaded now by process \\d+: follow it with byot status --watch --state ${ws.statePath}`,
    ),
  );
});

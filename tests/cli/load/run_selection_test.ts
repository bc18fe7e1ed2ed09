import assert from "node:assert/strict";
import { spawnByot } from "../../recovery/_child.ts";
import { workspace } from "../../_fixtures/workspace.ts";

Deno.test("byot load refuses to work on a run another live byot process is loading", async () => {
  await using ws = await workspace({ count: 3000, columns: ["ssn"], simulator: { latencyMs: 40 } });
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, "--concurrency", "2"];
  const first = spawnByot(args);
  try {
    assert.ok(await first.waitFor(/checkpoints in/), "the first load started");
    const second = await ws.byot(args);
    assert.equal(second.code, 2, second.err);
    assert.match(second.err, /is being loaded right now by process \d+/);
  } finally {
    first.kill();
    await first.done;
  }
  const resumed = await ws.byot(args);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming run/);
  ws.assertExact("ssn");
});

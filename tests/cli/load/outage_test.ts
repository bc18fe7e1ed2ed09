import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { workspace } from "../../_fixtures/workspace.ts";

Deno.test("byot load stops with exit 75 during a vault outage and a re-run finishes the load", async () => {
  await using ws = await workspace({ count: 1000, columns: ["ssn"], simulator: { errorRate: 1 } });
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, "--max-attempts", "2"];
  const first = await ws.byot(args);
  assert.equal(first.code, 75, first.err);
  assert.match(first.err, /kept failing after every retry/);
  assert.match(first.err, /To resume, run again/);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);

  ws.sim.options.errorRate = 0;
  const second = await ws.byot(args);
  assert.match(second.err, /resuming run/);
  // the batches that exhausted their retries before the stop are kept as retryable failures
  assert.equal(second.code, 3, second.err);
  const ledger = Ledger.open(ws.statePath);
  try {
    const failures = ledger.listFailures({ limit: 10_000 });
    // at most the 3 exhausted batches plus those already in flight (concurrency 4), 50 records each
    assert.ok(failures.length > 0 && failures.length <= 7 * 50, `${failures.length} failures`);
    assert.ok(failures.every((f) => f.retryable && f.statusCode >= 500));
    const failed = new Set(failures.map((f) => f.position));
    ws.assertExact("ssn", { except: failed });
  } finally {
    ledger.close();
  }
});

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
  assert.match(first.err, /records are unsettled: .* They are not failed/);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
  const status = await ws.byot(["status", "--state", ws.statePath]);
  assert.match(status.out, /Unsettled: [\d,]+ records whose retries ran out/);
  assert.doesNotMatch(status.out, /Failed records/);

  ws.sim.options.errorRate = 0;
  const second = await ws.byot(args);
  assert.match(second.err, /resuming run/);
  // the batches whose retries ran out during the outage were left unsettled, not failed: the same
  // command settles them and finishes the load
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /All 1,000 records loaded/);
  const ledger = Ledger.open(ws.statePath);
  try {
    assert.deepEqual(ledger.listFailures({ limit: 10_000 }), []);
    ws.assertExact("ssn");
  } finally {
    ledger.close();
  }
});

for (const duplicateStatus of [400, 409] as const) {
  Deno.test(`byot load after an outage that applied some requests finishes exactly with exit 0 (duplicates ${duplicateStatus})`, async () => {
    // apply-then-drop for every request: the vault stores the batches but no answer arrives
    await using ws = await workspace({
      count: 1000,
      columns: ["ssn"],
      simulator: { dropRate: 1, duplicateStatus },
    });
    // a fixed 4 in flight: with the adaptive limit (cut by the dropped connections) the outage at the
    // 40th request could leave no applied batch unsettled for the re-run to find (3 runs of 8)
    const args = [
      "load",
      "--config",
      ws.configPath,
      "--state",
      ws.statePath,
      "--max-attempts",
      "2",
      "--concurrency",
      "4",
    ];
    ws.sim.options.errorRate = 0;
    const stalls = () => {
      // the read-backs of the dropped answers fail too: a whole outage
      ws.sim.options.errorRate = 1;
      ws.sim.options.dropRate = 0;
    };
    let sent = 0;
    const first = await ws.byot(args, {
      deps: {
        fetch: async (input, init) => {
          if (++sent === 40) stalls();
          return await globalThis.fetch(input, init);
        },
      },
    });
    assert.equal(first.code, 75, first.err);
    assert.ok(ws.sim.store.count("vault-ssn", "ssn") > 0, "some batches landed before the outage");

    ws.sim.options.errorRate = 0;
    const second = await ws.byot(args);
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /already present/);
    const ledger = Ledger.open(ws.statePath);
    try {
      assert.deepEqual(ledger.listFailures({ limit: 10_000 }), []);
      ws.assertExact("ssn");
    } finally {
      ledger.close();
    }
  });
}

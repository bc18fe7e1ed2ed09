import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { VAULTS, workspace } from "../../_fixtures/workspace.ts";

const COLUMNS = ["name", "ssn"];

Deno.test("byot load --shard i/8 for i = 0..7 side by side loads every record exactly once, each in one shard", async () => {
  const count = 1603; // not a multiple of 8: shards 0-2 get one row more
  await using ws = await workspace({ count, columns: COLUMNS });
  const runs = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      ws.byot([
        "load",
        "--config",
        ws.configPath,
        "--state",
        `${ws.dir}/state-${i}.db`,
        "--shard",
        `${i}/8`,
        "--json",
      ])),
  );
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 0, `shard ${i}: ${run.err}`);
    const perVault = Math.floor(count / 8) + (i < count % 8 ? 1 : 0);
    assert.equal(JSON.parse(run.out).totals.loaded, perVault * COLUMNS.length, `shard ${i}`);
    assert.match(run.err, new RegExp(`run r\\w+ for shard ${i}/8: checkpoints in`));
  }
  for (const column of COLUMNS) ws.assertExact(column);
  assert.equal(ws.sim.stats.duplicateInserts, 0, "no two shards sent the same record");

  for (let i = 0; i < 8; i++) {
    const ledger = Ledger.open(`${ws.dir}/state-${i}.db`);
    const [run] = ledger.listRuns();
    ledger.close();
    assert.deepEqual([run.shard, run.status], [`${i}/8`, "finished"]);
    assert.equal((run.settings as { shard?: string }).shard, `${i}/8`);
  }
});

Deno.test("byot load shards sharing one state file each get their own run and never resume another's", async () => {
  await using ws = await workspace({ count: 400, columns: ["id", "ssn"] });
  const ssn = { ...VAULTS.find((v) => v.column === "ssn")!, table: "ssn" };
  // An unfinished run of shard 0/2 (a crashed process): shard 1/2 must not pick it up.
  const crashed = Ledger.open(ws.statePath);
  crashed.createRun({ sourceKind: "csv", fingerprint: {}, settings: {}, vaults: [ssn], shard: "0/2" });
  crashed.close();
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath];
  const [one, unsharded] = await Promise.all([
    ws.byot([...args, "--vault", "ssn", "--shard", "1/2"]),
    ws.byot([...args, "--vault", "id"]),
  ]);
  assert.equal(one.code, 0, one.err);
  assert.equal(unsharded.code, 0, unsharded.err);
  assert.doesNotMatch(one.err, /resuming/);
  assert.doesNotMatch(unsharded.err, /resuming/);

  const ledger = Ledger.open(ws.statePath);
  try {
    const crashedRun = ledger.latestUnfinishedRun("csv", "0/2");
    assert.equal(crashedRun?.status, "running", "the crashed shard's run is untouched");
    assert.equal(ledger.latestUnfinishedRun("csv", "1/2"), undefined);
    assert.equal(ledger.latestUnfinishedRun("csv", null), undefined);
    assert.deepEqual(ledger.listRuns().map((r) => r.shard ?? "-").sort(), ["-", "0/2", "1/2"]);
  } finally {
    ledger.close();
  }
  ws.assertExact("id");
  ws.assertExact("ssn", { except: new Set(Array.from({ length: 200 }, (_, i) => 2 * i)) });

  const again = await ws.byot([...args, "--vault", "ssn", "--shard", "1/2", "--resume"]);
  assert.equal(again.code, 2);
  assert.match(again.err, /nothing to resume: .* has no unfinished csv run for shard 1\/2/);
});

Deno.test("byot load --shard auto takes the index from JOB_COMPLETION_INDEX and the count from BYOT_SHARD_COUNT", async () => {
  await using ws = await workspace({ count: 300, columns: ["id"] });
  const run = await ws.load(["--shard", "auto"], {
    env: { JOB_COMPLETION_INDEX: "1", BYOT_SHARD_COUNT: "3" },
  });
  assert.equal(run.code, 0, run.err);
  const others = new Set(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 !== 1));
  ws.assertExact("id", { except: others });
  const status = await ws.byot(["status", "--state", ws.statePath, "--json"]);
  assert.equal(JSON.parse(status.out).run.shard, "1/3");
  const text = await ws.byot(["status", "--state", ws.statePath]);
  assert.match(text.out, /\(csv, shard 1\/3\)/);
});

Deno.test("byot load refuses a 1-based shard number with a hint and exit code 2", async () => {
  await using ws = await workspace({ count: 10, columns: ["id"] });
  const run = await ws.load(["--shard", "4/4"]);
  assert.equal(run.code, 2);
  assert.match(run.err, /--shard "4\/4": the shard index must be from 0 to 3 .*the last of 4 is 3\/4/);
  assert.equal(ws.sim.stats.requests.insert ?? 0, 0);
});

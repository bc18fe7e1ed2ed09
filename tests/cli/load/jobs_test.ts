import assert from "node:assert/strict";
import { assertKilled, runByot, spawnByot } from "../../recovery/_child.ts";
import { workspace } from "../../_fixtures/workspace.ts";
import { Ledger } from "../../../src/ledger/mod.ts";

Deno.test("two per-vault processes in parallel in one directory share the default ledger and both load exactly", async () => {
  await using ws = await workspace({ count: 3000, columns: ["name", "ssn"], simulator: { latencyMs: 5 } });
  const load = (vault: string) =>
    runByot(["load", "--config", ws.configPath, "-vault", vault, "--concurrency", "2"], { cwd: ws.dir });
  const [name, ssn] = await Promise.all([load("name"), load("ssn")]);
  assert.equal(name.code, 0, name.err);
  assert.equal(ssn.code, 0, ssn.err);
  ws.assertExact("name");
  ws.assertExact("ssn");
  const ledger = Ledger.open(`${ws.dir}/byot-state.db`);
  try {
    const runs = ledger.listRuns();
    assert.deepEqual(runs.map((r) => r.status), ["finished", "finished"]);
    assert.deepEqual(runs.map((r) => r.vaults.map((v) => v.name).join()).sort(), ["NAME", "SSN"]);
  } finally {
    ledger.close();
  }
  const status = await ws.byot(["status", "--state", `${ws.dir}/byot-state.db`]);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /^Jobs in .*byot-state\.db: 2$/m);
  assert.match(status.out, /^ *csv NAME +r\w+ +finished .* 3,000 +1$/m);
  assert.match(status.out, /^ *csv SSN +r\w+ +finished .* 3,000 +1$/m);
  const json = await ws.byot(["status", "--state", `${ws.dir}/byot-state.db`, "--json"]);
  assert.deepEqual(
    JSON.parse(json.out).jobs.map((j: { label: string; loaded: number }) => [j.label, j.loaded]).sort(),
    [["csv NAME", 3000], ["csv SSN", 3000]],
  );
});

Deno.test("byot load --wait waits for the process holding its job's run instead of exiting 2", async () => {
  await using ws = await workspace({ count: 1500, columns: ["ssn"], simulator: { latencyMs: 40 } });
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, "--concurrency", "1", "--upsert"];
  const first = spawnByot(args);
  assert.ok(await first.waitFor(/checkpoints in/), "the first load started");
  const second = await ws.byot([...args, "--wait"]);
  const firstEnd = await first.done;
  assert.equal(firstEnd.code, 0, firstEnd.err);
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /--wait: run r\w+ is held by process \d+ on host .*; waiting/);
  const ledger = Ledger.open(ws.statePath);
  try {
    const runs = ledger.listRuns().sort((a, b) => a.createdAt - b.createdAt);
    assert.equal(runs.length, 2, "the waiting load started its own run once the first one finished");
    assert.ok(runs[1].createdAt >= runs[0].finishedAt!);
  } finally {
    ledger.close();
  }
  ws.assertExact("ssn");
});

Deno.test("an interrupted NAME job does not block an SSN job, and resumes afterwards", async () => {
  await using ws = await workspace({ count: 2000, columns: ["name", "ssn"], simulator: { latencyMs: 20 } });
  const args = (
    vault: string,
  ) => ["load", "--config", ws.configPath, "--state", ws.statePath, "--vault", vault];
  const crashed = await runByot(args("name"), { env: { BYOT_CRASH_AT: "after-commit:2" } });
  assertKilled(crashed, "the NAME load");

  const ssn = await ws.byot(args("ssn"));
  assert.equal(ssn.code, 0, ssn.err);
  assert.doesNotMatch(ssn.err, /resuming/);
  assert.match(ssn.err, /also holds 1 unfinished run of other jobs: r\w+ \(csv NAME, running\)/);
  ws.assertExact("ssn");

  const name = await ws.byot(args("name"));
  assert.equal(name.code, 0, name.err);
  assert.match(name.err, /resuming run/);
  ws.assertExact("name");
});

Deno.test("twin loads started at the same moment never load two runs at once and never exit 1 or 3", async () => {
  for (let round = 0; round < 20; round++) {
    await using ws = await workspace({ count: 400, columns: ["ssn"], simulator: { latencyMs: 100 } });
    // --upsert: a twin that starts only after the other finished reloads the job without 409s
    const args = ["load", "--config", ws.configPath, "--concurrency", "1", "--upsert"];
    const twins = await Promise.all([0, 1].map(() => runByot(args, { cwd: ws.dir })));
    for (const twin of twins) assert.ok(twin.code === 0 || twin.code === 2, `exit ${twin.code}: ${twin.err}`);
    assert.ok(twins.some((t) => t.code === 0), "one of the twins loaded");
    for (const twin of twins.filter((t) => t.code === 2)) {
      assert.match(twin.err, /is being loaded right now by process \d+ on host /);
    }
    const ledger = Ledger.open(`${ws.dir}/byot-state.db`);
    try {
      const runs = ledger.listRuns().sort((a, b) => a.createdAt - b.createdAt);
      assert.ok(runs.every((r) => r.status === "finished"), JSON.stringify(runs.map((r) => r.status)));
      for (let i = 1; i < runs.length; i++) {
        assert.ok(
          runs[i].createdAt >= runs[i - 1].finishedAt!,
          "a second run began after the first one ended",
        );
      }
    } finally {
      ledger.close();
    }
    const stored = ws.sim.store.pairs("vault-ssn", "ssn", "ssn");
    assert.equal(stored.size, 400);
  }
});

Deno.test("a resume accepts a touched file and a byte-identical copy of it", async () => {
  await using ws = await workspace({ count: 3000, columns: ["ssn"], simulator: { latencyMs: 20 } });
  const crashed = await runByot(["load", "--config", ws.configPath, "--state", ws.statePath], {
    env: { BYOT_CRASH_AT: "after-commit:2" },
  });
  assertKilled(crashed, "the first load");
  const data = `${ws.dataDir}/ssn_data.csv`;
  const tokens = `${ws.dataDir}/ssn_tokens.csv`;
  await Deno.utime(data, new Date(), new Date(Date.now() + 60_000)); // touch
  await Deno.copyFile(tokens, `${ws.dir}/copy.csv`); // re-downloaded: same bytes, new file
  await Deno.remove(tokens);
  await Deno.rename(`${ws.dir}/copy.csv`, tokens);
  await Deno.utime(tokens, new Date(), new Date(Date.now() + 120_000));

  const resumed = await ws.load();
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming run/);
  ws.assertExact("ssn");
});

Deno.test("a resume refuses a same-size re-export with the rows in another order, even with its mtime restored", async () => {
  await using ws = await workspace({ count: 10000, columns: ["ssn"], simulator: { latencyMs: 20 } });
  const data = `${ws.dataDir}/ssn_data.csv`;
  const tokens = `${ws.dataDir}/ssn_tokens.csv`;
  const crashed = await runByot(["load", "--config", ws.configPath, "--state", ws.statePath], {
    env: { BYOT_CRASH_AT: "after-send:150" },
  });
  // killed after 150 answers (7,500 rows at batch size 50): the settled part reaches well past the
  // first 64 KiB of both files (about 3,850 data rows, 1,770 token rows)
  assertKilled(crashed, "the first load");

  // Re-export both files with every row after the first 64 KiB in reverse order: same size, same
  // head, same pairs, restored mtimes. Batches the run sent now hold other rows.
  const before = { data: await Deno.stat(data), tokens: await Deno.stat(tokens) };
  for (const path of [data, tokens]) {
    const lines = (await Deno.readTextFile(path)).split("\n");
    const last = lines.pop()!; // "" after the final newline
    let bytes = 0;
    let keep = 0;
    while (bytes < 64 * 1024) bytes += lines[keep++].length + 1;
    const reordered = [...lines.slice(0, keep), ...lines.slice(keep).reverse(), last].join("\n");
    await Deno.writeTextFile(path, reordered);
  }
  await Deno.utime(data, before.data.atime!, before.data.mtime!);
  await Deno.utime(tokens, before.tokens.atime!, before.tokens.mtime!);
  assert.equal((await Deno.stat(data)).size, before.data.size);

  await new Promise((resolve) => setTimeout(resolve, 300)); // requests the killed load had in flight settle
  const stored = ws.sim.store.pairs("vault-ssn", "ssn", "ssn").size;
  assert.ok(stored > 0 && stored < 10000, `part of the file was loaded (${stored})`);
  const inserts = ws.sim.stats.requests.insert;

  const refused = await ws.load();
  assert.equal(refused.code, 2, refused.err);
  assert.match(
    refused.err,
    /^error: cannot resume run r\w+: .*ssn_data\.csv \+ .*ssn_tokens\.csv no longer holds/m,
  );
  assert.equal(ws.sim.store.pairs("vault-ssn", "ssn", "ssn").size, stored, "nothing was stored");
  assert.equal(ws.sim.stats.requests.insert, inserts, "nothing was sent");
});

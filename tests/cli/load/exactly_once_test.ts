/**
 * Exactly once at the vault, whatever happened before: re-runs with a fresh ledger, half-loaded
 * vaults, twin processes, a ledger rolled back by a power loss, proxies whose 2xx proves nothing,
 * duplicates answered 400 or 409, real conflicts, and a read-back the vault refuses. Every test ends
 * with an exact set check of the simulator's contents.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Ledger } from "../../../src/ledger/mod.ts";
import { generatedPair } from "../../../src/sources/generator.ts";
import { startProxy } from "../../vault/_helpers.ts";
import { rejectedPositions, workspace } from "../../_fixtures/workspace.ts";

const DUPLICATE_STATUSES = [400, 409] as const;

/** The counters of `load --json` for the whole run. */
function totals(
  out: string,
): { loaded: number; alreadyPresent: number; failed: number; unverifiedAnswers: number } {
  return JSON.parse(out.trim().split("\n").at(-1)!).totals;
}

function dataRequests(sim: { stats: { requests: Record<string, number> } }): number {
  const r = sim.stats.requests;
  return (r.insert ?? 0) + (r.batch ?? 0) + (r.detokenize ?? 0) + (r.get ?? 0);
}

for (const duplicateStatus of DUPLICATE_STATUSES) {
  Deno.test(`byot load run twice with a fresh ledger ends with exit 0, everything already present, one insert and one read-back per batch (duplicates ${duplicateStatus})`, async () => {
    await using ws = await workspace({ count: 2000, columns: ["name"], simulator: { duplicateStatus } });
    // --no-preflight: the request counts are the load's own (the preflight reads twice per vault)
    const first = await ws.load(["--batch-size", "25", "--json", "--no-preflight"]);
    assert.equal(first.code, 0, first.err);
    const firstRequests = dataRequests(ws.sim);
    assert.equal(firstRequests, 80);

    const again = await ws.byot([
      "load",
      "--config",
      ws.configPath,
      "--state",
      `${ws.dir}/fresh.db`,
      "--batch-size",
      "25",
      "--json",
      "--no-preflight",
    ]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /All 2,000 records loaded, 2,000 of them already present/);
    const t = totals(again.out);
    assert.equal(t.loaded, 2000);
    assert.equal(t.alreadyPresent, 2000);
    assert.equal(t.failed, 0);
    // 80 batches of 25: one rejected insert and one read-back each, no bisection
    assert.equal(ws.sim.stats.requests.insert, 80 + 80);
    assert.equal(ws.sim.stats.requests.detokenize, 80);
    assert.equal(ws.sim.stats.requests.batch ?? 0, 0);
    ws.assertExact("name");

    const ledger = Ledger.open(`${ws.dir}/fresh.db`);
    try {
      const run = ledger.listRuns()[0];
      assert.equal(ledger.runSummary(run.id)[0].alreadyPresent, 2000, "the ledger keeps it per batch");
    } finally {
      ledger.close();
    }
    const status = await ws.byot(["status", "--state", `${ws.dir}/fresh.db`]);
    assert.match(status.out, /Already present: 2,000/);
  });

  Deno.test(`byot load of a half-loaded vault with a fresh ledger loads the rest within the request budget (duplicates ${duplicateStatus})`, async () => {
    await using ws = await workspace({ count: 2000, columns: ["name"], simulator: { duplicateStatus } });
    const half = await ws.load(["--batch-size", "25", "--max-records", "1000", "--no-preflight"]);
    assert.equal(half.code, 0, half.err);
    const before = dataRequests(ws.sim);
    const rest = await ws.byot([
      "load",
      "--config",
      ws.configPath,
      "--state",
      `${ws.dir}/fresh.db`,
      "--batch-size",
      "25",
      "--json",
      "--no-preflight",
    ]);
    assert.equal(rest.code, 0, rest.err);
    const t = totals(rest.out);
    assert.equal(t.loaded, 2000);
    assert.equal(t.alreadyPresent, 1000);
    // 40 present batches: insert + read-back; 40 absent batches: one insert
    assert.ok(dataRequests(ws.sim) - before <= 40 * 2 + 40, `${dataRequests(ws.sim) - before} requests`);
    ws.assertExact("name");
  });

  Deno.test(`two twin byot loads of the same data at once both end with exit 0 and store every pair once (duplicates ${duplicateStatus})`, async () => {
    await using ws = await workspace({
      count: 2000,
      columns: ["name"],
      simulator: { duplicateStatus, latencyMs: 2 },
    });
    const twin = (state: string) =>
      ws.byot([
        "load",
        "--config",
        ws.configPath,
        "--state",
        `${ws.dir}/${state}`,
        "--batch-size",
        "25",
        "--json",
      ]);
    const [a, b] = await Promise.all([twin("a.db"), twin("b.db")]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const present = totals(a.out).alreadyPresent + totals(b.out).alreadyPresent;
    assert.ok(present >= 2000, `each record was stored once and found present by the other twin: ${present}`);
    assert.equal(totals(a.out).failed + totals(b.out).failed, 0);
    ws.assertExact("name");
  });

  Deno.test(`byot load with duplicates as ${duplicateStatus} and applied-then-dropped requests ends exact with exit 0`, async () => {
    await using ws = await workspace({
      count: 3000,
      columns: ["name"],
      simulator: { duplicateStatus, dropRate: 0.05, seed: 3 },
    });
    const run = await ws.load(["--batch-size", "25", "--json"]);
    assert.equal(run.code, 0, run.err);
    assert.ok(ws.sim.stats.dropped > 0);
    assert.equal(totals(run.out).failed, 0);
    ws.assertExact("name");
  });
}

Deno.test("byot load resumed from a ledger rolled back by a power loss ends exact with exit 0 and no false failure", async () => {
  await using ws = await workspace({ count: 3000, columns: ["name"], simulator: { latencyMs: 5 } });
  const copy = `${ws.dir}/mid-run.db`;
  let copied = false;
  const watcher = (async () => {
    // a snapshot of the ledger's committed state taken mid-run (once 10 batches are settled): what a
    // power loss leaves when the last group commits (synchronous=NORMAL) roll back
    while (!copied) {
      await new Promise((r) => setTimeout(r, 5));
      try {
        const db = new DatabaseSync(ws.statePath, { readOnly: true });
        try {
          const row = db.prepare("SELECT coalesce(sum(batches), 0) AS n FROM settled").get() as { n: number };
          if (row.n >= 10) {
            db.exec(`VACUUM INTO '${copy}'`);
            copied = true;
          }
        } finally {
          db.close();
        }
      } catch {
        // not created yet
      }
    }
  })();
  const first = await ws.load(["--batch-size", "25"]);
  assert.equal(first.code, 0, first.err);
  const snapshotTaken = copied;
  copied = true;
  await watcher;
  assert.ok(snapshotTaken, "a mid-run snapshot of the ledger was taken");
  ws.assertExact("name");

  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(`${ws.statePath}${suffix}`).catch(() => {});
  await Deno.copyFile(copy, ws.statePath);
  const inserts = ws.sim.stats.requests.insert;
  const again = await ws.load(["--batch-size", "25", "--json"]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /resuming run/);
  const t = totals(again.out);
  assert.equal(t.failed, 0, "no false failure");
  assert.ok(t.alreadyPresent > 0, "the batches the rolled-back ledger forgot were found present");
  assert.ok(ws.sim.stats.requests.insert - inserts <= 120, "at most one insert per batch");
  ws.assertExact("name");
});

Deno.test("byot load behind a proxy whose 200 proves nothing (HTML, {}, a short list) settles by read-back and ends exact", async () => {
  await using ws = await workspace({ count: 1000, columns: ["name"] });
  let inserts = 0;
  const shortened: number[] = [];
  const proxy = await startProxy(ws.sim.url, (n, body) => {
    const records = (body as { records?: { skyflow_id?: string }[] }).records;
    // only Insert answers (records with a skyflow_id), not read-backs
    if (!shortened.includes(n) || !Array.isArray(records) || !records[0]?.skyflow_id) return undefined;
    return { records: records.slice(0, 1) };
  }, (request) => {
    const body = request as { records?: unknown[]; continueOnError?: boolean } | undefined;
    if (!body?.records) return undefined;
    inserts++;
    if (inserts % 7 === 1) {
      return new Response("<html><body>OK</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      });
    }
    if (inserts % 7 === 3) return Response.json({}, { status: 200 });
    return undefined;
  });
  try {
    // every 7th forwarded insert answers a one-record list for a whole batch (it was applied)
    for (let n = 5; n < 400; n += 7) shortened.push(n);
    const run = await ws.load(["--vault-url", proxy.url, "--batch-size", "25", "--json"]);
    assert.equal(run.code, 0, run.err);
    const t = totals(run.out);
    assert.ok(t.unverifiedAnswers >= 10, `${t.unverifiedAnswers} unverified answers counted`);
    assert.match(run.err, /2xx answers not accounting for their records/);
    assert.equal(t.failed, 0);
    ws.assertExact("name");
  } finally {
    await proxy.shutdown();
  }
});

Deno.test("byot load fails a token that already holds another value with a clear message while its batch neighbours load", async () => {
  await using ws = await workspace({ count: 200, columns: ["name"] });
  const victim = generatedPair("name", 57, { seed: 1, rejectEvery: 0 });
  ws.sim.store.insert("vault-name", "name", { name: "SOMEONE ELSE" }, { name: victim.token });
  const run = await ws.load(["--batch-size", "25"]);
  assert.equal(run.code, 3, run.err);
  const ledger = Ledger.open(ws.statePath);
  try {
    const failures = ledger.listFailures({ limit: 100 });
    assert.deepEqual(failures.map((f) => f.position), [57]);
    assert.match(failures[0].message, /already holds a different value/);
  } finally {
    ledger.close();
  }
  const stored = ws.sim.store.pairs("vault-name", "name", "name");
  assert.equal(stored.get("SOMEONE ELSE"), victim.token);
  assert.equal(stored.size, 200);
  for (let i = 0; i < 200; i++) {
    if (i === 57) continue;
    const pair = generatedPair("name", i, { seed: 1, rejectEvery: 0 });
    assert.equal(stored.get(pair.value), pair.token, `record ${i}`);
  }
});

Deno.test("byot load with 0.2% rejected records keeps at least 90% of the clean throughput", async () => {
  const measure = async (rejectEvery: number) => {
    await using ws = await workspace({
      count: 5000,
      columns: ["name"],
      rejectEvery,
      simulator: { latencyMs: 2 },
    });
    const t0 = performance.now();
    const run = await ws.load(["--batch-size", "25", "--json", "--no-preflight"]);
    const ms = performance.now() - t0;
    const bad = rejectedPositions("name", 5000, rejectEvery);
    assert.equal(run.code, rejectEvery ? 3 : 0, run.err);
    assert.equal(totals(run.out).failed, bad.size);
    ws.assertExact("name", { except: bad });
    return { requests: dataRequests(ws.sim), ms };
  };
  const clean = await measure(0);
  const dirty = await measure(500);
  // 10 bad records in 200 batches: at most 10% more requests, no bisection
  assert.ok(dirty.requests <= clean.requests * 1.1, `${dirty.requests} requests vs ${clean.requests} clean`);
  // time is noisy on a shared machine: a loose bound only
  assert.ok(dirty.ms <= clean.ms * 2 + 500, `${Math.round(dirty.ms)} ms vs ${Math.round(clean.ms)} ms clean`);
});

Deno.test("byot load falls back to Get by value when detokenize is forbidden, and stops early with a clear message when reading is forbidden", async () => {
  await using ws = await workspace({ count: 500, columns: ["name"] });
  const first = await ws.load(["--batch-size", "25"]);
  assert.equal(first.code, 0, first.err);
  let refuseGet = false;
  const forbidden = () =>
    Response.json({ error: { http_code: 403, message: "Forbidden. Role may not read." } }, { status: 403 });
  const proxy = await startProxy(ws.sim.url, () => undefined, (request) => {
    const body = request as { detokenizationParameters?: unknown } | undefined;
    if (body?.detokenizationParameters) return forbidden();
    if (body === undefined && refuseGet) return forbidden();
    return undefined;
  });
  try {
    const fresh = (name: string, extra: string[] = []) =>
      ws.byot([
        "load",
        "--config",
        ws.configPath,
        "--state",
        `${ws.dir}/${name}`,
        "--vault-url",
        proxy.url,
        "--batch-size",
        "25",
        "--json",
        ...extra,
      ]);
    const viaGet = await fresh("get.db");
    assert.equal(viaGet.code, 0, viaGet.err);
    assert.equal(totals(viaGet.out).alreadyPresent, 500);
    assert.ok(ws.sim.stats.requests.get > 0);

    refuseGet = true;
    const inserts = ws.sim.stats.requests.insert;
    const refused = await fresh("refused.db");
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /refused to let byot read back/);
    assert.match(refused.err, /--upsert/);
    assert.doesNotMatch(refused.err, /may not insert/);
    assert.ok(ws.sim.stats.requests.insert - inserts <= 8, "stopped early");

    const upsert = await fresh("upsert.db", ["--upsert"]);
    assert.equal(upsert.code, 0, upsert.err);
    ws.assertExact("name");
  } finally {
    await proxy.shutdown();
  }
});

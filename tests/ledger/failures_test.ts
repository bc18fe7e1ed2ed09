import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import type { SourceItem } from "../../src/common/types.ts";
import { type FailureInput, Ledger } from "../../src/ledger/mod.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const VAULTS = [
  { name: "NAME", id: "vault-name", column: "name", table: "name" },
  { name: "ID", id: "vault-id", column: "id", table: "id" },
];

function failure(position: number, statusCode = 400, message = "Invalid value", batchSeq = 0): FailureInput {
  return {
    position,
    batchSeq,
    value: `PII-VALUE-${position}`,
    token: `PII-TOKEN-${position}`,
    statusCode,
    message,
    requestId: `req-${position}`,
    retryable: statusCode >= 500,
  };
}

function setup() {
  const dir = Deno.makeTempDirSync({ prefix: "byot-failures-" });
  const path = `${dir}/s.db`;
  const clock = new FakeClock(T0);
  let n = 0;
  const ledger = Ledger.open(path, { clock, random: () => (n += 0.25) }); // run a sorts before run b
  const input = { sourceKind: "csv", fingerprint: {}, settings: {}, vaults: VAULTS };
  const a = ledger.createRun(input);
  const b = ledger.createRun(input);
  ledger.recordFailures(a.id, "NAME", [
    failure(1),
    failure(7, 500, "Server error"),
    failure(3, 400, "Invalid value", 1),
  ]);
  ledger.recordFailures(a.id, "ID", [failure(2, 409, "Duplicate")]);
  ledger.recordFailures(b.id, "NAME", [failure(0, 0, "network: connection reset")]);
  const cleanup = () => {
    ledger.close();
    Deno.removeSync(dir, { recursive: true });
  };
  return { path, clock, ledger, a, b, cleanup };
}

Deno.test("listFailures() returns failures in run, vault and position order with every field", () => {
  const t = setup();
  const list = t.ledger.listFailures({ runId: t.a.id, vault: "NAME" });
  assert.deepEqual(list.map((f) => f.position), [1, 3, 7]);
  assert.deepEqual(list[0], {
    runId: t.a.id,
    vault: "NAME",
    position: 1,
    batchSeq: 0,
    value: "PII-VALUE-1",
    token: "PII-TOKEN-1",
    statusCode: 400,
    message: "Invalid value",
    requestId: "req-1",
    retryable: false,
    attempts: 1,
    firstSeen: T0,
    lastSeen: T0,
  });
  assert.deepEqual(t.ledger.listFailures({ statusCode: 500 }).map((f) => f.position), [7]);
  assert.equal(t.ledger.listFailures().length, 5);
  t.cleanup();
});

Deno.test("eachFailure() pages through every failure with keyset paging", () => {
  const t = setup();
  const all = [...t.ledger.eachFailure({}, 2)].map((f) =>
    `${f.runId === t.a.id ? "a" : "b"}/${f.vault}/${f.position}`
  );
  assert.deepEqual(all, ["a/ID/2", "a/NAME/1", "a/NAME/3", "a/NAME/7", "b/NAME/0"]);
  t.cleanup();
});

Deno.test("countFailures() breaks failures down by status and by run and vault", () => {
  const t = setup();
  assert.deepEqual(t.ledger.countFailures({ vault: "NAME" }), {
    total: 4,
    byStatus: [{ statusCode: 0, count: 1 }, { statusCode: 400, count: 2 }, { statusCode: 500, count: 1 }],
    byRunVault: [{ runId: t.a.id, vault: "NAME", count: 3 }, { runId: t.b.id, vault: "NAME", count: 1 }],
  });
  t.cleanup();
});

Deno.test("markResolved() hides resolved failures unless asked and counts only changes", async () => {
  const t = setup();
  await t.clock.tick(1000);
  assert.equal(t.ledger.markResolved(t.a.id, "NAME", [1, 3, 99]), 2);
  assert.equal(t.ledger.markResolved(t.a.id, "NAME", [1]), 0);
  assert.deepEqual(t.ledger.listFailures({ runId: t.a.id, vault: "NAME" }).map((f) => f.position), [7]);
  const resolved = t.ledger.listFailures({ runId: t.a.id, vault: "NAME", includeResolved: true });
  assert.equal(resolved[0].resolvedAt, T0 + 1000);
  t.cleanup();
});

Deno.test("recordFailures() on a stored failure adds attempts, keeps first_seen and unresolves it", async () => {
  const t = setup();
  t.ledger.markResolved(t.a.id, "NAME", [1]);
  await t.clock.tick(2000);
  t.ledger.recordFailures(t.a.id, "NAME", [{ ...failure(1, 429, "Too many requests"), attempts: 3 }]);
  const [f] = t.ledger.listFailures({ runId: t.a.id, vault: "NAME" });
  assert.deepEqual([f.position, f.attempts, f.statusCode, f.firstSeen, f.lastSeen, f.resolvedAt], [
    1,
    4,
    429,
    T0,
    T0 + 2000,
    undefined,
  ]);
  t.cleanup();
});

Deno.test("failureGroups() groups failures per batch and per status and message", async () => {
  const t = setup();
  await t.clock.tick(500);
  t.ledger.recordFailures(t.a.id, "NAME", [failure(2), failure(4, 400, "Invalid value", 1)]);
  const groups = [...t.ledger.failureGroups({ runId: t.a.id, vault: "NAME" })];
  assert.deepEqual(groups, [
    {
      runId: t.a.id,
      batchNumber: 0,
      statusCode: 400,
      error: "Invalid value",
      timestamp: T0 + 500,
      records: [{ value: "PII-VALUE-1", token: "PII-TOKEN-1" }, {
        value: "PII-VALUE-2",
        token: "PII-TOKEN-2",
      }],
    },
    {
      runId: t.a.id,
      batchNumber: 0,
      statusCode: 500,
      error: "Server error",
      timestamp: T0,
      records: [{ value: "PII-VALUE-7", token: "PII-TOKEN-7" }],
    },
    {
      runId: t.a.id,
      batchNumber: 1,
      statusCode: 400,
      error: "Invalid value",
      timestamp: T0 + 500,
      records: [{ value: "PII-VALUE-3", token: "PII-TOKEN-3" }, {
        value: "PII-VALUE-4",
        token: "PII-TOKEN-4",
      }],
    },
  ]);
  t.cleanup();
});

Deno.test("purgeFailures() removes values and tokens from the file and keeps the counts", () => {
  const t = setup();
  const bytes = () => {
    let all = "";
    for (const f of [t.path, `${t.path}-wal`]) {
      try {
        all += new TextDecoder("latin1").decode(Deno.readFileSync(f));
      } catch {
        // no WAL
      }
    }
    return all;
  };
  assert.ok(bytes().includes("PII-VALUE-7"));
  assert.equal(t.ledger.purgeFailures({ vault: "NAME" }), 4);
  const text = bytes();
  for (const p of [0, 1, 3, 7]) {
    assert.ok(!text.includes(`PII-VALUE-${p}`), `value ${p} still on disk`);
    assert.ok(!text.includes(`PII-TOKEN-${p}`), `token ${p} still on disk`);
  }
  assert.ok(text.includes("PII-VALUE-2"), "the ID vault was not purged");
  assert.deepEqual(t.ledger.listFailures({ vault: "NAME" }), []);
  const purged = t.ledger.listFailures({ vault: "NAME", includePurged: true });
  assert.equal(purged.length, 4);
  assert.deepEqual([purged[0].value, purged[0].token, purged[0].purgedAt], [null, null, T0]);
  assert.equal(t.ledger.integrityCheck(), "ok");
  t.cleanup();
});

Deno.test("failuresRetrySource() yields unresolved failures in position order and resumes from a cursor", async () => {
  const t = setup();
  t.ledger.recordFailures(t.a.id, "NAME", [failure(9), failure(12)]);
  t.ledger.markResolved(t.a.id, "NAME", [3]);
  const read = async (from?: { position: number }) => {
    const items: SourceItem[] = [];
    const source = t.ledger.failuresRetrySource({ runId: t.a.id, vault: "NAME", pageSize: 2 });
    for await (const chunk of source.read({ from })) items.push(...chunk);
    return items;
  };
  const all = await read();
  assert.deepEqual(all.map((i) => i.position), [1, 7, 9, 12]);
  assert.deepEqual(all[0], {
    position: 1,
    value: "PII-VALUE-1",
    token: "PII-TOKEN-1",
    cursor: { position: 1 },
  });
  assert.deepEqual((await read({ position: 7 })).map((i) => i.position), [7, 9, 12]);
  assert.deepEqual((await read({ position: 8 })).map((i) => i.position), [9, 12]);
  t.cleanup();
});

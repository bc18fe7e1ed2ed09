import assert from "node:assert/strict";
import {
  batchBody,
  batchBytes,
  detokenizeBody,
  insertBody,
  insertBytes,
  type PayloadTarget,
} from "../../src/vault/payload.ts";
import type { SourceRecord } from "../../src/common/types.ts";
import { VAULT, withSim } from "./_helpers.ts";

const target: PayloadTarget = { column: "name", table: "people", byotMode: "ENABLE_STRICT" };

const tricky: SourceRecord[] = [
  { position: 0, value: 'O"Brien \\ back', token: 'tok"1' },
  { position: 1, value: "Zoë 東京 😀 \u0000\n\t", token: "tök-2" },
  { position: 2, value: "</script>\u2028", token: "t3" },
];

Deno.test("insertBody() without upsert is the documented Insert shape", () => {
  const body = JSON.parse(insertBody(target, tricky.slice(0, 1), false));
  assert.deepEqual(body, {
    records: [{ fields: { name: 'O"Brien \\ back' }, tokens: { name: 'tok"1' } }],
    tokenization: true,
    byot: "ENABLE_STRICT",
  });
});

Deno.test("insertBody() with upsert names the column to upsert on", () => {
  const body = JSON.parse(insertBody(target, tricky.slice(1, 2), true));
  assert.equal(body.upsert, "name");
  assert.equal(body.byot, "ENABLE_STRICT");
  assert.equal(body.tokenization, true);
});

Deno.test("insertBody() round-trips quotes, backslashes, control and non-BMP characters", () => {
  const body = JSON.parse(insertBody(target, tricky, false));
  assert.deepEqual(
    body.records.map((
      r: { fields: { name: string }; tokens: { name: string } },
    ) => [r.fields.name, r.tokens.name]),
    tricky.map((r) => [r.value, r.token]),
  );
});

Deno.test("insertBody() escapes a column name that needs escaping", () => {
  const body = JSON.parse(insertBody({ ...target, column: 'we"ird' }, tricky.slice(2), true));
  assert.deepEqual(body.records[0].fields, { 'we"ird': "</script>\u2028" });
  assert.equal(body.upsert, 'we"ird');
});

Deno.test("batchBody() is one POST operation per record with continueOnError", () => {
  const body = JSON.parse(batchBody(target, tricky, false));
  assert.equal(body.continueOnError, true);
  assert.equal(body.byot, "ENABLE_STRICT");
  assert.equal(body.records.length, 3);
  assert.deepEqual(body.records[0], {
    method: "POST",
    tableName: "people",
    tokenization: true,
    fields: { name: 'O"Brien \\ back' },
    tokens: { name: 'tok"1' },
  });
  assert.deepEqual(body.records[1].fields, { name: tricky[1].value });
  assert.deepEqual(body.records[2].tokens, { name: "t3" });
});

Deno.test("batchBody() with upsert puts upsert on every operation", () => {
  const body = JSON.parse(batchBody(target, tricky, true));
  for (const record of body.records) assert.equal(record.upsert, "name");
  assert.equal(body.upsert, undefined);
});

Deno.test("detokenizeBody() asks for plain text of every token in order", () => {
  const body = JSON.parse(detokenizeBody(["a", 'b"', "ç"]));
  assert.deepEqual(body.detokenizationParameters, [
    { token: "a", redaction: "PLAIN_TEXT" },
    { token: 'b"', redaction: "PLAIN_TEXT" },
    { token: "ç", redaction: "PLAIN_TEXT" },
  ]);
  assert.equal(body.continueOnError, true);
});

Deno.test("insertBody() values with quotes and unicode are stored verbatim by the simulator", () =>
  withSim({}, async (sim) => {
    const res = await fetch(`${sim.url}/v1/vaults/${VAULT.id}/${VAULT.table}`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: insertBody(
        { column: VAULT.column, table: VAULT.table, byotMode: "ENABLE_STRICT" },
        tricky,
        false,
      ),
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const pairs = sim.store.pairs(VAULT.id, VAULT.table, VAULT.column);
    for (const r of tricky) assert.equal(pairs.get(r.value), r.token);
  }));

Deno.test("insertBytes() and batchBytes() are exactly JSON.stringify's UTF-8, for plain and escaped batches alike", () => {
  const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const text = (plain: boolean) =>
    String.fromCharCode(
      ...Array.from({ length: Math.floor(next() * 30) }, () => {
        const r = next();
        if (plain || r < 0.8) return r < 0.9 || plain && r < 0.95 ? 0x20 + Math.floor(next() * 95) : 0xe9;
        return [0x22, 0x5c, 0x0a, 0x00, 0xd83d, 0xdc00, 0x2028][Math.floor(next() * 7)];
      }).filter((c) => !plain || (c !== 0x22 && c !== 0x5c)),
    );
  const targets: PayloadTarget[] = [target, { column: 'na"me', table: "t\\1", byotMode: "ENABLE" }];
  for (const plain of [true, false]) {
    for (const count of [0, 1, 2, 300]) {
      const records = Array.from(
        { length: count },
        (_, i) => ({ position: i, value: text(plain), token: text(plain) }),
      );
      for (const t of targets) {
        for (const upsert of [false, true]) {
          const upsertPart = upsert ? { upsert: t.column } : {};
          // unknown (checked), or known: plain records may be told so, any records may be escaped
          const told: (boolean | undefined)[] = plain ? [undefined, true, false] : [undefined, false];
          for (const jsonSafe of told) {
            assert.deepEqual(
              insertBytes(t, records, upsert, jsonSafe),
              encode({
                records: records.map((r) => ({
                  fields: { [t.column]: r.value },
                  tokens: { [t.column]: r.token },
                })),
                tokenization: true,
                byot: t.byotMode,
                ...upsertPart,
              }),
            );
            assert.deepEqual(
              batchBytes(t, records, upsert, jsonSafe),
              encode({
                records: records.map((r) => ({
                  method: "POST",
                  tableName: t.table,
                  tokenization: true,
                  fields: { [t.column]: r.value },
                  tokens: { [t.column]: r.token },
                  ...upsertPart,
                })),
                continueOnError: true,
                byot: t.byotMode,
              }),
            );
          }
        }
      }
    }
  }
});

Deno.test("insertBytes() and batchBytes() told whether the records are jsonSafe give the same bytes as the checked path", () => {
  const records = Array.from({ length: 300 }, (_, i) => ({
    position: i,
    value: `PATRICIA GARCIA ${String(i).padStart(8, "0")}`,
    token: crypto.randomUUID(),
  }));
  for (const count of [0, 1, 300]) {
    const some = records.slice(0, count);
    for (const upsert of [false, true]) {
      for (const jsonSafe of [true, false]) {
        assert.deepEqual(insertBytes(target, some, upsert, jsonSafe), insertBytes(target, some, upsert));
        assert.deepEqual(batchBytes(target, some, upsert, jsonSafe), batchBytes(target, some, upsert));
      }
    }
  }
});

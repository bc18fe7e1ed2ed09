import assert from "node:assert/strict";
import { captureIo } from "../../_fixtures/io.ts";
import { simulateCommand } from "../../../src/cli/simulate.ts";
import { parseSchema, type Simulator, type SimulatorSchema } from "../../../src/vault/simulator/mod.ts";
import { withSim } from "../_helpers.ts";

const AUTH = { authorization: "Bearer test-token", "content-type": "application/json" };

const SCHEMA: SimulatorSchema = {
  vaults: {
    v1: { tables: { persons: { columns: { name: { unique: true }, city: {} } } } },
  },
};

async function call(sim: Simulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: AUTH,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const insert = (sim: Simulator, table: string, fields: Record<string, string>, extra: object = {}) =>
  call(sim, "POST", `/v1/vaults/v1/${table}`, { records: [{ fields }], ...extra });

Deno.test("with a schema, an insert into a table the vault lacks answers 400 naming the table, as the real API", () =>
  withSim({ schema: SCHEMA }, async (sim) => {
    const res = await insert(sim, "person", { name: "MARY" });
    assert.equal(res.status, 400);
    assert.equal(
      res.body.error.message,
      "Insert failed. Table name person is invalid. Specify a valid table name.",
    );
    assert.equal(sim.store.size, 0);
  }));

Deno.test("with a schema, a field the table lacks answers 400 naming the column", () =>
  withSim({ schema: SCHEMA }, async (sim) => {
    const res = await insert(sim, "persons", { nam: "MARY" });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.message, "Invalid field present in JSON nam");
    const batch = await call(sim, "POST", "/v1/vaults/v1", {
      continueOnError: true,
      records: [{ method: "POST", tableName: "nope", fields: { name: "A" } }],
    });
    // every record failed: the records' 4xx, still with responses[] (issue 12)
    assert.equal(batch.status, 400);
    assert.equal(batch.body.responses[0].Status, 400);
    assert.match(batch.body.responses[0].Body.error, /Table name nope is invalid/);
    assert.equal(sim.store.size, 0);
  }));

Deno.test("with a schema, a vault id it lacks answers 404 and only unique columns refuse duplicates", () =>
  withSim({ schema: SCHEMA, duplicateStatus: 409 }, async (sim) => {
    const other = await call(sim, "POST", "/v1/vaults/v2/persons", { records: [{ fields: { name: "A" } }] });
    assert.equal(other.status, 404);
    assert.equal((await insert(sim, "persons", { name: "A", city: "PARIS" })).status, 200);
    assert.equal(
      (await insert(sim, "persons", { name: "B", city: "PARIS" })).status,
      200,
      "city is not unique",
    );
    assert.equal((await insert(sim, "persons", { name: "A", city: "ROME" })).status, 409, "name is unique");
    const upsert = await insert(sim, "persons", { name: "C", city: "PARIS" }, { upsert: "city" });
    assert.equal(upsert.status, 400, "upsert needs a unique column");
    assert.equal(sim.store.count("v1", "persons"), 2);
  }));

Deno.test("with a schema, Get answers 400 for an unknown table or column and for column_name on a non-unique column", () =>
  withSim({ schema: SCHEMA }, async (sim) => {
    const table = await call(sim, "GET", "/v1/vaults/v1/person?column_name=name&column_values=x");
    assert.equal(table.status, 400);
    assert.match(table.body.error.message, /Table name person is invalid/);
    const column = await call(sim, "GET", "/v1/vaults/v1/persons?column_name=nam&column_values=x");
    assert.equal(column.status, 400);
    assert.match(column.body.error.message, /Column name nam is invalid/);
    const notUnique = await call(sim, "GET", "/v1/vaults/v1/persons?column_name=city&column_values=x");
    assert.equal(notUnique.status, 400);
    const fine = await call(sim, "GET", "/v1/vaults/v1/persons?column_name=name&column_values=x");
    assert.equal(fine.status, 404);
    assert.equal(fine.body.error.message, "No Records Found");
  }));

Deno.test("forbidRead refuses Get and Detokenize with 403 and still accepts inserts", () =>
  withSim({ forbidRead: true }, async (sim) => {
    assert.equal((await insert(sim, "name", { name: "MARY" })).status, 200);
    assert.equal(
      (await call(sim, "GET", "/v1/vaults/v1/name?column_name=name&column_values=MARY")).status,
      403,
    );
    const detok = await call(sim, "POST", "/v1/vaults/v1/detokenize", {
      detokenizationParameters: [{ token: "t1" }],
    });
    assert.equal(detok.status, 403);
  }));

Deno.test("parseSchema names the first malformed entry", () => {
  assert.throws(
    () => parseSchema({ vaults: { v1: { tables: { t: { columns: { c: { unique: "yes" } } } } } } }),
    /column c/,
  );
  assert.throws(() => parseSchema({}), /"vaults"/);
});

Deno.test("simulate --config serves only the configured vaults' tables and columns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const configPath = `${dir}/config.json`;
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({
        skyflow: {
          vaults: [{ name: "SSN", id: "vault-ssn", column: "ssn" }, {
            name: "X",
            id: "vx",
            column: "c",
            table: "t",
          }],
        },
      }),
    );
    const io = captureIo();
    const stop = new AbortController();
    const done = simulateCommand(io, { signal: stop.signal }).parseAsync(["--config", configPath], {
      from: "user",
    });
    while (!io.out.includes("\n")) await new Promise((r) => setTimeout(r, 5));
    const url = io.out.match(/listening on (\S+)/)![1];
    const post = (path: string, fields: object) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ records: [{ fields }] }),
      })
        .then(async (r) => ({ status: r.status, message: (await r.json()).error?.message }));
    assert.equal((await post("/v1/vaults/vault-ssn/ssn", { ssn: "1" })).status, 200);
    assert.equal((await post("/v1/vaults/vx/t", { c: "1" })).status, 200);
    assert.match(
      (await post("/v1/vaults/vault-ssn/ssns", { ssn: "2" })).message,
      /Table name ssns is invalid/,
    );
    assert.match((await post("/v1/vaults/vx/t", { d: "2" })).message, /Invalid field present in JSON d/);
    assert.equal((await post("/v1/vaults/other/ssn", { ssn: "3" })).status, 404);
    stop.abort();
    await done;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

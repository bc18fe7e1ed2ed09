import assert from "node:assert/strict";
import { VAULTS, workspace } from "../../_fixtures/workspace.ts";
import { schemaOf } from "../../../src/vault/simulator/mod.ts";

/** The schema of the workspace's configured vaults (table = column). */
const SCHEMA = schemaOf(VAULTS.map((v) => ({ id: v.id, table: v.column, column: v.column })));

function assertNothingInserted(
  ws: { sim: { stats: { requests: Record<string, number> }; store: { size: number } } },
) {
  assert.equal(ws.sim.stats.requests.insert, 0, "no insert request");
  assert.equal(ws.sim.stats.requests.batch, 0, "no batch request");
  assert.equal(ws.sim.store.size, 0, "nothing stored");
}

interface Config {
  skyflow: { vault_url: string; vaults: { table?: string }[] };
}

async function writeConfig(path: string, edit: (config: Config) => void): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(path));
  edit(config);
  await Deno.writeTextFile(path, JSON.stringify(config));
}

Deno.test("byot check passes a good setup with a ✓ per item and exits 0 without sending a record", async () => {
  await using ws = await workspace({ count: 300, columns: ["name", "ssn"], simulator: { schema: SCHEMA } });
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath, "--json"]);
  assert.equal(run.code, 0, run.err);
  assert.doesNotMatch(run.err, /✗/);
  assert.match(run.err, /✓ credentials: bearer token/);
  assert.match(run.err, /✓ vault URL http:\/\/127\.0\.0\.1:\d+: answering over plain HTTP/);
  assert.match(run.err, /✓ vault NAME: table name, column name: exist/);
  assert.match(run.err, /✓ vault SSN: read-back \(detokenize\) allowed/);
  assert.match(run.err, /✓ source of vault NAME: .*300 rows, headers and row counts match/);
  assert.match(run.err, /✓ ledger .*: writable, local disk/);
  assert.match(run.err, /✓ projected duration: /);
  const doc = JSON.parse(run.out);
  assert.equal(doc.ok, true);
  assert.equal(doc.exitCode, 0);
  assert.ok(doc.checks.every((c: { status: string }) => c.status === "ok"));
  assert.equal(doc.projection.records, 600);
  assertNothingInserted(ws);
});

Deno.test("byot check with a token the vault refuses shows ✗ with what to do and exits 2", async () => {
  await using ws = await workspace({
    count: 50,
    columns: ["ssn"],
    simulator: { schema: SCHEMA, bearerToken: "the-right-one" },
  });
  const secret = "wrong-TOKEN-0815";
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath], {
    env: { SKYFLOW_BEARER_TOKEN: secret },
  });
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ vault URL .*: the vault refused the credentials \(401/);
  assert.match(run.err, /→ supply a valid bearer token/);
  assert.ok(!run.err.includes(secret), "the token is never printed");
  assertNothingInserted(ws);
});

Deno.test("byot check names a table the vault lacks and exits 2", async () => {
  await using ws = await workspace({ count: 50, columns: ["name", "ssn"], simulator: { schema: SCHEMA } });
  await writeConfig(ws.configPath, (c) => c.skyflow.vaults[1].table = "ssns");
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath, "--json"]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✓ vault NAME: table name, column name: exist/);
  assert.match(
    run.err,
    /✗ vault SSN: the vault has no table ssns \(400: Get failed\. Table name ssns is invalid/,
  );
  assert.match(run.err, /→ fix "table"/);
  const doc = JSON.parse(run.out);
  assert.equal(doc.ok, false);
  assert.equal(doc.exitCode, 2);
  assert.equal(doc.checks.find((c: { id: string }) => c.id === "vault:SSN:table").status, "fail");
  assertNothingInserted(ws);
});

Deno.test("byot check names a column the vault's table lacks and exits 2", async () => {
  await using ws = await workspace({
    count: 50,
    columns: ["dob"],
    simulator: {
      schema: { vaults: { "vault-dob": { tables: { dob: { columns: { birth_date: { unique: true } } } } } } },
    },
  });
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ vault DOB: table dob has no column dob \(400: /);
  assert.match(run.err, /→ fix "column" of vault DOB/);
  assertNothingInserted(ws);
});

Deno.test("byot check of an https URL pointing at a plain-http port says so and exits 2", async () => {
  await using ws = await workspace({ count: 50, columns: ["ssn"], simulator: { schema: SCHEMA } });
  const https = ws.sim.url.replace("http:", "https:");
  await writeConfig(ws.configPath, (c) => c.skyflow.vault_url = https);
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ vault URL https:\/\/127\.0\.0\.1:\d+: TLS\/protocol mismatch/);
  assert.match(run.err, /→ the vault URL uses https:\/\/ but the server at that port does not speak TLS/);
  assertNothingInserted(ws);
});

Deno.test("byot check names both paired files when their row counts differ, before anything is sent", async () => {
  await using ws = await workspace({ count: 100, columns: ["name"], simulator: { schema: SCHEMA } });
  const tokens = `${ws.dataDir}/name_tokens.csv`;
  const text = await Deno.readTextFile(tokens);
  await Deno.writeTextFile(tokens, text.split("\n").slice(0, 61).join("\n") + "\n");
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ sources: .*name_data\.csv has 100 rows but .*name_tokens\.csv has 60/);
  assertNothingInserted(ws);
  assert.equal(ws.sim.stats.requests.insert, 0);

  const load = await ws.load();
  assert.equal(load.code, 2, load.err);
  assert.match(load.err, /name_data\.csv has 100 rows but .*name_tokens\.csv has 60/);
  assertNothingInserted(ws);
});

Deno.test("byot check warns when read-back is forbidden, names --upsert as the way out, and exits 0", async () => {
  await using ws = await workspace({
    count: 50,
    columns: ["ssn"],
    simulator: { schema: SCHEMA, forbidRead: true },
  });
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /! vault SSN: read-back \(detokenize\) refused \(403/);
  assert.match(run.err, /→ run the load with --upsert/);
  assert.doesNotMatch(run.err, /✗/);
  assertNothingInserted(ws);

  const upsert = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath, "--upsert"]);
  assert.equal(upsert.code, 0, upsert.err);
  assert.match(upsert.err, /--upsert settles unknown outcomes by re-sending instead/);
});

Deno.test("byot check exchanges service-account credentials and shows the token's expiry; a foreign key is ✗", async () => {
  const { privatePem, publicPem, rsaKeyPair } = await import("../../_fixtures/rsa.ts");
  const keys = await rsaKeyPair();
  const other = await rsaKeyPair();
  await using ws = await workspace({
    count: 20,
    columns: ["ssn"],
    simulator: {
      schema: SCHEMA,
      serviceAccountPublicKey: await publicPem(keys.publicKey),
      bearerToken: "unused",
    },
  });
  const credentials = async (key: CryptoKey) => {
    const path = `${ws.dir}/credentials.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        clientID: "c",
        clientName: "c",
        keyID: "k",
        tokenURI: `${ws.sim.url}/v1/auth/sa/oauth/token`,
        privateKey: await privatePem(key),
      }),
    );
    return path;
  };
  const args = ["check", "--config", ws.configPath, "--state", ws.statePath, "--credentials"];
  const good = await ws.byot([...args, await credentials(keys.privateKey)]);
  assert.equal(good.code, 0, good.err);
  assert.match(
    good.err,
    /✓ credentials: service-account credentials .*token issued, expires .* UTC \(in 60 min\)/,
  );
  assert.ok(!good.err.includes("eyJ"), "no token in the output");

  const bad = await ws.byot([...args, await credentials(other.privateKey)]);
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /✗ credentials: service-account credentials/);
  assertNothingInserted(ws);
});

Deno.test("byot check names a vault id the vault URL does not serve and a missing ledger directory, and exits 2", async () => {
  await using ws = await workspace({ count: 20, columns: ["ssn"], simulator: { schema: SCHEMA } });
  await writeConfig(ws.configPath, (c) => (c.skyflow.vaults[0] as { id?: string }).id = "vault-typo");
  const run = await ws.byot(["check", "--config", ws.configPath, "--state", `${ws.dir}/missing/state.db`]);
  assert.equal(run.code, 2, run.err);
  assert.match(run.err, /✗ vault URL .*: vault SSN \(id vault-typo\) not found \(404/);
  assert.match(run.err, /✗ ledger .*missing\/state\.db: its directory .*missing does not exist/);
  assertNothingInserted(ws);
});

Deno.test("byot check of an http URL pointing at a TLS port says so and exits 2", async () => {
  await using ws = await workspace({ count: 50, columns: ["ssn"], simulator: { schema: SCHEMA } });
  const pem = (name: string) => Deno.readTextFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url));
  const tlsServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: pem("cert.pem"), key: pem("key.pem"), onListen() {} },
    () => new Response("{}"),
  );
  try {
    await writeConfig(ws.configPath, (c) => c.skyflow.vault_url = `http://127.0.0.1:${tlsServer.addr.port}`);
    const run = await ws.byot(["check", "--config", ws.configPath, "--state", ws.statePath]);
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /✗ vault URL http:\/\/127\.0\.0\.1:\d+: TLS\/protocol mismatch/);
    assert.match(run.err, /→ the server at that port of the vault URL does not speak plain HTTP \(TLS\?\)/);
    assertNothingInserted(ws);
  } finally {
    await tlsServer.shutdown();
  }
});

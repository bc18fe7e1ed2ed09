import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { type Simulator, startSimulator } from "../../../src/vault/simulator/mod.ts";
import { privatePem, publicPem, rsaKeyPair } from "../../_fixtures/rsa.ts";

const root = new URL("../../../", import.meta.url);
const fixture = (name: string) => fromFileUrl(new URL(`tests/fixtures/tls/${name}`, root));
const decoder = new TextDecoder();

/** What `_sdk_client.ts` printed: the SDK's answers, loosely typed (the SDK's own shapes). */
// deno-lint-ignore no-explicit-any
type Loose = any;

/** Runs `_sdk_client.ts` (the official skyflow-node SDK) against `sim` and returns what it printed. */
async function runSdk(sim: Simulator, credentialsFile: string): Promise<Record<string, Loose>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "--allow-sys",
      fromFileUrl(new URL("_sdk_client.ts", import.meta.url)),
      credentialsFile,
      sim.url,
      "vault1",
    ],
    cwd: fromFileUrl(root),
    env: { NODE_EXTRA_CA_CERTS: fixture("ca.pem"), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(output.stdout);
  assert.equal(output.code, 0, decoder.decode(output.stderr));
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

Deno.test("the official Skyflow Node SDK gets a token, inserts, reads, detokenizes, updates and deletes against the simulator", async () => {
  const pair = await rsaKeyPair();
  const keys = { privateKey: await privatePem(pair.privateKey), publicKey: await publicPem(pair.publicKey) };
  const sim = await startSimulator({
    tls: {
      cert: await Deno.readTextFile(fixture("cert.pem")),
      key: await Deno.readTextFile(fixture("key.pem")),
    },
    bearerToken: crypto.randomUUID(), // only tokens the simulator issued (and this one) are accepted
    serviceAccountPublicKey: keys.publicKey,
    serviceAccountClientId: "client-1",
    serviceAccountKeyId: "key-1",
    vaultIds: ["vault1"],
  });
  const dir = await Deno.makeTempDir();
  try {
    const credentialsFile = `${dir}/credentials.json`;
    await Deno.writeTextFile(
      credentialsFile,
      JSON.stringify({
        clientID: "client-1",
        clientName: "sdk test",
        keyID: "key-1",
        tokenURI: `${sim.url}/v1/auth/sa/oauth/token`,
        privateKey: keys.privateKey,
      }),
    );
    const out = await runSdk(sim, credentialsFile);
    const [mary, john] = out.inserted as Record<string, string>[];

    assert.equal(out.exchanges, 1, "one bearer token from the credentials file");
    assert.equal(sim.stats.tokensIssued, 1);
    assert.equal(out.insert.ok?.records?.length, 2, JSON.stringify(out.insert));
    assert.deepEqual(out.getById.ok.records.map((r: Loose) => r.fields), [
      { id: mary.skyflow_id, name: "MARY SMITH", ssn: "123-45-6789" },
      { id: john.skyflow_id, name: "JOHN DOE", ssn: "987-65-4321" },
    ]);
    assert.deepEqual(out.getByColumn.ok.records.map((r: Loose) => r.fields), [
      { id: john.skyflow_id, name: "**** DOE", ssn: "*******4321" },
    ]);
    assert.deepEqual(out.getTokens.ok.records.map((r: Loose) => r.fields), [
      { id: mary.skyflow_id, name: mary.name, ssn: mary.ssn },
    ], "Get with tokens answers tokens in place of values");
    assert.deepEqual(out.detokenize.ok.records, [
      { token: mary.name, value: "MARY SMITH" },
      { token: john.ssn, value: "*REDACTED*" },
    ], "DEFAULT redaction is a redaction, not plain text");
    const updated = out.update.ok?.records?.[0];
    assert.equal(updated?.id, john.skyflow_id, JSON.stringify(out.update));
    assert.deepEqual(out.delete.ok, { records: [{ skyflow_id: mary.skyflow_id, deleted: true }] });
    assert.equal(out.getDeleted.error?.errors?.[0]?.error?.code, 404, JSON.stringify(out.getDeleted));

    // the vault holds exactly what the SDK left: JOHN, renamed, with the new name token
    const records = [...sim.store.records("vault1", "persons")];
    assert.deepEqual(records.map((r) => ({ fields: r.fields, tokens: r.tokens })), [{
      fields: { name: "JOHN Q DOE", ssn: "987-65-4321" },
      tokens: { name: updated.fields.name, ssn: john.ssn },
    }]);
    assert.notEqual(updated.fields.name, john.name, "a changed value gets a new token");
    assert.equal(sim.stats.requests.unknown, 0);
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { dryRun, maskPayload, PREVIEW_RECORDS } from "../../../src/cli/load/dry_run.ts";
import { maskValue } from "../../../src/cli/shared/redact.ts";
import type { SourceItem, VaultSource } from "../../../src/common/types.ts";
import { DEFAULTS, type LoadSettings } from "../../../src/config/settings.ts";
import { generatedPair } from "../../../src/sources/generator.ts";
import { type CliRun, type Workspace, workspace } from "../../_fixtures/workspace.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function assertNothingSent(ws: Workspace): void {
  assert.equal(ws.sim.stats.totalRequests, 0, ws.sim.stats.summary());
  for (const [endpoint, n] of Object.entries(ws.sim.stats.requests)) assert.equal(n, 0, endpoint);
}

function errorLines(run: CliRun): string[] {
  return run.err.split("\n").filter((l) => l.startsWith("error:"));
}

Deno.test("byot load --dry-run prints counts and the masked first payload, sends nothing and writes no state", async () => {
  await using ws = await workspace({ count: 120, columns: ["name", "ssn"] });
  const run = await ws.load([
    "--dry-run",
    "--json",
  ]);
  assert.equal(run.code, 0, run.err);
  assertNothingSent(ws);
  assert.equal(await exists(ws.statePath), false, "no state file");

  const json = JSON.parse(run.out);
  assert.equal(json.dryRun, true);
  assert.equal(json.exitCode, 0);
  assert.deepEqual(json.totals, { rows: 240, records: 240, batches: 6, skipped: 0 });
  const ssn = json.vaults.find((v: { name: string }) => v.name === "SSN");
  assert.deepEqual(
    { rows: ssn.rows, records: ssn.records, batches: ssn.batches, skipped: ssn.skipped },
    { rows: 120, records: 120, batches: 3, skipped: {} },
  );
  const first = ssn.firstPayload;
  assert.equal(first.method, "POST");
  assert.equal(first.url, `${ws.sim.url}/v1/vaults/vault-ssn/ssn`);
  assert.equal(first.records, 50);
  assert.equal(first.body.records.length, 50, "the JSON output holds the whole first body");
  assert.equal(first.body.byot, "ENABLE");
  assert.equal(first.body.tokenization, true);
  const pair0 = generatedPair("ssn", 0, { seed: 1 });
  assert.deepEqual(first.body.records[0], {
    fields: { ssn: maskValue(pair0.value) },
    tokens: { ssn: maskValue(pair0.token) },
  });

  assert.match(run.err, /Dry run: nothing is sent/);
  assert.match(run.err, /^SSN +ssn +120 +120 +3 +0$/m);
  assert.match(run.err, /^NAME +name +120 +120 +3 +0$/m);
  assert.match(run.err, /First request of SSN: POST http:\/\/\S+\/v1\/vaults\/vault-ssn\/ssn \(50 records/);
  assert.match(run.err, new RegExp(`… ${50 - PREVIEW_RECORDS} more records`));
  assert.match(run.err, /Effective settings \(secrets redacted\)/);
  assert.match(run.err, /Dry run OK: 240 records in 6 batches would be sent to 2 vaults; 0 rows skipped\./);
  for (const column of ["name", "ssn"]) {
    for (let i = 0; i < 50; i++) {
      const { value, token } = generatedPair(column, i, { seed: 1 });
      assert.ok(!run.err.includes(value) && !run.out.includes(value), `value ${column}[${i}] masked`);
      assert.ok(!run.err.includes(token) && !run.out.includes(token), `token ${column}[${i}] masked`);
    }
  }
});

Deno.test("byot load --dry-run counts skipped rows by reason and shows the Batch body with --continue-on-error", async () => {
  await using ws = await workspace({ count: 1, columns: ["id"] });
  await Deno.writeTextFile(`${ws.dir}/one.csv`, "value,token\nalpha,t-alpha\n,t-b\nc,\n,\ndelta,t-delta\n");
  const args = ["load", "--config", ws.configPath, "--state", ws.statePath, "--file", `${ws.dir}/one.csv`];
  const run = await ws.byot([...args, "--dry-run", "--json", "--continue-on-error", "--upsert"]);
  assert.equal(run.code, 0, run.err);
  assertNothingSent(ws);
  const vault = JSON.parse(run.out).vaults[0];
  assert.deepEqual(
    { rows: vault.rows, records: vault.records, batches: vault.batches, skipped: vault.skipped },
    { rows: 5, records: 2, batches: 1, skipped: { empty_value: 2, empty_token: 1 } },
  );
  assert.equal(vault.firstPayload.url, `${ws.sim.url}/v1/vaults/vault-id`);
  assert.equal(vault.firstPayload.body.continueOnError, true);
  assert.deepEqual(vault.firstPayload.body.records[1], {
    method: "POST",
    tableName: "id",
    tokenization: true,
    fields: { id: "•••••" },
    tokens: { id: "•••••" },
    upsert: "id",
  });
  assert.match(run.err, /Skipped rows of ID: 2 empty value, 1 empty token/);
  assert.ok(!run.err.includes("alpha") && !run.out.includes("alpha"));

  const real = await ws.byot([...args, "--json", "--continue-on-error"]);
  assert.equal(real.code, 0, "a real run of the same input exits with the same code");
});

Deno.test("byot load --dry-run never prints the bearer token or the Snowflake password", async () => {
  await using ws = await workspace({ count: 30, columns: ["dob"] });
  const config = JSON.parse(await Deno.readTextFile(ws.configPath));
  config.snowflake = { user: "loader", password: "sf-PASSWORD-0815", account: "acme" };
  await Deno.writeTextFile(ws.configPath, JSON.stringify(config));
  const token = "sekrit-TOKEN-4711";
  const run = await ws.byot(["load", "--config", ws.configPath, "--dry-run", "--json"], {
    env: { SKYFLOW_BEARER_TOKEN: token },
  });
  assert.equal(run.code, 0, run.err);
  for (const secret of [token, "sf-PASSWORD-0815"]) {
    assert.ok(!run.out.includes(secret) && !run.err.includes(secret), "no secret in the output");
  }
  const settings = JSON.parse(run.out).settings;
  assert.equal(settings.bearerToken, "***");
  assert.equal(settings.snowflake.password, "***");
  assert.equal(settings.snowflake.user, "loader");
  assert.equal(settings.batchSize, 50);
  assertNothingSent(ws);
});

Deno.test("byot load --dry-run fails with the same error line and exit code as a real run", async (t) => {
  await using ws = await workspace({ count: 120, columns: ["ssn"] });
  const base = ["load", "--config", ws.configPath, "--state", ws.statePath];
  const cases: [string, string[], () => Promise<void>][] = [
    ["a batch size of 0", [...base, "--batch-size", "0"], () => Promise.resolve()],
    ["an unknown vault", [...base, "--vault", "nope"], () => Promise.resolve()],
    ["a missing data directory", [...base, "--data-dir", `${ws.dir}/missing`], () => Promise.resolve()],
    ["a bad byot mode", [...base, "--byot-mode", "maybe"], () => Promise.resolve()],
    ["paired files of different lengths", base, async () => {
      const tokens = (await Deno.readTextFile(`${ws.dataDir}/ssn_tokens.csv`)).split("\n");
      await Deno.writeTextFile(`${ws.dataDir}/ssn_tokens.csv`, tokens.slice(0, 101).join("\n") + "\n");
    }],
    ["a header without the token column", base, async () => {
      await Deno.writeTextFile(`${ws.dataDir}/ssn_tokens.csv`, "wrong_header\nt1\n");
    }],
  ];
  for (const [name, args, prepare] of cases) {
    await t.step(`for ${name}`, async () => {
      await prepare();
      const before = ws.sim.stats.totalRequests;
      const dry = await ws.byot([...args, "--dry-run"]);
      assert.equal(ws.sim.stats.totalRequests, before, "the dry run sent nothing");
      assert.equal(await exists(ws.statePath), false, "no state file");
      const real = await ws.byot(args);
      assert.equal(dry.code, real.code, `${dry.err}\n---\n${real.err}`);
      assert.equal(dry.code, 2);
      assert.deepEqual(errorLines(dry), errorLines(real));
      assert.equal(errorLines(dry).length, 1, dry.err);
      await Deno.remove(ws.statePath).catch(() => {});
    });
  }
});

Deno.test("dryRun() reads a long source to the end one chunk at a time", async () => {
  const rows = 200_000;
  let chunksRead = 0;
  const source: VaultSource = {
    label: "generated",
    async *read() {
      for (let start = 0; start < rows; start += 1000) {
        chunksRead++;
        const chunk: SourceItem[] = [];
        for (let i = start; i < start + 1000; i++) {
          const skip = i % 10_000 === 0 ? "empty_value" as const : undefined;
          chunk.push({
            position: i,
            value: skip ? "" : `v${i}`,
            token: `t${i}`,
            skip,
            cursor: { position: i },
          });
        }
        yield chunk;
      }
    },
  };
  const spec = { name: "X", id: "vx", column: "x", table: "x" };
  const settings = {
    ...DEFAULTS,
    source: "csv",
    vaultUrl: "http://127.0.0.1:1",
    vaults: [spec],
    csv: { valueColumn: "value", tokenColumn: "token" },
    snowflake: {},
    concurrencyAuto: false,
    suffixSeed: "s",
    bearerToken: "secret",
    tokenOrigin: "env",
    roles: [],
    detach: false,
    json: false,
    batchSize: 100,
  } as LoadSettings;
  const report = await dryRun(settings, {
    vaults: [{ spec, source, files: [] }],
    fingerprint: {},
    batchSettings: {},
  });
  assert.equal(chunksRead, rows / 1000);
  assert.deepEqual(
    { rows: report.vaults[0].rows, records: report.vaults[0].records, skipped: report.vaults[0].skipped },
    { rows, records: rows - 20, skipped: { empty_value: 20 } },
  );
  assert.equal(report.vaults[0].batches, Math.ceil((rows - 20) / 100));
  assert.equal(report.settings.bearerToken, "***");
});

Deno.test("maskPayload() masks every string under fields and tokens and nothing else", () => {
  const body =
    '{"records":[{"fields":{"c":"secret value"},"tokens":{"c":"ab"}}],"byot":"ENABLE","upsert":"c"}';
  assert.deepEqual(maskPayload(body), {
    records: [{ fields: { c: "•••••" }, tokens: { c: "•••••" } }],
    byot: "ENABLE",
    upsert: "c",
  });
});

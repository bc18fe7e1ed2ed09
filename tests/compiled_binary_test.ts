/**
 * Runs the compiled `byot` binary, when one was built (`deno task compile`, which needs Deno's runtime:
 * see the README's "Single binary"). The binary is `$BYOT_BINARY`, else `dist/byot-<host target>`,
 * else `dist/byot`; with none, the test is reported as ignored with the reason in its name.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../src/cli/shared/version.ts";
import { generatedPair } from "../src/sources/generator.ts";
import { startSimulator } from "../src/vault/simulator/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function findBinary(): Promise<string | undefined> {
  const candidates = [
    Deno.env.get("BYOT_BINARY"),
    join(ROOT, "dist", `byot-${Deno.build.target}`),
    join(ROOT, "dist", "byot"),
  ];
  for (const path of candidates) if (path && await isFile(path)) return path;
  return undefined;
}

async function run(binary: string, args: string[], env: Record<string, string> = {}, cwd?: string) {
  const out = await new Deno.Command(binary, {
    args,
    env,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

const binary = await findBinary();

if (binary === undefined) {
  Deno.test({
    ignore: true,
    name: "compiled byot binary runs --version, generate and a load (skipped: no compiled binary in dist/; " +
      "run deno task compile with DENORT_BIN)",
    fn() {},
  });
} else {
  Deno.test(`compiled byot binary (${binary}) runs --version, generate and a load with an exact set check`, async () => {
    const version = await run(binary, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION, "it is byot, not a plain Deno runtime");

    const dir = await Deno.makeTempDir({ prefix: "byot-binary-" });
    const sim = await startSimulator({});
    try {
      const count = 500;
      const generate = await run(
        binary,
        ["generate", String(count), "--out", "data", "--seed", "7", "--vault", "ssn"],
        {},
        dir,
      );
      assert.equal(generate.code, 0, generate.stderr);
      assert.match(generate.stderr, /generated 500 records for ssn/);

      const config = {
        skyflow: { vault_url: sim.url, vaults: [{ name: "SSN", id: "vault-ssn", column: "ssn" }] },
        csv: { data_directory: "data" },
        performance: { batch_size: 40, max_concurrency: 4 },
      };
      await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(config));
      const load = await run(
        binary,
        ["load", "--state", "state.db", "--json"],
        { SKYFLOW_BEARER_TOKEN: "t" },
        dir,
      );
      assert.equal(load.code, 0, load.stderr);
      assert.equal(JSON.parse(load.stdout).totals.loaded, count);

      const stored = sim.store.pairs("vault-ssn", "ssn", "ssn");
      const expected = new Map(
        Array.from({ length: count }, (_, i) => generatedPair("ssn", i, { seed: "7" })).map((
          p,
        ) => [p.value, p.token]),
      );
      assert.deepEqual(stored, expected);
      assert.equal(sim.stats.duplicateInserts, 0);
    } finally {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

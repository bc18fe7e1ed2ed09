import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { launchDirectory } from "../../../src/cli/shared/launch_dir.ts";
import { generateFiles } from "../../../src/sources/generator.ts";
import { startSimulator } from "../../../src/vault/simulator/mod.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

Deno.test("launchDirectory() moves to INIT_CWD only when a task runner started byot in its checkout", () => {
  const projectDir = "/opt/byot";
  assert.equal(launchDirectory({ initCwd: "/home/me/x", cwd: "/opt/byot", projectDir }), "/home/me/x");
  assert.equal(launchDirectory({ initCwd: "/home/me/x", cwd: "/tmp/elsewhere", projectDir }), undefined);
  assert.equal(launchDirectory({ initCwd: undefined, cwd: "/opt/byot", projectDir }), undefined);
  assert.equal(launchDirectory({ initCwd: "/opt/byot/", cwd: "/opt/byot", projectDir }), undefined);
});

Deno.test("deno task byot resolves relative paths against the directory the user is in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot-initcwd-" });
  const sim = await startSimulator({});
  try {
    await generateFiles({ count: 120, outDir: `${dir}/data`, seed: 1, vaults: ["ssn"] });
    const config = {
      skyflow: { vault_url: sim.url, vaults: [{ name: "SSN", id: "vault-ssn", column: "ssn" }] },
      csv: { data_directory: "data" },
      performance: { batch_size: 25, max_concurrency: 4 },
    };
    await Deno.writeTextFile(`${dir}/my-config.json`, JSON.stringify(config));
    const env: Record<string, string> = { ...Deno.env.toObject(), SKYFLOW_BEARER_TOKEN: "t" };
    delete env.INIT_CWD;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--config",
        `${REPO}deno.json`,
        "byot",
        "load",
        "--config",
        "my-config.json",
        "--state",
        "s.db",
      ],
      cwd: dir,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stderr } = await child.output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    assert.equal(sim.store.count("vault-ssn", "ssn"), 120);
    await Deno.stat(`${dir}/s.db`); // the state file is where the user is, not in the checkout
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { RESERVE_BYTES } from "../../../src/ledger/reserve.ts";
import { workspace } from "../../_fixtures/workspace.ts";

/** Mounts a `size` tmpfs at `dir`; false where mounting is not permitted (not root, no CAP_SYS_ADMIN). */
function mountTmpfs(dir: string, size: string): boolean {
  Deno.mkdirSync(dir, { recursive: true });
  try {
    return new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir] })
      .outputSync().success;
  } catch {
    return false;
  }
}

const canMount = (() => {
  const probe = Deno.makeTempDirSync({ prefix: "byot-mount-probe-" });
  const ok = mountTmpfs(probe, "64k");
  if (ok) new Deno.Command("umount", { args: [probe] }).outputSync();
  Deno.removeSync(probe);
  return ok;
})();

Deno.test({
  name: "a load whose ledger disk fills up stops with exit 75, its summary, --json and the resume line, " +
    "and resumes exactly once space is freed",
  ignore: !canMount,
  async fn() {
    await using ws = await workspace({ count: 20_000, columns: ["ssn"] });
    const small = `${ws.dir}/small`;
    assert.ok(mountTmpfs(small, "4m"));
    try {
      // leave the ledger's 2 MiB reserve and ~200 KiB: its WAL fills them long before 20,000 records
      // are checkpointed
      Deno.writeFileSync(`${small}/filler`, new Uint8Array(4 * 1024 * 1024 - RESERVE_BYTES - 200 * 1024));
      const state = `${small}/state.db`;
      const args = ["load", "--config", ws.configPath, "--state", state, "--json"];
      const first = await ws.byot(args);
      assert.equal(first.code, 75, first.err);
      assert.match(
        first.err,
        /^error: state file .*: database or disk is full \(the disk holding the state file is full/m,
      );
      assert.match(first.err, /Summary/);
      assert.match(first.err, /To resume, run again: byot load .*--state .*state\.db/);
      const json = JSON.parse(first.out);
      assert.equal(json.exitCode, 75);
      assert.ok(json.vaults[0].loaded < 20_000, `${json.vaults[0].loaded} loaded before the disk filled`);

      assert.deepEqual(
        [...Deno.readDirSync(small)].map((e) => e.name).filter((n) => n.startsWith("state.db")),
        ["state.db"],
        "the reserve was spent, the WAL checkpointed and removed at close",
      );
      Deno.removeSync(`${small}/filler`);
      const ledger = Ledger.open(state);
      try {
        assert.equal(ledger.listRuns(1)[0].status, "interrupted");
      } finally {
        ledger.close();
      }
      const second = await ws.byot(args);
      assert.equal(second.code, 0, second.err);
      assert.match(second.err, /resuming run/);
      ws.assertExact("ssn");
    } finally {
      new Deno.Command("umount", { args: [small] }).outputSync();
    }
  },
});

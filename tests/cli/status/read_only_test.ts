import assert from "node:assert/strict";
import { workspace } from "../../_fixtures/workspace.ts";

/**
 * Makes `dir` read-only for everyone, root included: a read-only bind mount of itself (root ignores
 * mode bits, so `chmod` alone proves nothing here or in CI). Returns an undo, or undefined when
 * mounting is not permitted.
 */
function readOnlyMount(dir: string): (() => void) | undefined {
  const sh = (script: string) => new Deno.Command("sh", { args: ["-c", script] }).outputSync().success;
  try {
    if (!sh(`mount --bind '${dir}' '${dir}' && mount -o remount,ro,bind '${dir}'`)) return undefined;
  } catch {
    return undefined;
  }
  return () => assert.ok(sh(`umount '${dir}'`), `umount ${dir}`);
}

/** Copies `from` into a new `dir` as `state.db` with mode 0400 in a 0500 folder. */
function readOnlyCopy(from: string, dir: string): string {
  Deno.mkdirSync(dir);
  Deno.copyFileSync(from, `${dir}/state.db`);
  Deno.chmodSync(`${dir}/state.db`, 0o400);
  Deno.chmodSync(dir, 0o500);
  return `${dir}/state.db`;
}

const mountable = (() => {
  const probe = Deno.makeTempDirSync({ prefix: "byot-ro-probe-" });
  const undo = readOnlyMount(probe);
  undo?.();
  Deno.removeSync(probe);
  return undo !== undefined;
})();

Deno.test({
  name:
    "byot status, failures list and failures export read a read-only copy of the ledger; load refuses it with exit 2",
  ignore: !mountable,
  async fn() {
    await using ws = await workspace({ count: 1000, columns: ["ssn"], rejectEvery: 200 });
    assert.equal((await ws.load()).code, 3);
    const expected = {
      status: await ws.byot(["status", "--state", ws.statePath, "--json"]),
      list: await ws.byot(["failures", "list", "--state", ws.statePath]),
    };
    const ro = `${ws.dir}/ro`;
    const copy = readOnlyCopy(ws.statePath, ro);
    const undo = readOnlyMount(ro);
    assert.ok(undo, "read-only bind mount");
    try {
      const status = await ws.byot(["status", "--state", copy, "--json"]);
      assert.equal(status.code, 0, status.err);
      const strip = (json: string) => ({ ...JSON.parse(json), stateFile: undefined });
      assert.deepEqual(strip(status.out), strip(expected.status.out));
      assert.equal(JSON.parse(status.out).totals.failed, 5);

      const list = await ws.byot(["failures", "list", "--state", copy]);
      assert.equal(list.code, 0, list.err);
      assert.equal(list.out, expected.list.out);

      const out = `${ws.dir}/exported`;
      const exported = await ws.byot([
        "failures",
        "export",
        "--state",
        copy,
        "--format",
        "json",
        "--out",
        out,
      ]);
      assert.equal(exported.code, 0, exported.err);
      assert.match(exported.err, /exported 5 failed records of vault SSN/);

      const load = await ws.load(["--state", copy]);
      assert.equal(load.code, 2, load.err);
      assert.match(load.err, /^error: state file .*ro\/state\.db cannot be written \(.*read-only\)/m);
    } finally {
      undo!();
      Deno.chmodSync(ro, 0o700);
    }
  },
});

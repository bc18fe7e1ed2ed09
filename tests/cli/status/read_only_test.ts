import assert from "node:assert/strict";
import { workspace } from "../../_fixtures/workspace.ts";

/** Makes a folder read-only for everyone, root included; returns an undo, or undefined when not permitted. */
type ReadOnlyMethod = (dir: string) => (() => void) | undefined;

const sh = (script: string) => {
  try {
    return new Deno.Command("sh", { args: ["-c", script], stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
};

/**
 * Root ignores mode bits, so `chmod` alone proves nothing here or in CI (both run as root): the
 * folder is made read-only by a read-only bind mount of itself (needs CAP_SYS_ADMIN), or by the
 * immutable attribute on it and its files (needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs).
 */
const METHODS: Record<string, ReadOnlyMethod> = {
  "a read-only bind mount": (dir) =>
    sh(`mount --bind '${dir}' '${dir}' && mount -o remount,ro,bind '${dir}'`)
      ? () => assert.ok(sh(`umount '${dir}'`), `umount ${dir}`)
      : undefined,
  "chattr +i": (dir) =>
    sh(`chattr +i '${dir}'/* '${dir}'`) ? () => assert.ok(sh(`chattr -i '${dir}' '${dir}'/*`)) : undefined,
};

/** Copies `from` into a new `dir` as `state.db` with mode 0400 in a 0500 folder. */
function readOnlyCopy(from: string, dir: string): string {
  Deno.mkdirSync(dir);
  Deno.copyFileSync(from, `${dir}/state.db`);
  Deno.chmodSync(`${dir}/state.db`, 0o400);
  Deno.chmodSync(dir, 0o500);
  return `${dir}/state.db`;
}

/** True when `method` works here (tried on a scratch folder holding one file). */
function available(method: ReadOnlyMethod): boolean {
  const probe = Deno.makeTempDirSync({ prefix: "byot-ro-probe-" });
  Deno.writeTextFileSync(`${probe}/f`, "");
  const undo = method(probe);
  const worked = undo !== undefined && !sh(`touch '${probe}/g'`);
  undo?.();
  Deno.removeSync(probe, { recursive: true });
  return worked;
}

for (const [how, method] of Object.entries(METHODS)) {
  Deno.test({
    name: "byot status, failures list and failures export read a read-only copy of the ledger " +
      `(${how}); load refuses it with exit 2`,
    ignore: !available(method),
    async fn() {
      await using ws = await workspace({ count: 1000, columns: ["ssn"], rejectEvery: 200 });
      assert.equal((await ws.load()).code, 3);
      const expected = {
        status: await ws.byot(["status", "--state", ws.statePath, "--json"]),
        list: await ws.byot(["failures", "list", "--state", ws.statePath]),
      };
      const ro = `${ws.dir}/ro`;
      const copy = readOnlyCopy(ws.statePath, ro);
      const undo = method(ro);
      assert.ok(undo, how);
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

        const checked = await ws.load(["--state", copy]);
        assert.equal(checked.code, 2, checked.err);
        assert.match(checked.err, /✗ ledger .*ro\/state\.db: not writable/, "the preflight sees it first");
        const load = await ws.load(["--state", copy, "--no-preflight"]);
        assert.equal(load.code, 2, load.err);
        assert.match(load.err, /^error: state file .*ro\/state\.db cannot be written \(.*read-only\)/m);
      } finally {
        undo!();
        Deno.chmodSync(ro, 0o700);
      }
    },
  });
}

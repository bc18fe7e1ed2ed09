/**
 * A ledger on a real network filesystem: an sshfs mount of a folder served by an sshd started for
 * the test on 127.0.0.1 (skipped where sshfs, sshd or /dev/fuse are missing: `apt-get install sshfs
 * openssh-server`). sshfs has no locks that reach other hosts, so byot must detect it, use a
 * rollback journal and hold the file exclusively.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ledgerFsMode } from "../../src/ledger/filesystem.ts";
import { Ledger } from "../../src/ledger/mod.ts";
import { workspace } from "../_fixtures/workspace.ts";

function run(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const tools = ["/usr/sbin/sshd", "/usr/bin/sshfs", "/usr/bin/ssh-keygen", "/dev/fuse"].every((p) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
});

/** An sshd serving `exported` and an sshfs mount of it; dispose unmounts and stops sshd. */
async function sshfsMount(dir: string): Promise<(AsyncDisposable & { mount: string }) | undefined> {
  const exported = `${dir}/export`;
  const mount = `${dir}/mnt`;
  for (const d of [exported, mount, "/run/sshd"]) await Deno.mkdir(d, { recursive: true });
  for (const key of ["host_key", "client_key"]) {
    if (!run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/${key}`])) return undefined;
  }
  await Deno.copyFile(`${dir}/client_key.pub`, `${dir}/authorized_keys`);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await Deno.writeTextFile(
    `${dir}/sshd_config`,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "StrictModes no",
      "Subsystem sftp internal-sftp",
      `PidFile ${dir}/sshd.pid`,
    ].join("\n") + "\n",
  );
  const sshd = new Deno.Command("/usr/sbin/sshd", {
    args: ["-D", "-e", "-f", `${dir}/sshd_config`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    sshd.kill("SIGTERM");
    await sshd.status;
  };
  let mounted = false;
  for (let i = 0; i < 50 && !mounted; i++) {
    await new Promise((r) => setTimeout(r, 100));
    mounted = run("sshfs", [
      "-p",
      String(port),
      "-o",
      `IdentityFile=${dir}/client_key,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes`,
      `root@127.0.0.1:${exported}`,
      mount,
    ]);
  }
  if (!mounted) {
    await stop();
    return undefined;
  }
  return {
    mount,
    async [Symbol.asyncDispose]() {
      run("fusermount", ["-u", mount]) || run("umount", [mount]);
      await stop();
    },
  };
}

Deno.test({
  name: "a load whose ledger is on sshfs detects it, keeps no WAL, holds the file alone and loads exactly",
  ignore: !tools,
  async fn() {
    await using ws = await workspace({ count: 2000, columns: ["ssn"] });
    await using sshfs = await sshfsMount(`${ws.dir}/ssh`);
    assert.ok(sshfs, "sshfs mounted the test sshd's folder");
    const state = `${sshfs.mount}/state.db`;
    const mode = ledgerFsMode(state);
    assert.deepEqual(mode, {
      fsType: "fuse.sshfs",
      mountPoint: sshfs.mount,
      network: true,
      journalMode: "DELETE",
      lockingMode: "EXCLUSIVE",
    });

    // another process holds the ledger: the load is refused before it sends anything
    const held = Ledger.open(state);
    try {
      const names = [...Deno.readDirSync(sshfs.mount)].map((e) => e.name);
      assert.ok(!names.some((n) => n.endsWith("-wal") || n.endsWith("-shm")), names.join(", "));
      const refused = await ws.load(["--state", state]);
      assert.equal(refused.code, 2, refused.err);
      assert.match(refused.err, /^error: state file .* is in use by another process: on fuse\.sshfs/m);
      assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
    } finally {
      held.close();
    }

    const loaded = await ws.load(["--state", state]);
    assert.equal(loaded.code, 0, loaded.err);
    ws.assertExact("ssn");
    const left = [...Deno.readDirSync(sshfs.mount)].map((e) => e.name);
    assert.ok(!left.some((n) => n.endsWith("-wal") || n.endsWith("-shm")), left.join(", "));
    const reader = new DatabaseSync(state, { readOnly: true });
    try {
      assert.equal(reader.prepare("PRAGMA journal_mode").get()?.journal_mode, "delete");
      assert.equal(reader.prepare("SELECT status FROM runs").get()?.status, "finished");
    } finally {
      reader.close();
    }
  },
});

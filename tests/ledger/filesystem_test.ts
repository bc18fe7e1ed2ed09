import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ledgerFsMode, mountOf, parseMountInfo } from "../../src/ledger/filesystem.ts";
import { Ledger } from "../../src/ledger/mod.ts";

/** A mount table like an EKS node's: root on ext4, EFS over NFS 4.1, an sshfs and an escaped name. */
const MOUNTINFO = [
  "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw",
  "23 22 0:21 / /proc rw,nosuid - proc proc rw",
  "40 22 0:40 / /mnt/efs rw,relatime shared:20 - nfs4 fs-0123.efs.eu-west-1.amazonaws.com:/ " +
  "rw,vers=4.1,rsize=1048576,hard,proto=tcp,timeo=600,sec=sys,local_lock=none",
  "41 40 0:41 / /mnt/efs/local-cache rw - tmpfs tmpfs rw,size=1024k",
  "42 22 0:42 / /mnt/nolock rw - nfs filer:/vol rw,vers=3,nolock,local_lock=all",
  "43 22 0:43 / /home/me/remote rw,nosuid - fuse.sshfs me@host:/data rw,user_id=0",
  "44 22 0:44 / /mnt/my\\040share rw - cifs //srv/share rw,vers=3.1.1",
  "45 22 0:45 / /mnt/efsx rw - ext4 /dev/nvme1n1 rw",
].join("\n") + "\n";

const table = () => MOUNTINFO;
const identity = (p: string) => p;

Deno.test("parseMountInfo() reads mount point, type, source and options, decoding escaped spaces", () => {
  const entries = parseMountInfo(MOUNTINFO);
  assert.equal(entries.length, 8);
  assert.deepEqual(entries[2].fsType, "nfs4");
  assert.equal(entries[2].mountPoint, "/mnt/efs");
  assert.ok(entries[2].options.includes("vers=4.1"));
  assert.equal(entries[6].mountPoint, "/mnt/my share");
});

Deno.test("mountOf() picks the longest mount-point prefix on whole path components", () => {
  const entries = parseMountInfo(MOUNTINFO);
  assert.equal(mountOf(entries, "/mnt/efs/jobs")?.fsType, "nfs4");
  assert.equal(mountOf(entries, "/mnt/efs")?.fsType, "nfs4");
  assert.equal(mountOf(entries, "/mnt/efs/local-cache/x")?.fsType, "tmpfs");
  assert.equal(mountOf(entries, "/mnt/efsx/jobs")?.fsType, "ext4", "/mnt/efs is not a prefix of /mnt/efsx");
  assert.equal(mountOf(entries, "/var/lib/byot")?.mountPoint, "/");
});

Deno.test("ledgerFsMode() keeps WAL on local disks and uses a rollback journal on NFS/EFS, SMB and sshfs", () => {
  const mode = (path: string) => ledgerFsMode(path, { readMountInfo: table, realPath: identity });
  assert.deepEqual(mode("/var/lib/byot/state.db"), {
    fsType: "ext4",
    mountPoint: "/",
    network: false,
    journalMode: "WAL",
    lockingMode: "NORMAL",
  });
  assert.deepEqual(mode("/mnt/efs/jobs/state.db"), {
    fsType: "nfs4",
    mountPoint: "/mnt/efs",
    network: true,
    journalMode: "DELETE",
    lockingMode: "NORMAL",
  });
  assert.equal(mode("/mnt/efs/local-cache/state.db").journalMode, "WAL");
  assert.deepEqual(mode("/mnt/my share/state.db").journalMode, "DELETE");
  // locks that stay on one host: the file is held exclusively while open
  assert.equal(mode("/mnt/nolock/state.db").lockingMode, "EXCLUSIVE");
  assert.equal(mode("/home/me/remote/state.db").lockingMode, "EXCLUSIVE");
});

Deno.test("ledgerFsMode() falls back to the local-disk mode when the mount table cannot be read", () => {
  const mode = ledgerFsMode("/mnt/efs/state.db", { readMountInfo: () => undefined, realPath: identity });
  assert.equal(mode.journalMode, "WAL");
  assert.equal(mode.fsType, "unknown");
});

Deno.test("ledgerFsMode() resolves symlinks before matching, so a link into EFS is seen as EFS", () => {
  const mode = ledgerFsMode("/srv/ledger/state.db", {
    readMountInfo: table,
    realPath: (p) => p === "/srv/ledger" ? "/mnt/efs/ledger" : p,
  });
  assert.equal(mode.fsType, "nfs4");
});

Deno.test("a ledger on a network filesystem is opened without WAL: no -wal or -shm file, journal mode delete", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-nfs-" });
  try {
    const nfs = `40 22 0:40 / ${dir} rw - nfs4 server:/export rw,vers=4.1\n`;
    const path = `${dir}/state.db`;
    // a ledger made on a local disk first (WAL), then found on NFS: it is switched to a rollback journal
    Ledger.open(path).close();
    const ledger = Ledger.open(path, { filesystem: { readMountInfo: () => nfs } });
    try {
      assert.deepEqual(ledger.listRuns(), []);
      const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(files, ["state.db", "state.db-reserve"], "no -wal, -shm or -journal");
      const reader = new DatabaseSync(path, { readOnly: true });
      assert.equal(reader.prepare("PRAGMA journal_mode").get()?.journal_mode, "delete");
      assert.equal(reader.prepare("PRAGMA application_id").get()?.application_id, 0x62796f74);
      reader.close();
    } finally {
      ledger.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a ledger on a filesystem whose locks stay on one host is held by one process; a second is refused with exit 2", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-sshfs-" });
  try {
    const sshfs = { readMountInfo: () => `43 22 0:43 / ${dir} rw - fuse.sshfs me@host:/data rw\n` };
    const path = `${dir}/state.db`;
    const first = Ledger.open(path, { filesystem: sshfs });
    try {
      assert.throws(() => Ledger.open(path, { filesystem: sshfs, busyTimeoutMs: 50 }), (e: unknown) => {
        assert.equal((e as { exitCode?: number }).exitCode, 2);
        assert.match((e as Error).message, /in use by another process.*fuse\.sshfs.*its own --state/);
        return true;
      });
    } finally {
      first.close();
    }
    Ledger.open(path, { filesystem: sshfs }).close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the real mount table finds a tmpfs mounted over a folder (skipped where mounting is not permitted)", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-mnt-" });
  let mounted = false;
  try {
    try {
      mounted = new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir] })
        .outputSync().success;
    } catch {
      mounted = false;
    }
    if (!mounted) return;
    Deno.mkdirSync(`${dir}/jobs`);
    const mode = ledgerFsMode(`${dir}/jobs/state.db`);
    assert.deepEqual({ fsType: mode.fsType, mountPoint: mode.mountPoint, network: mode.network }, {
      fsType: "tmpfs",
      mountPoint: Deno.realPathSync(dir),
      network: false,
    });
  } finally {
    if (mounted) new Deno.Command("umount", { args: [dir] }).outputSync();
    Deno.removeSync(dir, { recursive: true });
  }
});

/**
 * Which filesystem holds the state file, and the SQLite journal and locking mode that is safe on
 * it. SQLite's WAL mode keeps its index in shared memory (`-shm`, mmap) that only works between
 * processes of one host, so on a network filesystem (NFS, EFS, SMB, sshfs, …) the ledger uses a
 * rollback journal instead; where the filesystem's byte-range locks do not reach other hosts
 * (sshfs, `nolock`/`local_lock` NFS mounts) it also takes the file exclusively for as long as it is
 * open, so a second process is refused rather than let in unprotected.
 *
 * The filesystem type comes from `/proc/self/mountinfo`: the mount whose mount point is the longest
 * prefix of the state file's real directory (`statfs` only gives a magic number: one FUSE number for
 * sshfs and local overlays alike, and no mount options such as `nolock`).
 *
 * @module
 */
import { dirname, resolve } from "node:path";

/** One line of `/proc/self/mountinfo`: where a filesystem is mounted, its type and options. */
export interface MountEntry {
  /** Mount point, with `\040`-style escapes decoded. */
  mountPoint: string;
  /** Filesystem type (`ext4`, `nfs4`, `fuse.sshfs`, …). */
  fsType: string;
  /** Mount source (`server:/export`, `/dev/sda1`, …). */
  source: string;
  /** Per-mount and per-superblock options, merged (`rw`, `nolock`, `local_lock=all`, …). */
  options: string[];
}

/** How the ledger should use SQLite on a filesystem. */
export interface LedgerFsMode {
  /** The filesystem's type, or `unknown` when mountinfo could not be read. */
  fsType: string;
  /** Mount point of that filesystem. */
  mountPoint: string;
  /** True for network filesystems, where WAL's shared memory is not safe. */
  network: boolean;
  /** `PRAGMA journal_mode`: `WAL` on local disks, `DELETE` on network filesystems. */
  journalMode: "WAL" | "DELETE";
  /**
   * `PRAGMA locking_mode`: `EXCLUSIVE` where locks do not reach other hosts (the file is then held
   * by one process at a time), else `NORMAL`.
   */
  lockingMode: "NORMAL" | "EXCLUSIVE";
}

/** Filesystem types whose files other hosts can open (prefix match for `nfs*`, `fuse.*` names below). */
const NETWORK_TYPES = new Set([
  "nfs",
  "nfs4",
  "efs",
  "cifs",
  "smb",
  "smb3",
  "smbfs",
  "ncpfs",
  "afs",
  "9p",
  "ceph",
  "glusterfs",
  "lustre",
  "gpfs",
  "beegfs",
  "fuse.sshfs",
  "fuse.s3fs",
  "fuse.gcsfuse",
  "fuse.glusterfs",
  "fuse.cephfs",
  "fuse.efs",
  "fuse.rclone",
  "fuse.juicefs",
]);

/** Network filesystems without byte-range locks that other hosts honour. */
const NO_SHARED_LOCKS = new Set(["fuse.sshfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone", "9p"]);

/** True when files of `fsType` can be shared with other hosts (NFS, EFS, SMB, sshfs, …). */
export function isNetworkFs(fsType: string): boolean {
  return NETWORK_TYPES.has(fsType) || fsType.startsWith("nfs");
}

/**
 * Parses `/proc/self/mountinfo` text (see proc(5)).
 *
 * @example
 * ```ts
 * parseMountInfo("36 35 0:40 / /mnt/efs rw - nfs4 fs-1.efs:/ rw,vers=4.1\n")[0].fsType; // "nfs4"
 * ```
 */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const before = line.slice(0, dash).split(" ");
    const after = line.slice(dash + 3).split(" ");
    if (before.length < 6 || after.length < 2) continue;
    out.push({
      mountPoint: unescapeMount(before[4]),
      fsType: after[0],
      source: unescapeMount(after[1]),
      options: [...before[5].split(","), ...(after[2] ?? "").split(",")].filter((o) => o !== ""),
    });
  }
  return out;
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount whose mount point is the longest prefix of the absolute path `path`. */
export function mountOf(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const entry of entries) {
    const point = entry.mountPoint;
    const inside = point === "/" || path === point ||
      path.startsWith(point.endsWith("/") ? point : `${point}/`);
    // later lines win ties: a mount over the same point hides the earlier one
    if (inside && (!best || point.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

/** Options of {@linkcode ledgerFsMode}. */
export interface LedgerFsModeOptions {
  /** Reads the mount table. @default reads `/proc/self/mountinfo` (undefined when unreadable) */
  readMountInfo?: () => string | undefined;
  /** Resolves symlinks of an existing directory. @default Deno.realPathSync */
  realPath?: (path: string) => string;
}

/**
 * The journal and locking mode for a state file at `path`, from the filesystem holding its
 * directory. Without a readable mount table the local-disk defaults apply.
 *
 * @example
 * ```ts
 * const mode = ledgerFsMode("/mnt/efs/state.db", {
 *   readMountInfo: () => "36 35 0:40 / /mnt/efs rw - nfs4 fs-1.efs:/ rw,vers=4.1\n",
 *   realPath: (p) => p,
 * });
 * mode.journalMode; // "DELETE"
 * ```
 */
export function ledgerFsMode(path: string, options: LedgerFsModeOptions = {}): LedgerFsMode {
  const local: LedgerFsMode = {
    fsType: "unknown",
    mountPoint: "/",
    network: false,
    journalMode: "WAL",
    lockingMode: "NORMAL",
  };
  const text = (options.readMountInfo ?? readProcMountInfo)();
  if (text === undefined) return local;
  let dir = dirname(resolve(path));
  try {
    dir = (options.realPath ?? Deno.realPathSync)(dir);
  } catch {
    // a missing directory is reported when the file is opened
  }
  const mount = mountOf(parseMountInfo(text), dir);
  if (!mount) return local;
  const base = { fsType: mount.fsType, mountPoint: mount.mountPoint };
  if (!isNetworkFs(mount.fsType)) return { ...local, ...base };
  const localLocks = NO_SHARED_LOCKS.has(mount.fsType) ||
    mount.options.some((o) => o === "nolock" || o === "local_lock=all" || o === "local_lock=posix");
  return { ...base, network: true, journalMode: "DELETE", lockingMode: localLocks ? "EXCLUSIVE" : "NORMAL" };
}

function readProcMountInfo(): string | undefined {
  try {
    return Deno.readTextFileSync("/proc/self/mountinfo");
  } catch {
    return undefined;
  }
}

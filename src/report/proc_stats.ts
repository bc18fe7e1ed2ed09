/**
 * What the legacy `monitor_live.sh` showed about the loader process, read from Linux `/proc` for
 * any pid (this process or a load in another terminal), without extra tools:
 *
 * - **CPU %**: user + system time from `/proc/<pid>/stat` (fields 14 and 15, in USER_HZ ticks, which
 *   Linux fixes at 100 per second for user space), as a delta between two samples over the wall time
 *   between them; the first sample gives the average since the process started. 100 % = one core.
 * - **RSS**: `VmRSS` of `/proc/<pid>/status`.
 * - **Connections**: the socket fds of `/proc/<pid>/fd` (`socket:[inode]` links) and, of those, the
 *   ones that `/proc/<pid>/net/tcp` and `tcp6` list as ESTABLISHED (state `01`): the open
 *   connections to the vault. Reading another user's fds needs their rights; when they cannot be
 *   read both counts are `undefined`.
 *
 * A pid is "running" when `/proc/<pid>` exists and is not a zombie. Elsewhere than Linux every
 * reading is `undefined`.
 *
 * @module
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ: 100 on every Linux build). */
export const USER_HZ = 100;

/** One reading of a process. */
export interface ProcSample {
  /** The process id. */
  pid: number;
  /** When it was read, ms since the epoch. */
  at: number;
  /** When the process started, ms since the epoch (to 10 ms, from boot time + start ticks). */
  startedAt: number;
  /** User + system CPU time so far, in ms. */
  cpuMs: number;
  /** Resident set size in bytes. */
  rssBytes: number;
  /** Threads. */
  threads: number;
  /** Open socket fds; `undefined` when `/proc/<pid>/fd` cannot be read. */
  sockets?: number;
  /** Of those, established TCP connections; `undefined` when unknown. */
  tcpEstablished?: number;
}

/** A reading with its CPU share. */
export interface ProcStats extends ProcSample {
  /** CPU use in percent of one core since the previous sample (or since the process started). */
  cpuPercent: number;
}

/** Options of {@linkcode readProcSample} and {@linkcode ProcMonitor}. */
export interface ProcOptions {
  /** Root of the proc file system (tests may point it at a copy). @default "/proc" */
  procRoot?: string;
  /** Current time in ms since the epoch. @default Date.now */
  now?: () => number;
}

const ESTABLISHED = "01";

/**
 * Reads `pid` once, or returns `undefined` when it is not running (gone, a zombie, or no `/proc`).
 *
 * @example
 * ```ts
 * const s = await readProcSample(Deno.pid);
 * s?.rssBytes; // e.g. 52_000_000
 * ```
 */
export async function readProcSample(
  pid: number,
  options: ProcOptions = {},
): Promise<ProcSample | undefined> {
  const root = options.procRoot ?? "/proc";
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const dir = `${root}/${pid}`;
  const [stat, status, bootMs] = await Promise.all([
    readText(`${dir}/stat`),
    readText(`${dir}/status`),
    bootTimeMs(root),
  ]);
  if (stat === undefined || status === undefined) return undefined;
  const fields = parseStat(stat);
  if (!fields || fields.state === "Z" || fields.state === "X") return undefined;
  const rssKb = Number(status.match(/^VmRSS:\s+(\d+)\s*kB/m)?.[1] ?? 0);
  const threads = Number(status.match(/^Threads:\s+(\d+)/m)?.[1] ?? 1);
  const sample: ProcSample = {
    pid,
    at: now(),
    startedAt: (bootMs ?? 0) + (fields.startTicks * 1000) / USER_HZ,
    cpuMs: ((fields.utime + fields.stime) * 1000) / USER_HZ,
    rssBytes: rssKb * 1024,
    threads,
  };
  const sockets = await socketInodes(`${dir}/fd`);
  if (sockets !== undefined) {
    sample.sockets = sockets.size;
    const established = await establishedInodes(dir);
    sample.tcpEstablished = [...sockets].filter((inode) => established.has(inode)).length;
  }
  return sample;
}

/**
 * CPU use between two samples of one process, in percent of one core; 0 when no time passed.
 * Without `previous`, the average since the process started.
 */
export function cpuPercentBetween(previous: ProcSample | undefined, next: ProcSample): number {
  const from = previous && previous.pid === next.pid && previous.startedAt === next.startedAt
    ? previous
    : { at: next.startedAt, cpuMs: 0 };
  const wallMs = next.at - from.at;
  if (wallMs <= 0) return 0;
  return Math.max(0, ((next.cpuMs - from.cpuMs) / wallMs) * 100);
}

/**
 * Samples processes over time and keeps the previous sample of each, so that CPU % covers the time
 * since the last call.
 *
 * @example
 * ```ts ignore
 * const monitor = new ProcMonitor();
 * await monitor.sample(pid); // CPU % since the process started
 * await monitor.sample(pid); // CPU % since the previous call
 * ```
 */
export class ProcMonitor {
  readonly #options: ProcOptions;
  readonly #previous = new Map<number, ProcSample>();

  /** Creates a monitor; see {@linkcode ProcOptions}. */
  constructor(options: ProcOptions = {}) {
    this.#options = options;
  }

  /** The stats of `pid` now, or `undefined` when it is not running. */
  async sample(pid: number): Promise<ProcStats | undefined> {
    const next = await readProcSample(pid, this.#options);
    if (!next) {
      this.#previous.delete(pid);
      return undefined;
    }
    const cpuPercent = cpuPercentBetween(this.#previous.get(pid), next);
    this.#previous.set(pid, next);
    return { ...next, cpuPercent };
  }
}

interface StatFields {
  state: string;
  utime: number;
  stime: number;
  startTicks: number;
}

/** Fields of `/proc/<pid>/stat`; the command name (field 2) may hold spaces and parentheses. */
function parseStat(text: string): StatFields | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // after ") " come fields 3 (state), 4, …: field n is at index n - 3
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const startTicks = Number(rest[19]);
  if (![utime, stime, startTicks].every(Number.isFinite)) return undefined;
  return { state: rest[0], utime, stime, startTicks };
}

async function bootTimeMs(root: string): Promise<number | undefined> {
  const text = await readText(`${root}/stat`);
  const seconds = text?.match(/^btime\s+(\d+)/m)?.[1];
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}

/** Inodes of the socket fds in `fdDir`, or `undefined` when it cannot be listed. */
async function socketInodes(fdDir: string): Promise<Set<string> | undefined> {
  const inodes = new Set<string>();
  try {
    for await (const entry of Deno.readDir(fdDir)) {
      let target: string;
      try {
        target = await Deno.readLink(`${fdDir}/${entry.name}`);
      } catch {
        continue; // closed between listing and reading
      }
      const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
      if (inode !== undefined) inodes.add(inode);
    }
  } catch {
    return undefined;
  }
  return inodes;
}

/** Inodes of the ESTABLISHED TCP sockets (IPv4 and IPv6) of the process's network namespace. */
async function establishedInodes(dir: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const table of ["tcp", "tcp6"]) {
    const text = await readText(`${dir}/net/${table}`);
    if (text === undefined) continue;
    for (const line of text.split("\n").slice(1)) {
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === ESTABLISHED) out.add(cols[9]);
    }
  }
  return out;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

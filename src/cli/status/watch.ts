/**
 * `byot status --watch [--interval S]`: redraws a run's status from the ledger every few seconds,
 * for a load in this or another terminal, until Ctrl-C or the run stops running (then the final
 * block is printed and the exit code is 0). Each frame holds the `byot status` table (per vault
 * progress, average rate, ETA), the rate since the previous frame, the failed records by HTTP
 * status, and the loader process's CPU, RSS and open connections (what the legacy
 * `monitor_live.sh` showed), read from `/proc` for the run's pid while that process is alive.
 *
 * On a terminal each frame clears the screen; otherwise frames are printed one after another, each
 * under a time stamp line. With `--json` each frame is one JSON line (the `status --json` object
 * plus a `watch` key).
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import type { Io } from "../../common/io.ts";
import type { Ledger, RunInfo } from "../../ledger/mod.ts";
import { formatDecimal, formatDuration, formatInt, formatRate, roundTo } from "../../report/format.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";
import { ProcMonitor, type ProcStats } from "../../report/proc_stats.ts";
import { buildStatus, type StatusReport } from "./report.ts";
import { renderStatus, statusJson } from "./render.ts";
import { utcTime } from "../shared/state_file.ts";

/** Seconds between frames unless `--interval` says otherwise. */
export const DEFAULT_WATCH_INTERVAL_S = 2;

/** A process started this long after the run's last status change is another one with the same pid. */
const PID_REUSE_SLACK_MS = 2000;

const CLEAR_SCREEN = "\x1b[H\x1b[2J";

/** Reads a process's stats ({@linkcode ProcMonitor} implements it). */
export interface ProcSampler {
  /** Stats of `pid`, or `undefined` when it is not running. */
  sample(pid: number): Promise<ProcStats | undefined>;
}

/** Options of {@linkcode watchStatus}. */
export interface WatchOptions {
  /** Time between frames in ms. @default 2000 */
  intervalMs?: number;
  /** Time for rates and "… ago", and the wait between frames. @default systemClock */
  clock?: Clock;
  /** Stops watching (Ctrl-C); the exit code is still 0. @default never */
  signal?: AbortSignal;
  /** Stop after this many frames (tests). @default unlimited */
  maxFrames?: number;
  /** Reads the loader process's stats. @default a new ProcMonitor */
  procSampler?: ProcSampler;
  /** Counts a CSV file's data rows, once per file. @default estimateDataRows */
  countRows?: (path: string) => Promise<number | undefined>;
  /** One JSON line per frame instead of text. @default false */
  json?: boolean;
}

/** What one frame shows besides the status report. */
export interface WatchFrame {
  /** The `byot status` figures. */
  report: StatusReport;
  /** Settled records per second since the previous frame; `undefined` on the first. */
  recentRate?: number;
  /** Length of that interval in ms. */
  recentMs?: number;
  /** Failed records not resolved by a retry, per HTTP status (0 = network), ascending. */
  failuresByStatus: { statusCode: number; count: number }[];
  /** The loader process: its stats, `"gone"` when not running, `undefined` when there is no pid. */
  process?: ProcStats | "gone";
  /** The pid the ledger names. */
  pid?: number;
}

/**
 * Watches run `runId` of `ledger` and writes a frame every interval to `io.stdout`.
 *
 * @returns the exit code: 0 (the run stopped running, the signal aborted, or `maxFrames` frames).
 */
export async function watchStatus(
  ledger: Ledger,
  runId: string,
  io: Io,
  options: WatchOptions = {},
): Promise<number> {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? DEFAULT_WATCH_INTERVAL_S * 1000;
  const sampler = options.procSampler ?? new ProcMonitor({ now: () => clock.now() });
  const countRows = memoize(options.countRows ?? ((path: string) => estimateDataRows(path)));
  const tty = io.stdout.isTerminal && !options.json;
  let previous: { at: number; settled: number } | undefined;
  for (let frames = 1;; frames++) {
    const run = ledger.getRun(runId);
    if (!run) return 0; // deleted under us: nothing more to show
    const report = await buildStatus(ledger, run, { countRows });
    const now = clock.now();
    const at = clock.monotonic(); // the recent rate is a duration: a wall-clock step must not skew it
    const frame: WatchFrame = {
      report,
      failuresByStatus: ledger.countFailures({ runId, includePurged: true }).byStatus,
    };
    if (previous && at > previous.at) {
      frame.recentMs = at - previous.at;
      frame.recentRate = Math.max(0, report.totals.settled - previous.settled) / (frame.recentMs / 1000);
    }
    previous = { at, settled: report.totals.settled };
    if (run.status === "running" && run.pid !== undefined) {
      frame.pid = run.pid;
      frame.process = await loaderProcess(sampler, run);
    }
    const running = run.status === "running";
    if (options.json) io.stdout.write(JSON.stringify(watchJson(frame, now)) + "\n");
    else {
      const header = `byot status --watch: ${utcTime(now)}, every ${formatDuration(intervalMs)}` +
        (running ? " (Ctrl-C to stop)" : "");
      io.stdout.write(
        `${tty ? CLEAR_SCREEN : frames > 1 ? "\n" : ""}${header}\n\n${renderWatchFrame(frame, now)}`,
      );
    }
    if (
      !running || options.signal?.aborted || (options.maxFrames !== undefined && frames >= options.maxFrames)
    ) {
      return 0;
    }
    try {
      await clock.sleep(intervalMs, options.signal);
    } catch {
      return 0; // Ctrl-C
    }
  }
}

/** The loader's stats when `run.pid` is alive and is the process that wrote the run. */
async function loaderProcess(sampler: ProcSampler, run: RunInfo): Promise<ProcStats | "gone"> {
  const stats = await sampler.sample(run.pid!);
  if (!stats) return "gone";
  // the pid was reused: this process started after the run's writer last changed it
  if (stats.startedAt > Math.max(run.updatedAt, run.createdAt) + PID_REUSE_SLACK_MS) return "gone";
  return stats;
}

/** The text of one frame: the status table, the recent rate, failures by status, the process. */
export function renderWatchFrame(frame: WatchFrame, now: number): string {
  const lines = [renderStatus(frame.report, now).trimEnd(), ""];
  if (frame.recentRate !== undefined) {
    lines.push(
      `Rate now       ${formatRate(frame.recentRate)} rec/s over the last ${
        formatDuration(frame.recentMs ?? 0)
      }`,
    );
  }
  const failures = frame.failuresByStatus.map((s) =>
    `${s.statusCode === 0 ? "network" : s.statusCode}: ${formatInt(s.count)}`
  );
  lines.push(`Failures       ${failures.length ? failures.join(", ") : "none"}`);
  if (frame.pid !== undefined) {
    lines.push(`${`Process ${frame.pid}`.padEnd(14)} ${processText(frame.process)}`);
  }
  return lines.join("\n") + "\n";
}

function processText(p: ProcStats | "gone" | undefined): string {
  if (p === undefined || p === "gone") return "not running (if the load was killed, resuming continues it)";
  const mib = formatDecimal(p.rssBytes / (1024 * 1024), 1);
  const conns = p.tcpEstablished === undefined
    ? "connections unknown (no access to its fds)"
    : `${formatInt(p.tcpEstablished)} TCP connections (${formatInt(p.sockets ?? 0)} sockets)`;
  return `CPU ${formatDecimal(p.cpuPercent, 1)}%  RSS ${mib} MiB  threads ${p.threads}  ${conns}`;
}

/** One frame of `status --watch --json`: the `status --json` object plus `watch`. */
export function watchJson(frame: WatchFrame, now: number): Record<string, unknown> {
  const p = frame.process;
  return {
    ...statusJson(frame.report, frame.report.stateFile),
    watch: {
      at: new Date(now).toISOString(),
      recentRecordsPerSecond: frame.recentRate === undefined ? null : roundTo(frame.recentRate, 1),
      failuresByStatus: frame.failuresByStatus,
      process: frame.pid === undefined
        ? null
        : p === undefined || p === "gone"
        ? { pid: frame.pid, running: false }
        : {
          pid: frame.pid,
          running: true,
          cpuPercent: roundTo(p.cpuPercent, 1),
          rssBytes: p.rssBytes,
          threads: p.threads,
          sockets: p.sockets ?? null,
          tcpEstablished: p.tcpEstablished ?? null,
        },
    },
  };
}

function memoize(
  count: (path: string) => Promise<number | undefined>,
): (path: string) => Promise<number | undefined> {
  const cache = new Map<string, Promise<number | undefined>>();
  return (path) => {
    let hit = cache.get(path);
    if (!hit) cache.set(path, hit = count(path));
    return hit;
  };
}

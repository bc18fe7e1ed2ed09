/**
 * Linux `/proc` readings the benchmark needs about processes it did not write: the CPU time of a
 * running child (the simulator, read just before it is stopped) and the machine's load average.
 *
 * @module
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) a live process has used so far, or `undefined` when `/proc` does not
 * have it (the process exited, or this is not Linux).
 *
 * @example
 * ```ts
 * const cpu = await cpuSecondsOf(Deno.pid); // e.g. 0.42
 * ```
 */
export async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / USER_HZ;
}

/**
 * The 1-minute load average and the running/total task counts, as `/proc/loadavg` shows them
 * (e.g. `"1.89 1.89 1.30 4/112"`), or `"unknown"`.
 *
 * @example
 * ```ts
 * loadAverage(); // "0.52 0.61 0.70 2/98"
 * ```
 */
export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").trim().split(" ").slice(0, 4).join(" ");
  } catch {
    return "unknown";
  }
}

/**
 * The number of CPUs this process may use.
 *
 * @example
 * ```ts
 * cpuCount(); // 2
 * ```
 */
export function cpuCount(): number {
  return navigator.hardwareConcurrency;
}

/**
 * The peak resident set (`VmHWM`, MiB) of a live process, or `undefined` when `/proc` does not have
 * it. Unlike `getrusage`'s `ru_maxrss`, it is not inflated by the parent's memory at fork time.
 */
export async function peakRssMbOf(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = status.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** A running {@linkcode watchPeakRss}. */
export interface PeakRssWatch {
  /** Stops sampling and returns the highest `VmHWM` seen, MiB (`undefined` if none was read). */
  stop(): Promise<number | undefined>;
}

/**
 * Samples a child's `VmHWM` every `intervalMs` until stopped (stop it once the child exited: the
 * last sample before the exit is the peak, give or take the final interval).
 *
 * @example
 * ```ts
 * const watch = watchPeakRss(child.pid);
 * await child.status;
 * const peakMb = await watch.stop();
 * ```
 */
export function watchPeakRss(pid: number, intervalMs = 50): PeakRssWatch {
  let peak: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const mb = await peakRssMbOf(pid);
      if (mb !== undefined) peak = Math.max(peak ?? 0, mb);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

/**
 * This process's resident set now, MiB (a spawned child's `ru_maxrss` starts at least this high).
 *
 * @example
 * ```ts
 * ownRssMb(); // 58.2
 * ```
 */
export function ownRssMb(): number {
  return Deno.memoryUsage().rss / 1048576;
}

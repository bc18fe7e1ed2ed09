/**
 * Ctrl-C and SIGTERM, handled here for every command. A load stops cleanly: the first signal stops
 * intake (in-flight batches finish, up to a deadline); a second one, or the deadline, aborts
 * in-flight requests at once. The ledger stays consistent either way: aborted batches stay
 * unsettled and are replayed safely on resume. Commands that only wait or watch
 * (`simulate`, `status --watch`) stop at the first signal ({@linkcode interruptSignal}).
 *
 * @module
 */
import { InterruptedError } from "../../common/errors.ts";
import type { TextSink } from "../../common/io.ts";

/** The stop signals of a run. */
export interface StopControl {
  /** Aborted on the first signal: take no new batches. */
  intake: AbortSignal;
  /** Aborted on the second signal or at the deadline: abort in-flight requests. */
  hard: AbortSignal;
  /** The signal received first, if any. */
  readonly received?: "SIGINT" | "SIGTERM";
  /** Removes the listeners. */
  dispose(): void;
}

/** Options of {@linkcode installStopHandlers}. */
export interface StopOptions {
  /** Where the stop messages are written. */
  stderr: TextSink;
  /** How long in-flight batches may take after the first signal, in ms. @default 30000 */
  drainMs?: number;
  /** Installs a signal handler. @default Deno.addSignalListener */
  addListener?: (signal: "SIGINT" | "SIGTERM", handler: () => void) => void;
  /** Removes a signal handler. @default Deno.removeSignalListener */
  removeListener?: (signal: "SIGINT" | "SIGTERM", handler: () => void) => void;
}

/** Listens for SIGINT and SIGTERM for the duration of a run. */
export function installStopHandlers(options: StopOptions): StopControl {
  const intake = new AbortController();
  const hard = new AbortController();
  const add = options.addListener ?? ((s, h) => Deno.addSignalListener(s, h));
  const remove = options.removeListener ?? ((s, h) => Deno.removeSignalListener(s, h));
  let received: "SIGINT" | "SIGTERM" | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const on = (signal: "SIGINT" | "SIGTERM") => () => {
    if (!received) {
      received = signal;
      const seconds = Math.round((options.drainMs ?? 30_000) / 1000);
      options.stderr.write(
        `\n${signal}: stopping: finishing in-flight batches (up to ${seconds}s); press Ctrl-C again to stop at once\n`,
      );
      intake.abort(new InterruptedError(signal));
      timer = setTimeout(() => hard.abort(new InterruptedError(signal)), options.drainMs ?? 30_000);
    } else if (!hard.signal.aborted) {
      options.stderr.write(
        `${signal}: aborting in-flight requests; they will be replayed safely on resume\n`,
      );
      hard.abort(new InterruptedError(received));
    }
  };
  const onInt = on("SIGINT");
  const onTerm = on("SIGTERM");
  add("SIGINT", onInt);
  add("SIGTERM", onTerm);
  return {
    intake: intake.signal,
    hard: hard.signal,
    get received() {
      return received;
    },
    dispose() {
      clearTimeout(timer);
      remove("SIGINT", onInt);
      remove("SIGTERM", onTerm);
    },
  };
}

/** An AbortSignal that aborts on SIGINT or SIGTERM until disposed. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  return {
    signal: controller.signal,
    dispose() {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    },
  };
}

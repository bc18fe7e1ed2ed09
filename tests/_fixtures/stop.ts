/**
 * A Ctrl-C a test can press: the `stop` dependency of the long-running commands, whose intake
 * signal aborts when the test calls `intake.abort()` (as a first SIGINT does), with no real signal
 * handlers installed.
 *
 * @module
 */
import type { StopControl } from "../../src/cli/shared/signals.ts";

/** A stop control driven by the test. */
export interface ManualStop {
  /** Abort it to stop intake: in-flight batches still finish. */
  intake: AbortController;
  /** The `deps.stop` to pass to the command. */
  stop: () => StopControl;
}

/** A stop whose intake the test aborts; its hard signal never fires. */
export function manualStop(): ManualStop {
  const intake = new AbortController();
  const stop = (): StopControl => ({
    intake: intake.signal,
    hard: new AbortController().signal,
    received: "SIGINT",
    dispose() {},
  });
  return { intake, stop };
}

/**
 * Relative paths on the command line mean the user's directory, however byot was started.
 * `deno task byot …` and `npm run byot …` run the task in the checkout's root and say where the user
 * was in `INIT_CWD`; byot moves back there before reading any path.
 *
 * @module
 */
import { resolve } from "node:path";

/** Inputs of {@linkcode launchDirectory}. */
export interface LaunchDirInput {
  /** `INIT_CWD` as set by `deno task` or npm (undefined when not started by a task runner). */
  initCwd: string | undefined;
  /** The process's working directory. */
  cwd: string;
  /** The directory holding byot's `deno.json` (where a task runner starts its tasks). */
  projectDir: string;
}

/**
 * The directory byot should work in: `INIT_CWD` when a task runner started byot in its project
 * directory on the user's behalf, else undefined (stay where we are).
 *
 * @example
 * ```ts
 * launchDirectory({ initCwd: "/home/me/load", cwd: "/opt/byot", projectDir: "/opt/byot" }); // "/home/me/load"
 * ```
 */
export function launchDirectory(input: LaunchDirInput): string | undefined {
  const { initCwd, cwd, projectDir } = input;
  if (!initCwd || resolve(cwd) !== resolve(projectDir)) return undefined;
  return resolve(initCwd) === resolve(cwd) ? undefined : resolve(initCwd);
}

/**
 * Changes to {@linkcode launchDirectory}'s answer, if any, for this process. A directory that no
 * longer exists is left alone (paths then resolve against the checkout, as before).
 *
 * @param projectDir the directory of `main.ts` (and `deno.json`).
 */
export function adoptLaunchDirectory(projectDir: string): void {
  const target = launchDirectory({ initCwd: Deno.env.get("INIT_CWD"), cwd: Deno.cwd(), projectDir });
  if (target === undefined) return;
  try {
    Deno.chdir(target);
  } catch { /* gone or not a directory: stay */ }
}

/**
 * Confirmation before `byot failures retry` and `byot failures purge` act, as the legacy loader
 * asked before reprocessing an error log: on a terminal, `Do you want to proceed? (yes/no): `
 * (only `yes`/`y`, any case, proceeds); off a terminal, `--yes` is required.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { readLineFromStdin } from "../../common/prompt.ts";

export { readLineFromStdin };

/** Shows `question` and resolves to the line the user typed (without its line break). */
export type PromptLine = (question: string) => Promise<string>;

/** The legacy loader's question. */
export const PROCEED_QUESTION = "Do you want to proceed? (yes/no): ";

/** Options of {@linkcode confirmProceed}. */
export interface ConfirmOptions {
  /** `--yes`: proceed without asking. @default false */
  yes?: boolean;
  /** What is being confirmed, for the refusal message (`retry`, `purge`). */
  action: string;
  /** Reads the answer. @default {@linkcode readLineFromStdin} writing the question on stderr */
  prompt?: PromptLine;
}

/**
 * True when the user agreed (or passed `--yes`).
 *
 * @throws {ConfigError} (exit 2) off a terminal without `--yes`.
 */
export async function confirmProceed(io: Io, options: ConfirmOptions): Promise<boolean> {
  if (options.yes) return true;
  if (!io.stdinIsTerminal) {
    throw new ConfigError(`refusing to ${options.action} without confirmation: pass --yes`);
  }
  const prompt = options.prompt ?? ((question: string) => readLineFromStdin(question, io.stderr));
  const answer = await prompt(PROCEED_QUESTION);
  return isYes(answer);
}

/** `yes` or `y`, any case, surrounding blanks ignored. */
export function isYes(answer: string): boolean {
  return /^(y|yes)$/i.test(answer.trim());
}

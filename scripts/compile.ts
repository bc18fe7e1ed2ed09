/**
 * `deno task compile [--target T]... [--out-dir DIR]`: builds the single `byot` binary with
 * `deno compile` for each target into `DIR/byot-<target>` (default `dist/`).
 *
 * - Targets: {@linkcode TARGETS} (all four by default; `--target` picks some).
 * - Permissions are baked in ({@linkcode PERMISSIONS}): the binary never prompts and gets nothing more.
 * - `node_modules` is embedded (manual mode) minus the dev-only packages in {@linkcode EXCLUDES}.
 * - `deno compile` needs Deno's runtime (`denort`) of the same version for each target: it downloads it
 *   from `dl.deno.land`, or takes a local copy from `DENORT_BIN`. A `DENORT_BIN` is one target's
 *   runtime, so with it only one target is built (the host's unless `--target` names another).
 *   When the download fails, this prints what to do instead of a bare DNS error.
 *
 * @module
 */
import { V8_FLAGS } from "../src/cli/shared/runtime.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Io } from "../src/common/io.ts";
import { denoIo } from "../src/common/io.ts";

/** Targets `deno task compile` builds by default. */
export const TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

/**
 * Permissions baked into the binary. read/write: config, CSV, token and credential files, the state
 * file, logs, `generate` output; net: the vault, its token endpoint, Snowflake; env: settings and the
 * Snowflake driver's variables; run: `--detach` starts the binary again in the background; sys: the
 * Snowflake driver reads host facts (hostname, OS release). No `--allow-ffi`: the driver's optional
 * native add-on is skipped and it falls back to plain JavaScript.
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/**
 * Files embedded besides the module graph. Everything byot loads at run time is reachable from
 * `main.ts` (the lazy `import("snowflake-sdk")` and `import("@inquirer/password")` use literal
 * specifiers) and `node_modules` is embedded whole; the driver is named anyway so that a future
 * `--exclude` or bundling change cannot silently drop it.
 */
export const INCLUDES: readonly string[] = ["node_modules/snowflake-sdk"];

/**
 * Dev-only packages left out of the binary: the Deno CLI itself (~90 MB of `node_modules`), type
 * packages, and the bulk of `puppeteer-core` and its dependencies (~30 MB; the report test's
 * browser driver).
 */
export const EXCLUDES: readonly string[] = [
  "node_modules/@deno",
  "node_modules/@types",
  "node_modules/.bin",
  "node_modules/puppeteer-core",
  "node_modules/@puppeteer",
  "node_modules/chromium-bidi",
  "node_modules/devtools-protocol",
  "node_modules/webdriver-bidi-protocol",
  "node_modules/zod",
  "node_modules/yargs",
];

/**
 * The `node_modules` paths `package-lock.json` marks `dev` (only devDependencies need them, e.g. the
 * official Skyflow SDK the tests run and its ~100 packages): never loaded by byot, so left out too.
 */
export function devOnlyPackages(lockText: string): string[] {
  const packages = (JSON.parse(lockText) as { packages?: Record<string, { dev?: boolean }> }).packages ?? {};
  return Object.entries(packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && entry.dev === true)
    .map(([path]) => path)
    .filter((path) => !EXCLUDES.some((excluded) => path === excluded || path.startsWith(`${excluded}/`)));
}

/** What to build. */
export interface CompileOptions {
  /** @default all of {@linkcode TARGETS}, or the host's target when `DENORT_BIN` is set */
  targets?: string[];
  /** @default "dist" */
  outDir?: string;
}

/**
 * The `deno compile` arguments that build `target` into `outDir`; `devOnly` are more paths to leave
 * out (the compile task passes {@linkcode devOnlyPackages} of the lock file).
 */
export function compileArgs(target: string, outDir = "dist", devOnly: readonly string[] = []): string[] {
  const args = ["compile", ...PERMISSIONS, `--v8-flags=${V8_FLAGS}`, "--target", target];
  for (const path of INCLUDES) args.push("--include", path);
  for (const path of [...EXCLUDES, ...devOnly]) args.push("--exclude", path);
  args.push("--output", join(outDir, `byot-${target}`), "main.ts");
  return args;
}

/**
 * Parses the task's arguments (`--target T` repeatable, `--out-dir DIR`) and picks the targets.
 *
 * @throws {Error} with a one-line usage message for an unknown flag or target, or several targets
 * with `DENORT_BIN`.
 */
export function parseCompileArgs(
  argv: readonly string[],
  env: { denortBin?: string; hostTarget: string },
): Required<CompileOptions> {
  const targets: string[] = [];
  let outDir = "dist";
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--target") targets.push(value() ?? "");
    else if (flag === "--out-dir") outDir = value() ?? "";
    else {throw new Error(
        `unknown argument "${argv[i]}" (usage: deno task compile [--target T]... [--out-dir DIR])`,
      );}
  }
  for (const t of targets) {
    if (!TARGETS.includes(t)) throw new Error(`unknown --target "${t}" (one of ${TARGETS.join(", ")})`);
  }
  if (outDir === "") throw new Error("--out-dir needs a directory");
  if (env.denortBin !== undefined) {
    if (targets.length > 1) {
      throw new Error(
        `DENORT_BIN is the runtime of one target: build one --target at a time (got ${targets.join(", ")})`,
      );
    }
    return { targets: targets.length ? targets : [env.hostTarget], outDir };
  }
  return { targets: targets.length ? targets : [...TARGETS], outDir };
}

/** True when `deno compile` failed on the `denort` runtime: its download, or an unusable `DENORT_BIN`. */
export function isRuntimeFailure(stderr: string): boolean {
  return /Setting up base binary|Writing binary bytes/i.test(stderr);
}

/** The advice printed when the runtime for `target` could not be obtained. */
export function runtimeAdvice(
  target: string,
  denortBin: string | undefined,
  version: string,
  stderr = "",
): string {
  const zip = `https://dl.deno.land/release/v${version}/denort-${target}.zip`;
  const why = /dns error|\(Connect\)|timed out|connection refused/i.test(stderr)
    ? "this machine cannot reach dl.deno.land"
    : "the download failed (see the error above)";
  const lines = denortBin === undefined
    ? [
      `compile: could not download Deno's runtime for ${target} from ${zip}: ${why}.`,
      "  Build where dl.deno.land is reachable, or fetch that zip elsewhere, check it, unzip it, and run:",
      `    DENORT_BIN=/path/to/denort deno task compile --target ${target}`,
    ]
    : [
      `compile: DENORT_BIN=${denortBin} did not work as Deno's runtime for ${target}.`,
      `  It must be the denort binary of Deno ${version} for that target, unzipped from ${zip}.`,
    ];
  return lines.join("\n") + "\n";
}

/** Runs `deno compile` for each target; returns the process exit code. */
export async function compile(argv: readonly string[], io: Io): Promise<number> {
  const denortBin = io.env("DENORT_BIN") || undefined;
  let options: Required<CompileOptions>;
  try {
    options = parseCompileArgs(argv, { denortBin, hostTarget: Deno.build.target });
  } catch (error) {
    io.stderr.write(`compile: ${(error as Error).message}\n`);
    return 2;
  }
  if (denortBin !== undefined) {
    try {
      if (!(await Deno.stat(denortBin)).isFile) throw new Error("not a file");
    } catch {
      io.stderr.write(`compile: DENORT_BIN=${denortBin} is not a file\n`);
      return 2;
    }
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  await Deno.mkdir(resolve(root, options.outDir), { recursive: true });
  const devOnly = devOnlyPackages(await Deno.readTextFile(join(root, "package-lock.json")));
  for (const target of options.targets) {
    io.stderr.write(`compile: building ${join(options.outDir, `byot-${target}`)}\n`);
    const child = new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, options.outDir, devOnly),
      cwd: root,
      stdout: "inherit",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      stderr += text;
      io.stderr.write(text);
    }
    const status = await child.status;
    if (!status.success) {
      if (isRuntimeFailure(stderr)) {
        io.stderr.write(runtimeAdvice(target, denortBin, Deno.version.deno, stderr));
      }
      return status.code || 1;
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await compile(Deno.args, denoIo()));

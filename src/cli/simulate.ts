/**
 * `byot simulate`: runs the local Skyflow-compatible vault simulator until SIGINT/SIGTERM. The first
 * stdout line is `byot simulator listening on http://HOST:PORT` (the demo and tests parse it); a
 * one-line stats summary goes to stderr on shutdown.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { interruptSignal } from "./shared/signals.ts";
import { type SimulatorOptions, startSimulator } from "../vault/simulator/mod.ts";

/** Options of {@linkcode simulateCommand}. */
export interface SimulateCommandOptions {
  /** Stops the simulator when it aborts, instead of waiting for SIGINT/SIGTERM. @default undefined */
  signal?: AbortSignal;
  /** Reads the `--bearer-token-file`. @default Deno.readTextFile */
  readTextFile?: (path: string) => Promise<string>;
}

interface NumberRule {
  min: number;
  max?: number;
  integer?: boolean;
}

/** Parses a flag's number, or throws a one-line ConfigError naming the flag. */
function parseNumberFlag(flag: string, raw: string, rule: NumberRule): number {
  const text = raw.trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
  const range = rule.max === undefined ? `at least ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  const kind = rule.integer ? "a whole number" : "a number";
  if (
    !Number.isFinite(n) || n < rule.min || (rule.max !== undefined && n > rule.max) ||
    (rule.integer && !Number.isInteger(n))
  ) {
    throw new ConfigError(`invalid ${flag} "${raw}": expected ${kind} ${range}`);
  }
  return n;
}

const probability = (flag: string, raw: string) => parseNumberFlag(flag, raw, { min: 0, max: 1 });
const nonNegative = (flag: string, raw: string) => parseNumberFlag(flag, raw, { min: 0 });

async function readBearerToken(path: string, read: (path: string) => Promise<string>): Promise<string> {
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    const reason = error instanceof Error ? error.name : "unreadable";
    throw new ConfigError(`invalid --bearer-token-file: cannot read ${path} (${reason})`, { cause: error });
  }
  const token = text.trim();
  if (token === "") throw new ConfigError(`invalid --bearer-token-file: ${path} is empty`);
  return token;
}

function waitForStop(given?: AbortSignal): Promise<void> {
  const interrupt = given ? undefined : interruptSignal();
  const signal = given ?? interrupt!.signal;
  return new Promise((resolve) => {
    const done = () => {
      interrupt?.dispose();
      resolve();
    };
    if (signal.aborted) return done();
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * The `simulate` command.
 *
 * @example
 * ```ts ignore
 * program.addCommand(simulateCommand(denoIo()));
 * // byot simulate --port 8080 --rate-limit 200 --drop-rate 0.01
 * ```
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function simulateCommand(io: Io, options: SimulateCommandOptions = {}): Command {
  const read = options.readTextFile ?? ((path: string) => Deno.readTextFile(path));
  return new Command("simulate")
    .description("run a local Skyflow-compatible vault with injectable faults until Ctrl-C")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", "0")
    .option("--latency-ms <ms>", "delay added to every vault request", "0")
    .option("--jitter-ms <ms>", "extra random delay up to this many ms", "0")
    .option("--rate-limit <rps>", "insert/batch requests per second per vault before 429 (0 = off)", "0")
    .option("--retry-after-format <format>", "Retry-After of a 429: seconds or date", "seconds")
    .option("--error-rate <p>", "probability of a 500/502/503 without applying", "0")
    .option("--drop-rate <p>", "probability of applying, then cutting the connection", "0")
    .option("--hang-rate <p>", "probability of applying, then never answering", "0")
    .option("--reject-marker <text>", "values containing this text are rejected with 400", "__REJECT__")
    .option("--token-ttl <seconds>", "lifetime of access tokens from the token endpoint", "3600")
    .option("--seed <n>", "seed of the fault sequence", "1")
    .option("--bearer-token-file <path>", "file holding the only bearer token accepted (default: any)")
    .action(async (flags) => {
      const format = flags.retryAfterFormat;
      if (format !== "seconds" && format !== "date") {
        throw new ConfigError(`invalid --retry-after-format "${format}": expected seconds or date`);
      }
      if (flags.host.trim() === "") {
        throw new ConfigError(`invalid --host "": expected a host name or address`);
      }
      const simulatorOptions: SimulatorOptions = {
        hostname: flags.host.trim(),
        port: parseNumberFlag("--port", flags.port, { min: 0, max: 65535, integer: true }),
        latencyMs: nonNegative("--latency-ms", flags.latencyMs),
        jitterMs: nonNegative("--jitter-ms", flags.jitterMs),
        rateLimit: nonNegative("--rate-limit", flags.rateLimit),
        retryAfterFormat: format,
        errorRate: probability("--error-rate", flags.errorRate),
        dropRate: probability("--drop-rate", flags.dropRate),
        hangRate: probability("--hang-rate", flags.hangRate),
        rejectMarker: flags.rejectMarker,
        tokenTtlSeconds: parseNumberFlag("--token-ttl", flags.tokenTtl, { min: 1, integer: true }),
        seed: parseNumberFlag("--seed", flags.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
        bearerToken: flags.bearerTokenFile === undefined
          ? undefined
          : await readBearerToken(flags.bearerTokenFile, read),
      };
      let simulator;
      try {
        simulator = await startSimulator(simulatorOptions);
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse) && !(error instanceof Deno.errors.AddrNotAvailable)) {
          throw error;
        }
        throw new ConfigError(
          `invalid --host/--port: cannot listen on ${simulatorOptions.hostname}:${simulatorOptions.port} (${error.name})`,
          { cause: error },
        );
      }
      io.stdout.write(`byot simulator listening on ${simulator.url}\n`);
      await waitForStop(options.signal);
      await simulator.shutdown();
      io.stderr.write(
        `byot simulator stopped: ${simulator.stats.summary()}; ${simulator.store.size} records stored\n`,
      );
    });
}

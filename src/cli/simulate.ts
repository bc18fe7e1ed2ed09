/**
 * `byot simulate`: runs the local Skyflow-compatible vault simulator until SIGINT/SIGTERM. The first
 * stdout line is `byot simulator listening on http://HOST:PORT` (the demo and tests parse it); a
 * one-line stats summary goes to stderr on shutdown.
 *
 * @module
 */
import { createPublicKey } from "node:crypto";
import { Command } from "@commander-js/extra-typings";
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { interruptSignal } from "./shared/signals.ts";
import { readConfigFile } from "../config/config_file.ts";
import {
  parseSchema,
  schemaOf,
  type SimulatorOptions,
  type SimulatorSchema,
  startSimulator,
} from "../vault/simulator/mod.ts";

/** Options of {@linkcode simulateCommand}. */
export interface SimulateCommandOptions {
  /** Stops the simulator when it aborts, instead of waiting for SIGINT/SIGTERM. @default undefined */
  signal?: AbortSignal;
  /** Reads the `--bearer-token-file`, `--credentials`, `--tls-cert` and `--tls-key`. @default Deno.readTextFile */
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

async function readFlagFile(
  flag: string,
  path: string,
  read: (path: string) => Promise<string>,
): Promise<string> {
  try {
    return await read(path);
  } catch (error) {
    const reason = error instanceof Error ? error.name : "unreadable";
    throw new ConfigError(`invalid ${flag}: cannot read ${path} (${reason})`, { cause: error });
  }
}

/** What `--credentials` gives the token endpoint to check assertions against. */
interface AssertionCheck {
  serviceAccountPublicKey: string;
  serviceAccountClientId: string;
  serviceAccountKeyId: string;
}

/**
 * Reads a service-account credentials file (the one the loader uses, or the same without
 * `privateKey` and with `publicKey`): its clientID, keyID and the public key (SPKI PEM, derived from
 * `privateKey` when `publicKey` is absent).
 */
async function readAssertionCheck(
  path: string,
  read: (path: string) => Promise<string>,
): Promise<AssertionCheck> {
  const bad = (what: string) => new ConfigError(`invalid --credentials: ${path} ${what}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFlagFile("--credentials", path, read));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw bad("is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw bad("is not a JSON object");
  const c = parsed as Record<string, unknown>;
  const text = (...keys: string[]) => {
    for (const key of keys) if (typeof c[key] === "string" && c[key] !== "") return c[key] as string;
    return undefined;
  };
  const clientId = text("clientID", "clientId");
  const keyId = text("keyID", "keyId");
  if (clientId === undefined) throw bad("has no clientID");
  if (keyId === undefined) throw bad("has no keyID");
  const pem = text("publicKey") ?? text("privateKey");
  if (pem === undefined) throw bad("has neither publicKey nor privateKey");
  let publicKey: string;
  try {
    publicKey = createPublicKey(pem).export({ type: "spki", format: "pem" }).toString();
  } catch {
    throw bad("holds a key that is not a PEM RSA key");
  }
  return { serviceAccountPublicKey: publicKey, serviceAccountClientId: clientId, serviceAccountKeyId: keyId };
}

/** The schema of `--schema FILE` or of the vaults of `--config FILE`; undefined: permissive. */
async function readSchema(
  flags: { schema?: string; config?: string },
  read: (path: string) => Promise<string>,
): Promise<SimulatorSchema | undefined> {
  if (flags.schema !== undefined && flags.config !== undefined) {
    throw new ConfigError("--schema and --config cannot be used together: give one of them");
  }
  if (flags.config !== undefined) {
    const config = await readConfigFile(flags.config, read);
    const vaults = config.skyflow.vaults.filter((v) => v.id.trim() !== "" && v.column.trim() !== "");
    if (vaults.length === 0) throw new ConfigError(`invalid --config: ${flags.config} configures no vault`);
    return schemaOf(vaults.map((v) => ({
      id: v.id.trim(),
      table: (v.table ?? v.column).trim(),
      column: v.column.trim(),
    })));
  }
  if (flags.schema === undefined) return undefined;
  let text: string;
  try {
    text = await read(flags.schema);
  } catch (error) {
    const reason = error instanceof Error ? error.name : "unreadable";
    throw new ConfigError(`invalid --schema: cannot read ${flags.schema} (${reason})`, { cause: error });
  }
  try {
    return parseSchema(JSON.parse(text));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`invalid --schema ${flags.schema}: ${reason}`, { cause: error });
  }
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
    .option(
      "--capacity <n>",
      "requests each vault works on at once; the rest wait in line (a full vault) (0 = unlimited)",
      "0",
    )
    .option(
      "--rate-limit <rps>",
      "requests per second per vault (writes and reads) before 429 (0 = off)",
      "0",
    )
    .option("--retry-after-format <format>", "Retry-After of a 429: seconds or date", "seconds")
    .option("--error-rate <p>", "probability of a 500/502/503 without applying", "0")
    .option("--drop-rate <p>", "probability of applying, then cutting the connection", "0")
    .option("--hang-rate <p>", "probability of applying, then never answering", "0")
    .option("--reject-marker <text>", "values containing this text are rejected with 400", "__REJECT__")
    .option(
      "--duplicate-status <status>",
      "status of a duplicate value or token, 400 or 409 (400: what Skyflow's SDKs point to)",
      "400",
    )
    .option("--token-ttl <seconds>", "lifetime of access tokens from the token endpoint", "3600")
    .option("--seed <n>", "seed of the fault sequence", "1")
    .option("--bearer-token-file <path>", "file holding the only bearer token accepted (default: any)")
    .option(
      "--credentials <path>",
      "service-account credentials file (clientID, keyID, privateKey or publicKey): the token endpoint " +
        "accepts only RS256 assertions signed with that key and carrying that clientID and keyID " +
        "(default: claims and expiry checked, signature not)",
    )
    .option("--tls-cert <path>", "PEM certificate: serve https (with --tls-key)")
    .option("--tls-key <path>", "PEM private key of --tls-cert")
    .option(
      "--config <file>",
      "byot config: only its vaults, tables and columns exist (others answer 400/404 like the real API)",
    )
    .option(
      "--schema <file>",
      'JSON schema {"vaults":{ID:{"tables":{T:{"columns":{C:{"unique":true}}}}}}} (default: anything goes)',
    )
    .option("--forbid-read", "refuse Get and Detokenize with 403, like an insert-only service account")
    .action(async (flags) => {
      const format = flags.retryAfterFormat;
      if (format !== "seconds" && format !== "date") {
        throw new ConfigError(`invalid --retry-after-format "${format}": expected seconds or date`);
      }
      if (flags.duplicateStatus !== "400" && flags.duplicateStatus !== "409") {
        throw new ConfigError(`invalid --duplicate-status "${flags.duplicateStatus}": expected 400 or 409`);
      }
      if (flags.host.trim() === "") {
        throw new ConfigError(`invalid --host "": expected a host name or address`);
      }
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
        throw new ConfigError("invalid --tls-cert/--tls-key: give both or neither");
      }
      const tls = flags.tlsCert === undefined || flags.tlsKey === undefined ? undefined : {
        cert: await readFlagFile("--tls-cert", flags.tlsCert, read),
        key: await readFlagFile("--tls-key", flags.tlsKey, read),
      };
      const simulatorOptions: SimulatorOptions = {
        ...(flags.credentials === undefined ? {} : await readAssertionCheck(flags.credentials, read)),
        tls,
        hostname: flags.host.trim(),
        port: parseNumberFlag("--port", flags.port, { min: 0, max: 65535, integer: true }),
        latencyMs: nonNegative("--latency-ms", flags.latencyMs),
        jitterMs: nonNegative("--jitter-ms", flags.jitterMs),
        capacity: parseNumberFlag("--capacity", flags.capacity, { min: 0, integer: true }),
        rateLimit: nonNegative("--rate-limit", flags.rateLimit),
        retryAfterFormat: format,
        errorRate: probability("--error-rate", flags.errorRate),
        dropRate: probability("--drop-rate", flags.dropRate),
        hangRate: probability("--hang-rate", flags.hangRate),
        rejectMarker: flags.rejectMarker,
        duplicateStatus: flags.duplicateStatus === "409" ? 409 : 400,
        tokenTtlSeconds: parseNumberFlag("--token-ttl", flags.tokenTtl, { min: 1, integer: true }),
        seed: parseNumberFlag("--seed", flags.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
        schema: await readSchema(flags, read),
        forbidRead: flags.forbidRead === true,
        bearerToken: flags.bearerTokenFile === undefined
          ? undefined
          : await readBearerToken(flags.bearerTokenFile, read),
      };
      let simulator;
      try {
        simulator = await startSimulator(simulatorOptions);
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse) && !(error instanceof Deno.errors.AddrNotAvailable)) {
          if (tls === undefined) throw error;
          const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
          throw new ConfigError(`invalid --tls-cert/--tls-key: cannot serve https (${reason})`, {
            cause: error,
          });
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

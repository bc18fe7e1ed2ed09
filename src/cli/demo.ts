/**
 * `byot demo`: generates test records, starts the vault simulator as a separate process, loads all
 * four vaults into it with a real `byot load`, and prints the summary.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { ByotError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { generateFiles } from "../sources/generator.ts";
import type { CommandResult } from "./shared/command.ts";
import { intArg } from "./shared/options.ts";
import { runLoadCommand } from "./load/run.ts";
import { selfCommand } from "./shared/runtime.ts";
import { formatInt } from "../report/format.ts";

const VAULTS = [
  { name: "NAME", id: "demo-name-vault", column: "name" },
  { name: "ID", id: "demo-id-vault", column: "id" },
  { name: "DOB", id: "demo-dob-vault", column: "dob" },
  { name: "SSN", id: "demo-ssn-vault", column: "ssn" },
];

/**
 * Builds the `demo` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function demoCommand(io: Io, result: CommandResult): Command {
  return new Command("demo")
    .description("generate records, start the simulator, load all four vaults into it, print the summary")
    .option("--records <n>", "records per vault", intArg("--records"), 100_000)
    .option("--dir <dir>", "working directory for data, config and state", "demo-data")
    .option("--batch-size <n>", "records per request", intArg("--batch-size"), 300)
    .option("--concurrency <n>", "requests in flight per vault", intArg("--concurrency"), 16)
    .option("--latency-ms <n>", "simulated vault latency per request", intArg("--latency-ms"), 20)
    .action(async (opts) => {
      result.code = await runDemo(io, opts);
    });
}

interface DemoOptions {
  records: number;
  dir: string;
  batchSize: number;
  concurrency: number;
  latencyMs: number;
}

async function runDemo(io: Io, o: DemoOptions): Promise<number> {
  const dataDir = `${o.dir}/data`;
  await Deno.mkdir(dataDir, { recursive: true });
  const generated = await generateFiles({ count: o.records, outDir: dataDir, seed: 1 });
  io.stderr.write(
    `demo: generated ${formatInt(o.records)} records for each of 4 vaults in ${dataDir} ` +
      `(${Math.round(generated.elapsedMs)} ms)\n`,
  );
  const simulator = await startSimulatorProcess(o.latencyMs);
  try {
    io.stderr.write(`demo: vault simulator running at ${simulator.url} (latency ${o.latencyMs} ms)\n`);
    const configPath = `${o.dir}/config.json`;
    const config = {
      skyflow: { vault_url: simulator.url, vaults: VAULTS },
      csv: { data_directory: dataDir },
      performance: { batch_size: o.batchSize, max_concurrency: o.concurrency },
    };
    await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2) + "\n");
    const env = (name: string) => name === "SKYFLOW_BEARER_TOKEN" ? "demo-token" : io.env(name);
    io.stderr.write(`demo: byot load --config ${configPath} --state ${o.dir}/byot-state.db --restart\n`);
    return await runLoadCommand(
      { config: configPath, state: `${o.dir}/byot-state.db`, restart: true },
      { ...io, env },
      { argv: ["load", "--config", configPath, "--state", `${o.dir}/byot-state.db`] },
    );
  } finally {
    await simulator.stop();
  }
}

/** Starts `byot simulate` as a child process and reads its URL from the first stdout line. */
async function startSimulatorProcess(latencyMs: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const main = new URL("../../main.ts", import.meta.url);
  const { command, args } = selfCommand(
    Deno.execPath(),
    main.protocol === "file:" ? decodeURIComponent(main.pathname) : main.href,
    ["simulate", "--port", "0", "--latency-ms", String(latencyMs)],
  );
  const child = new Deno.Command(command, { args, stdout: "piped", stderr: "inherit", stdin: "null" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
  }
  const match = buffered.match(/listening on (http:\/\/\S+)/);
  if (!match) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    throw new ByotError("demo: the vault simulator did not start");
  }
  const drain = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    url: match[1],
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drain;
    },
  };
}

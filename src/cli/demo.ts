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
import { schemaOf } from "../vault/simulator/mod.ts";

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
    .option(
      "--port <n>",
      "simulator port, also written to the demo's config (a free one is used if taken)",
      intArg("--port"),
      DEMO_PORT,
    )
    .action(async (opts) => {
      result.code = await runDemo(io, opts);
    });
}

/** The port the demo's config points at: `byot simulate --port 18080` serves it after the demo. */
const DEMO_PORT = 18080;

interface DemoOptions {
  port: number;
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
  // the simulator knows the demo vaults' tables and columns, so it answers anything else like the real API
  const schemaPath = `${o.dir}/schema.json`;
  const schema = schemaOf(VAULTS.map((v) => ({ id: v.id, table: v.column, column: v.column })));
  await Deno.writeTextFile(schemaPath, JSON.stringify(schema, null, 2) + "\n");
  const simulator = await startSimulatorProcess(o.latencyMs, o.port, schemaPath)
    .catch(() => startSimulatorProcess(o.latencyMs, 0, schemaPath));
  const configPath = `${o.dir}/config.json`;
  const statePath = `${o.dir}/byot-state.db`;
  let code: number;
  try {
    io.stderr.write(`demo: vault simulator running at ${simulator.url} (latency ${o.latencyMs} ms)\n`);
    // the config is usable after the demo: it names the simulator's usual port and a token it accepts
    const config = {
      skyflow: { vault_url: `http://127.0.0.1:${o.port}`, bearer_token: "demo-token", vaults: VAULTS },
      csv: { data_directory: dataDir },
      performance: { batch_size: o.batchSize, max_concurrency: o.concurrency },
    };
    await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2) + "\n");
    io.stderr.write(`demo: byot load --config ${configPath} --state ${statePath} --restart\n`);
    code = await runLoadCommand(
      { config: configPath, state: statePath, restart: true, vaultUrl: simulator.url },
      io,
      { argv: ["load", "--config", configPath, "--state", statePath] },
    );
  } finally {
    await simulator.stop();
  }
  io.stderr.write(nextSteps(o.port, configPath, statePath));
  return code;
}

/** What to try after the demo, against a simulator the user starts. */
function nextSteps(port: number, configPath: string, statePath: string): string {
  const tries = [
    [`byot load --config ${configPath} --state ${statePath} --vault ssn --dry-run`, "what would be sent"],
    [`byot load --config ${configPath} --state ${statePath}`, "load all four vaults again"],
    [`byot status --state ${statePath}`, "what the state file holds"],
  ];
  const width = Math.max(...tries.map(([c]) => c.length));
  return [
    "",
    `Next: start a vault simulator in another terminal (the demo's has stopped; ${configPath} points at this one):`,
    `  byot simulate --port ${port} --config ${configPath}`,
    "then try:",
    ...tries.map(([command, what]) => `  ${command.padEnd(width)}   # ${what}`),
    '(byot: the wrapper in scripts/byot, see README "Install"; or deno run -A <checkout>/main.ts)',
    "",
  ].join("\n");
}

/** Starts `byot simulate` as a child process and reads its URL from the first stdout line. */
async function startSimulatorProcess(
  latencyMs: number,
  port: number,
  schemaPath: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const main = new URL("../../main.ts", import.meta.url);
  const { command, args } = selfCommand(
    Deno.execPath(),
    main.protocol === "file:" ? decodeURIComponent(main.pathname) : main.href,
    ["simulate", "--port", String(port), "--latency-ms", String(latencyMs), "--schema", schemaPath],
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

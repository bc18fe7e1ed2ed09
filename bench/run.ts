/**
 * `deno task bench`: byot against the legacy Go loader's measured baseline (legacy notes §12).
 * Each scenario runs a fresh `byot simulate` child and `byot load --json` as another child, K times,
 * and reports medians as Markdown tables on stdout (and in `bench/results.md`); progress on stderr.
 *
 * Usage: `deno task bench [--quick] [--only a,b,c,c10,d,ledger,resume,auto,rerun] [--runs K] [--data-dir DIR]
 * [--out FILE] [--rev TEXT]`. `--rev` names the byot revision in the report (default: git HEAD). `--quick` runs every scenario once at a tenth of its size or less (smoke check) and writes no
 * file unless `--out` is given. Exit code 0 when every scenario ran (whatever the verdicts), 1 when
 * one crashed, 2 on bad flags.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadHelp } from "./byot.ts";
import { runChild, stopAllChildren } from "./children.ts";
import { benchConfig, defaultDataRoot } from "./data.ts";
import { cpuCount, loadAverage, ownRssMb } from "./proc.ts";
import { fmt, renderScenario, type ScenarioReport, verdictLines } from "./report.ts";
import type { BenchContext } from "./sampling.ts";
import { ledgerScenario, zeroLatencyScenario } from "./scenarios_cpu.ts";
import { latencyScenario, rateLimitScenario } from "./scenarios_network.ts";
import { resumeScenario } from "./scenario_resume.ts";
import { autoScenario } from "./scenario_auto.ts";
import { rerunScenario } from "./scenario_rerun.ts";

/** Every scenario id, in run order. */
export const SCENARIOS = ["a", "d", "b", "c", "c10", "ledger", "resume", "auto", "rerun"] as const;

const encoder = new TextEncoder();
const write = (file: typeof Deno.stdout | typeof Deno.stderr, text: string) => {
  const bytes = encoder.encode(text);
  let done = 0;
  while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
};
const log = (line: string) =>
  write(Deno.stderr, `[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function commandText(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "";
  }
}

async function revision(): Promise<string> {
  const root = new URL("..", import.meta.url).pathname;
  const commit = await commandText("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
  const dirty =
    (await commandText("git", ["-C", root, "status", "--porcelain", "--", "src", "main.ts"])) !== "";
  return `${commit || "unknown"}${dirty ? " (src/ modified)" : ""}`;
}

async function header(
  ctx: BenchContext,
  selected: string[],
  startLoad: string,
  rev?: string,
): Promise<string> {
  const config = JSON.stringify(benchConfig("$DATA"));
  return [
    "# byot benchmark vs the legacy Go loader baseline",
    "",
    `- Date ${new Date().toISOString()}; byot ${rev ?? await revision()}; ` +
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); ${cpuCount()} CPUs; ${Deno.build.os}/${Deno.build.arch}.`,
    `- Scenarios: ${selected.join(", ")}; ${
      ctx.quick ? "QUICK smoke mode (1 run, smaller sizes)" : `K = ${ctx.runs} runs (medians)`
    }.`,
    `- Load average at start (1, 5, 15 min, tasks): ${startLoad}. Other work may share the machine.`,
    `- The bench process's own RSS: ${fmt(ownRssMb(), 0)} MiB (a child's getrusage peak cannot read lower: ` +
    `Linux carries the parent's resident memory at fork into the child's ru_maxrss).`,
    `- Data: \`byot generate\` (one vault, \`name\`, values like \`MARY SMITH 00000001\`, 36-char tokens), ` +
    `cached in \`${ctx.dataRoot}\`. Config (\`$WORK/config.json\`): \`${config}\`; token via ` +
    `\`SKYFLOW_BEARER_TOKEN=bench\`.`,
    `- A fresh \`byot simulate\` child per run (the legacy setup's separate fake); \`byot load --json\` as ` +
    `another child; CPU-s and peak RSS from its \`process\` figures (getrusage); wall from spawn to exit. ` +
    `byot's children run as \`deno task byot\` does (byot's V8 heap flags); the simulator, a test double ` +
    `that keeps every record, runs without them and with its own \`DENO_DIR\` (\`$SIMCACHE\`), since ` +
    `Deno's V8 code cache is keyed by the V8 flags.`,
    "",
  ].join("\n");
}

function usage(): string {
  return "usage: deno task bench [--quick] [--only " + SCENARIOS.join(",") +
    "] [--runs K] [--data-dir DIR] [--out FILE] [--rev TEXT]\n";
}

async function runScenario(
  ctx: BenchContext,
  id: string,
  help: string,
  rss1M: { records: number; rss: number }[],
) {
  switch (id) {
    case "a": {
      const out = await zeroLatencyScenario(ctx, "a");
      rss1M.push({ records: ctx.quick ? 100_000 : 1_000_000, rss: out.rss });
      return out.report;
    }
    case "d":
      return (await zeroLatencyScenario(ctx, "d", rss1M[0])).report;
    case "b":
      return await latencyScenario(ctx);
    case "c":
      return await rateLimitScenario(ctx, 50, help);
    case "c10":
      return await rateLimitScenario(ctx, 10, help);
    case "ledger":
      return await ledgerScenario(ctx);
    case "auto":
      return await autoScenario(ctx);
    case "rerun":
      return await rerunScenario(ctx);
    default:
      return await resumeScenario(ctx);
  }
}

function crashReport(id: string, error: unknown): ScenarioReport {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id,
    title: `(${id}) did not complete`,
    rows: [],
    notes: [`ERROR: ${message.replaceAll("\n", " ").slice(0, 1500)}`],
    commands: [],
  };
}

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        runs: { type: "string" },
        "data-dir": { type: "string" },
        out: { type: "string" },
        rev: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    write(Deno.stderr, `${error instanceof Error ? error.message : error}\n${usage()}`);
    return 2;
  }
  if (flags.help) return write(Deno.stdout, usage()), 0;
  const selected = flags.only === undefined
    ? [...SCENARIOS]
    : SCENARIOS.filter((s) => flags.only!.split(",").map((x) => x.trim()).includes(s));
  const unknown = (flags.only ?? "").split(",").map((x) => x.trim()).filter((x) =>
    x !== "" && !(SCENARIOS as readonly string[]).includes(x)
  );
  const runs = flags.runs === undefined ? 3 : Number(flags.runs);
  if (unknown.length > 0 || selected.length === 0 || !Number.isInteger(runs) || runs < 1) {
    write(Deno.stderr, `bad --only or --runs\n${usage()}`);
    return 2;
  }
  const ctx: BenchContext = {
    dataRoot: flags["data-dir"] ?? defaultDataRoot(),
    workDir: await Deno.makeTempDir({ prefix: "byot-bench-" }),
    runs: flags.quick ? 1 : runs,
    quick: flags.quick,
    log,
  };
  const out = flags.out ?? (flags.quick ? undefined : new URL("./results.md", import.meta.url).pathname);
  const startLoad = loadAverage();
  log(`work dir ${ctx.workDir}; data cache ${ctx.dataRoot}; load average ${startLoad}`);
  const head = await header(ctx, selected, startLoad, flags.rev);
  write(Deno.stdout, head + "\n");
  const reports: ScenarioReport[] = [];
  let crashed = false;
  try {
    const help = await loadHelp();
    const rss1M: { records: number; rss: number }[] = [];
    for (const id of selected) {
      try {
        reports.push(await runScenario(ctx, id, help, rss1M));
      } catch (error) {
        crashed = true;
        log(`scenario ${id} failed: ${error instanceof Error ? error.message : error}`);
        reports.push(crashReport(id, error));
        await stopAllChildren();
      }
      write(Deno.stdout, renderScenario(reports.at(-1)!) + "\n");
    }
  } finally {
    await stopAllChildren();
    await Deno.remove(ctx.workDir, { recursive: true }).catch(() => {});
  }
  const verdicts = verdictLines(reports);
  const summary = [
    "## Verdicts",
    "",
    ...verdicts.map((v) => `- ${v}`),
    "",
    `Load average at end: ${loadAverage()}.`,
    "",
  ];
  write(Deno.stdout, summary.join("\n"));
  if (out) {
    const doc = [head, ...reports.map(renderScenario), ...summary].join("\n");
    await Deno.writeTextFile(out, doc);
    // `deno task fmt` checks Markdown too: align the tables the way it wants them.
    await runChild({ args: ["fmt", "--quiet", out] }, 60_000);
    log(`wrote ${out}`);
  }
  return crashed ? 1 : 0;
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      log(`${signal}: stopping children`);
      stopAllChildren().finally(() => Deno.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
  Deno.exit(await main());
}

/**
 * Resume latency: a 10M-row CSV whose run was SIGKILLed at 90% must start sending within 2 s of the
 * resumed process's spawn. The work happens in `resume_host.ts`, a child with a large V8 heap that
 * hosts the simulator (10M stored records do not fit the default heap).
 *
 * @module
 */
import { finishChild, spawnChild } from "./children.ts";
import { ensureData, generateArgv, writeConfig } from "./data.ts";
import { loadAverage } from "./proc.ts";
import { fmt, type ScenarioReport } from "./report.ts";
import type { ResumeHostResult } from "./resume_host.ts";
import { type BenchContext, legacyRow, loadNote } from "./sampling.ts";

const HOST_TS = new URL("./resume_host.ts", import.meta.url).pathname;
const FRACTION = 0.9;
const TARGET_MS = 2000;

/** Scenario (resume): 10M rows (1M with `--quick`), killed at 90%, resumed once. */
export async function resumeScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const records = ctx.quick ? 1_000_000 : 10_000_000;
  const title = `(resume) ${records.toLocaleString("en-US")}-row CSV killed at ${FRACTION * 100}%, resumed`;
  ctx.log(`scenario ${title}`);
  const before = loadAverage();
  const data = await ensureData(ctx.dataRoot, records, ctx.log);
  const config = await writeConfig(ctx.workDir, data, "resume");
  const host = spawnChild({
    args: [
      "run",
      "-A",
      "--v8-flags=--max-old-space-size=12288",
      HOST_TS,
      config,
      ctx.workDir,
      String(records),
      String(
        FRACTION,
      ),
    ],
    onStderr: (text) => {
      for (const line of text.split("\n")) if (line.startsWith("  [resume]")) ctx.log(line);
    },
  });
  const end = await finishChild(host, 1_800_000);
  const line = end.stdout.trim().split("\n").findLast((l) => l.startsWith("{"));
  if (end.code !== 0 || !line) {
    throw new Error(
      `resume host failed (exit ${end.code}${end.timedOut ? ", timed out" : ""}): ${
        end.stderrTail.slice(-1500)
      }`,
    );
  }
  const r = JSON.parse(line) as ResumeHostResult;
  const remaining = r.records - r.storedAfterKill;
  const clean = r.resume.exitCode === 0 && r.finalStored === r.records && r.duplicates === 0 &&
    r.resume.failed === 0;
  const ok = r.firstInsertMs !== null && r.firstInsertMs <= TARGET_MS && clean;
  const scaleOk = r.scale.firstRequestMs !== null && r.scale.firstRequestMs <= TARGET_MS &&
    r.scale.exitCode === 0 && r.scale.stored === r.scale.resend && r.scale.ledgerBytes < 1024 ** 3;
  const f = r.footprint;
  const sendSeconds = r.firstInsertMs === null ? NaN : r.resume.wallSeconds - r.firstInsertMs / 1000;
  ctx.log(`  resume: first insert ${fmt(r.firstInsertMs ?? NaN, 0)} ms, wall ${fmt(r.resume.wallSeconds)} s`);
  return {
    id: "resume",
    title,
    rows: [
      {
        variant: "byot (resume of the killed run)",
        runs: "1",
        wall: fmt(r.resume.wallSeconds),
        recPerSec: fmt(remaining / r.resume.wallSeconds, 0),
        cpu: fmt(r.resume.cpuSeconds),
        rss: fmt(r.resume.sampledPeakRssMb, 0),
        rateLimited: fmt(r.resume.rateLimited, 0),
        failed: fmt(r.resume.failed, 0),
        target: `first insert ≤ ${TARGET_MS / 1000} s after spawn`,
        result: `first insert ${fmt((r.firstInsertMs ?? NaN) / 1000)} s (first request of any kind ${
          fmt((r.firstRequestMs ?? NaN) / 1000)
        } s); remaining ${remaining.toLocaleString("en-US")} records in ${fmt(r.resume.wallSeconds)} s`,
        ratio: `${fmt((r.firstInsertMs ?? NaN) / TARGET_MS)}× target`,
        verdict: ok ? "PASS" : "FAIL",
      },
      {
        variant: `byot (resume over a ledger of ${(r.scale.batches / 1e6).toFixed(0)}M settled batches)`,
        runs: "1",
        wall: "—",
        recPerSec: "—",
        cpu: "—",
        rss: "—",
        rateLimited: "—",
        failed: "—",
        target: `first request ≤ ${TARGET_MS / 1000} s after spawn; ledger of 500M records ≪ 1 GB`,
        result: `first request ${fmt((r.scale.firstRequestMs ?? NaN) / 1000)} s; ledger ${
          fmt(r.scale.ledgerBytes / 1048576, 1)
        } MiB for ${r.scale.batches.toLocaleString("en-US")} batches (${
          fmt(r.scale.ledgerBytes / r.scale.batches, 2)
        } B/batch); exit ${r.scale.exitCode}`,
        ratio: `${fmt((r.scale.firstRequestMs ?? NaN) / TARGET_MS)}× target`,
        verdict: scaleOk ? "PASS" : "FAIL",
      },
      legacyRow({
        runs: "—",
        wall: "—",
        result: "no resume: a rerun resends everything (and 409s without -upsert)",
      }),
    ],
    notes: [
      `First load (ledger on, batch 300, concurrency 32, simulator in the host process, zero latency) ` +
      `SIGKILLed after ${fmt(r.killAfterSeconds, 1)} s when the simulator held ` +
      `${r.storedAtKill.toLocaleString("en-US")} records (${
        r.storedAfterKill.toLocaleString("en-US")
      } once in-flight requests settled); ledger ${fmt(r.ledgerBytes / 1048576, 1)} MiB.`,
      `Resume = the same command again (no flag). Timed from the resumed process's spawn (Deno start-up, ` +
      `config, ledger open, resume point, CSV seek included) to the first insert the simulator received; ` +
      `then ${fmt(sendSeconds)} s of sending to the end of the process.`,
      `Resumed run: loaded ${r.resume.loaded.toLocaleString("en-US")}, reported resumed ${
        r.resume.resumed.toLocaleString("en-US")
      }, failed ${r.resume.failed}, requests ${r.resume.requests}, exit ${r.resume.exitCode}; simulator ` +
      `holds ${r.finalStored.toLocaleString("en-US")} of ${r.records.toLocaleString("en-US")}, ` +
      `${r.duplicates} duplicate inserts.${clean ? "" : " NOT CLEAN."}`,
      `Peak RSS of the resumed process is /proc VmHWM sampled every 50 ms: its own getrusage figure ` +
      `(${fmt(r.resume.maxRssMb, 0)} MiB) is inflated, because Linux carries the parent's resident ` +
      `memory at fork (this host holds the simulator's ${
        r.storedAfterKill.toLocaleString("en-US")
      } records) into the child's ru_maxrss across exec.`,
      `Ledger footprint after the kill: ${f.batches.toLocaleString("en-US")} batches recorded, ` +
      `${f.batchRows.toLocaleString("en-US")} batch rows stored (settled batches fold into one row per ` +
      `vault; one sample row per 1024 batches and the last few stay), ~${
        fmt(f.rowBytes, 0)
      } B of payload per ` +
      `stored row; file ${fmt(f.bytes / 1048576, 1)} MiB with its WAL. A 500M-record load at batch size 25 ` +
      `(20M batches) keeps ~${Math.ceil(20_000_000 / 1024).toLocaleString("en-US")} rows ≈ ${
        fmt((Math.ceil(20_000_000 / 1024) * f.rowBytes) / 1048576, 1)
      } MiB of batch payload (before: 20M rows × ~150 B ≈ 3 GB); the synthetic 20M-batch ledger measured ` +
      `${fmt(r.scale.ledgerBytes / 1048576, 1)} MiB.`,
      `Synthetic ${r.scale.batches.toLocaleString("en-US")}-batch resume: the finished run rewritten as an ` +
      `interrupted run that settled that many batches (settled row + sample rows by recursive CTE + the last ` +
      `kept rows re-numbered); the resume rebuilt one settled batch and sent the ` +
      `${r.scale.resend.toLocaleString("en-US")} records after it (simulator holds ${
        r.scale.stored.toLocaleString("en-US")
      }). Before the watermark a resume scanned every batch row (~1.1 µs per row: ~22 s at 20M rows).`,
      `One run: each run needs a fresh 90%-loaded vault (a full first load), so K does not apply here.`,
      loadNote(before, loadAverage()),
    ],
    commands: [
      `deno task byot ${generateArgv(records, "$DATA").join(" ")}   # once, cached`,
      `deno run -A --v8-flags=--max-old-space-size=12288 bench/resume_host.ts $WORK/config.json $WORK ` +
      `${records} ${FRACTION}`,
      `#   host: startSimulator() in-process; SKYFLOW_BEARER_TOKEN=bench deno task byot load ` +
      `--config $WORK/config.json --vault-url $URL --state $WORK/resume-state.db --batch-size 300 ` +
      `--concurrency 32 --json; SIGKILL at ${FRACTION * 100}% stored; the same load command again`,
    ],
  };
}

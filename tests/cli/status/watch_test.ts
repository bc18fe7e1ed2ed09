import assert from "node:assert/strict";
import { main } from "../../../src/cli/main.ts";
import { openStateFile } from "../../../src/cli/shared/state_file.ts";
import { watchStatus } from "../../../src/cli/status/watch.ts";
import type { Clock } from "../../../src/common/clock.ts";
import { captureIo } from "../../_fixtures/io.ts";
import type { Batch, BatchResult } from "../../../src/common/types.ts";
import { Ledger } from "../../../src/ledger/mod.ts";
import { workspace } from "../../_fixtures/workspace.ts";

const VAULT = { name: "SSN", id: "vault-ssn", column: "ssn", table: "ssn" };

/** A clock whose sleeps return at once after moving time and running `onSleep`. */
function steppingClock(start: number, onSleep: (n: number) => void): Clock & { sleeps: number } {
  let now = start;
  const clock = {
    sleeps: 0,
    now: () => now,
    monotonic: () => now,
    sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      now += ms;
      onSleep(++clock.sleeps);
      return Promise.resolve();
    },
  };
  return clock;
}

function batch(seq: number, size: number): Batch {
  const first = seq * size;
  const records = Array.from({ length: size }, (_, i) => ({ position: first + i, value: "v", token: "t" }));
  return {
    vault: VAULT.name,
    seq,
    firstPosition: first,
    endPosition: first + size,
    records,
    skipped: {},
    cursor: { position: first },
  };
}

function result(b: Batch, failedStatus?: number): BatchResult {
  const failures = failedStatus === undefined ? [] : [{
    record: b.records[0],
    status: failedStatus,
    message: "Invalid value",
    retryable: false,
    attempts: 1,
  }];
  return {
    loaded: b.records.length - failures.length,
    failures,
    requests: 1,
    retried: false,
    lastStatus: 200,
    replayed: { upsert: 0, readback: 0, resent: 0 },
  };
}

/** A state file with one running run of 1000 records (pid: this process) and a writer for its batches. */
async function runningLoad(pid?: number) {
  const dir = await Deno.makeTempDir({ prefix: "byot-watch-" });
  const path = `${dir}/state.db`;
  const writer = Ledger.open(path);
  const run = writer.createRun({
    sourceKind: "csv",
    fingerprint: { kind: "error-log", records: 1000 },
    settings: {},
    vaults: [VAULT],
    ...(pid === undefined ? {} : { pid }),
  });
  const sink = writer.sink(run.id);
  let seq = 0;
  const settle = (failedStatus?: number) => {
    const b = batch(seq++, 100);
    sink.batchStarted(b);
    sink.batchFinished(b, result(b, failedStatus));
    sink.flush();
  };
  return {
    path,
    run,
    writer,
    settle,
    async [Symbol.asyncDispose]() {
      writer.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("watchStatus() redraws a running load every interval and stops with a final block when it finishes", async () => {
  await using load = await runningLoad();
  load.settle();
  const clock = steppingClock(Date.now(), (n) => {
    if (n === 1) load.settle(400); // one record fails with 400
    if (n === 2) load.settle();
    if (n === 3) load.writer.finishRun(load.run.id, "finished");
  });
  const io = captureIo();
  const reader = openStateFile(load.path);
  try {
    assert.equal(await watchStatus(reader, load.run.id, io, { clock, intervalMs: 2000 }), 0);
  } finally {
    reader.close();
  }
  const frames = io.out.split(/^byot status --watch: /m).slice(1);
  assert.equal(frames.length, 4, io.out);
  assert.match(frames[0], /\nSSN +1,000 +100 +0 +0 +900 /);
  assert.match(frames[0], /\nFailures +none\n/);
  assert.match(
    frames[0],
    /\nProcess \d+ +CPU [\d.]+% {2}RSS [\d.]+ MiB {2}threads \d+ {2}\d+ TCP connections/,
  );
  assert.doesNotMatch(frames[0], /Rate now/);
  assert.match(frames[1], /\nRate now +50 rec\/s over the last 2\.0s\n/);
  assert.match(frames[1], /\nSSN +1,000 +199 +1 +0 +800 /);
  assert.match(frames[1], /\nFailures +400: 1\n/);
  assert.match(frames[2], /\(Ctrl-C to stop\)/);
  assert.match(frames[3], /^\S+ \S+ UTC, every 2\.0s\n\nRun r\S+ \(csv\): finished\n/);
  assert.doesNotMatch(frames[3], /Process|Ctrl-C/);
  assert.equal(clock.sleeps, 3);
  assert.ok(!io.out.includes("\x1b["), "no escape codes off a terminal");
});

Deno.test("watchStatus() says the loader is not running when the run's pid is gone, and clears a terminal", async () => {
  await using load = await runningLoad(2 ** 31 - 1);
  load.settle();
  const base = captureIo();
  const io = { ...base, stdout: { ...base.stdout, isTerminal: true } };
  let out = "";
  io.stdout.write = (t: string) => void (out += t);
  const reader = openStateFile(load.path);
  try {
    const code = await watchStatus(reader, load.run.id, io, {
      clock: steppingClock(Date.now(), () => {}),
      maxFrames: 2,
    });
    assert.equal(code, 0);
  } finally {
    reader.close();
  }
  assert.equal(out.split("\x1b[H\x1b[2J").length - 1, 2, "two frames, each clearing the screen");
  assert.match(out, /\nProcess 2147483647 not running \(if the load was killed, resuming continues it\)\n/);
});

Deno.test("byot status --watch --json prints one JSON line a frame with the process and failures, until stopped", async () => {
  await using load = await runningLoad();
  load.settle(500);
  const io = captureIo();
  const stopped = new AbortController();
  stopped.abort();
  const code = await main(["status", "--watch", "--json", "--interval", "0.5", "--state", load.path], io, {
    signal: stopped.signal,
  });
  assert.equal(code, 0, io.err);
  const lines = io.out.trim().split("\n");
  assert.equal(lines.length, 1);
  const frame = JSON.parse(lines[0]);
  assert.equal(frame.version, 1);
  assert.equal(frame.run.status, "running");
  assert.deepEqual(frame.watch.failuresByStatus, [{ statusCode: 500, count: 1 }]);
  assert.equal(frame.watch.process.pid, Deno.pid);
  assert.equal(frame.watch.process.running, true);
  assert.ok(frame.watch.process.rssBytes > 0);
  const bad = await main(["status", "--interval", "2", "--state", load.path], captureIo());
  assert.equal(bad, 2);
});

Deno.test("byot status --watch follows a real load in this process until it finishes", async () => {
  await using ws = await workspace({
    count: 2000,
    columns: ["name"],
    simulator: { latencyMs: 20 },
    performance: { batch_size: 50, max_concurrency: 2 },
  });
  const loading = ws.load();
  let reader: Ledger | undefined;
  for (let i = 0; i < 200 && !reader?.listRuns(1).length; i++) {
    await new Promise((r) => setTimeout(r, 10));
    try {
      reader ??= openStateFile(ws.statePath);
    } catch { /* not created yet */ }
  }
  assert.ok(reader, "the load created its state file");
  const io = captureIo();
  try {
    const code = await watchStatus(reader, reader.listRuns(1)[0].id, io, { intervalMs: 100 });
    assert.equal(code, 0);
  } finally {
    reader.close();
  }
  assert.equal((await loading).code, 0);
  const frames = io.out.split(/^byot status --watch: /m).slice(1);
  assert.ok(frames.length >= 2, `${frames.length} frames`);
  assert.match(frames[0], /: running\n/);
  assert.match(frames.at(-1)!, /: finished\n[\s\S]*\nNAME +2,000 +2,000 +0 +0 +0 /);
});

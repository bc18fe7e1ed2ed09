import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import type { TextSink } from "../../src/common/io.ts";
import { type IntervalTimer, ProgressReporter } from "../../src/report/progress.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";

interface Captured extends TextSink {
  text: string;
}

function sink(isTerminal: boolean, columns?: number): Captured {
  const s = {
    text: "",
    isTerminal,
    columns,
    write(t: string) {
      s.text += t;
    },
  };
  return s;
}

/** A run 8 s in: 120,000 of 400,000 records settled (10 failed), 32 in flight, 4 retries, 2 429s. */
async function runningState(vaults = ["NAME"]): Promise<{ clock: FakeClock; metrics: RunMetrics }> {
  const clock = new FakeClock(0);
  const metrics = new RunMetrics({ clock, vaults });
  await clock.tick(8000);
  const m = metrics.vault(vaults[0]);
  m.total = 400_000;
  m.loaded = 119_990;
  m.failed = 10;
  m.rate.add(120_000);
  m.inFlight = 32;
  m.retries["429"] = 2;
  m.retries["5xx"] = 2;
  m.rateLimited = 2;
  return { clock, metrics };
}

Deno.test("ProgressReporter.tick() redraws one live line in place on a terminal", async () => {
  const { metrics } = await runningState();
  const out = sink(true, 120);
  const progress = new ProgressReporter({ sink: out, metrics });
  progress.tick();
  assert.equal(
    out.text,
    "\r\x1b[K120,000/400,000 30.0% | 15,000 rec/s | ETA 19s | in-flight 32 | retries 4 | 429s 2 | failed 10",
  );
  progress.tick(); // unchanged: nothing written
  metrics.vault("NAME").inFlight = 31;
  progress.tick();
  assert.equal(out.text.split("\r\x1b[K").length, 3);
  assert.ok(!out.text.includes("\n"));
});

Deno.test("ProgressReporter.render() drops the least important parts to fit the terminal", async () => {
  const { metrics } = await runningState();
  const progress = new ProgressReporter({ sink: sink(true, 50), metrics });
  assert.equal(progress.render(), "120,000/400,000 30.0% | 15,000 rec/s | ETA 19s");
  const tiny = new ProgressReporter({ sink: sink(true, 12), metrics });
  assert.equal(tiny.render(), "120,000/40…");
});

Deno.test("ProgressReporter.tick() writes a plain line every plainIntervalMs off a terminal", async () => {
  const { clock, metrics } = await runningState();
  const out = sink(false);
  const progress = new ProgressReporter({ sink: out, metrics, plainIntervalMs: 5000 });
  progress.tick(); // no time has passed since the reporter was created
  assert.equal(out.text, "");
  await clock.tick(4999);
  progress.tick();
  assert.equal(out.text, "");
  await clock.tick(1);
  progress.tick(); // 13 s in: 120,000 records within the last 10 s
  progress.tick(); // too soon for another line
  assert.equal(
    out.text,
    "progress: 120000/400000 records (30.0%) 12,000 rec/s ETA 23s | in-flight 32 | retries 4 | 429s 2 | failed 10\n",
  );
});

Deno.test("ProgressReporter.render() shows counts without % or ETA when the total is unknown", async () => {
  const { metrics } = await runningState();
  metrics.vault("NAME").total = undefined;
  metrics.vault("NAME").failed = 0;
  metrics.vault("NAME").loaded = 120_000;
  assert.equal(
    new ProgressReporter({ sink: sink(false), metrics }).render(),
    "progress: 120000 records 15,000 rec/s | in-flight 32 | retries 4 | 429s 2 | failed 0",
  );
  assert.equal(
    new ProgressReporter({ sink: sink(true, 100), metrics }).render(),
    "120,000 records | 15,000 rec/s | in-flight 32 | retries 4 | 429s 2",
  );
});

Deno.test("ProgressReporter.render() sums vaults and adds a short per-vault part", async () => {
  const { metrics } = await runningState(["NAME", "SSN"]);
  const ssn = metrics.vault("SSN");
  ssn.total = 100_000;
  ssn.loaded = 80_000;
  ssn.rate.add(80_000);
  assert.equal(
    new ProgressReporter({ sink: sink(false), metrics }).render(),
    "progress: 200000/500000 records (40.0%) 25,000 rec/s ETA 12s | in-flight 32 | retries 4 | 429s 2 | failed 10" +
      " | NAME 30.0% SSN 80.0%",
  );
  assert.equal(
    new ProgressReporter({ sink: sink(true, 120), metrics }).render(),
    "200,000/500,000 40.0% | 25,000 rec/s | ETA 12s | in-flight 32 | retries 4 | 429s 2 | failed 10 | NAME 30.0% SSN 80.0%",
  );
});

Deno.test("ProgressReporter.render() prints no NaN or Infinity with no data", () => {
  const clock = new FakeClock(0);
  const empty = new RunMetrics({ clock });
  assert.equal(
    new ProgressReporter({ sink: sink(true), metrics: empty }).render(),
    "0 records | 0 rec/s | in-flight 0 | retries 0 | 429s 0",
  );
  const zero = new RunMetrics({ clock, vaults: ["NAME"] });
  zero.vault("NAME").total = 0;
  assert.equal(
    new ProgressReporter({ sink: sink(false), metrics: zero }).render(),
    "progress: 0/0 records (0.0%) 0 rec/s ETA 0s | in-flight 0 | retries 0 | 429s 0 | failed 0",
  );
  zero.vault("NAME").total = 10;
  assert.match(new ProgressReporter({ sink: sink(false), metrics: zero }).render(), /ETA -- \|/);
});

Deno.test("ProgressReporter.start() and stop() drive the timer and clear the live line", async () => {
  const { metrics } = await runningState();
  let tick: (() => void) | undefined;
  let period = 0;
  const cleared: unknown[] = [];
  const timer: IntervalTimer = {
    setInterval(fn, ms) {
      tick = fn;
      period = ms;
      return 7;
    },
    clearInterval: (id) => void cleared.push(id),
  };
  const out = sink(true, 120);
  const progress = new ProgressReporter({ sink: out, metrics, timer });
  progress.start();
  progress.start(); // idempotent
  assert.equal(period, 250);
  assert.ok(progress.running);
  tick!();
  progress.println("warning: something");
  progress.stop();
  progress.stop();
  assert.deepEqual(cleared, [7]);
  assert.ok(!progress.running);
  const frame =
    "120,000/400,000 30.0% | 15,000 rec/s | ETA 19s | in-flight 32 | retries 4 | 429s 2 | failed 10";
  assert.equal(out.text, `\r\x1b[K${frame}\r\x1b[Kwarning: something\n${frame}\r\x1b[K`);
});

Deno.test("ProgressReporter.stop() writes nothing off a terminal and println() writes plain lines", async () => {
  const { metrics } = await runningState();
  const out = sink(false);
  const progress = new ProgressReporter({
    sink: out,
    metrics,
    timer: { setInterval: () => 1, clearInterval: () => {} },
  });
  progress.start();
  progress.println("note");
  progress.stop();
  assert.equal(out.text, "note\n");
});

Deno.test("ProgressReporter works with the real timer and leaks nothing after stop()", () => {
  const { metrics } = { metrics: new RunMetrics({ clock: new FakeClock(0) }) };
  const progress = new ProgressReporter({ sink: sink(true), metrics });
  progress.start();
  progress.stop();
  assert.ok(!progress.running);
});

import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { promtoolCheck, systemTool } from "../../_fixtures/tools.ts";
import { workspace } from "../../_fixtures/workspace.ts";

const promtool = systemTool("promtool", "apt-get install -y prometheus");

/** A TCP port nothing listens on right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The value of one sample line, or undefined when the series is absent. */
function series(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function scrape(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url);
    return res.ok ? await res.text() : (await res.body?.cancel(), undefined);
  } catch {
    return undefined;
  }
}

Deno.test({
  name:
    "during a load, /metrics counts records and requests that grow between two scrapes, and promtool accepts it",
  ignore: promtool.ignore,
  async fn() {
    await using ws = await workspace({
      count: 3000,
      columns: ["name"],
      simulator: { latencyMs: 25 },
      performance: { batch_size: 10, max_concurrency: 2 },
    });
    const port = freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const running = ws.load(["--metrics-addr", `127.0.0.1:${port}`, "--sample-interval", "1"]);
    const loaded = 'byot_records_total{vault="NAME",outcome="loaded"}';
    let first: string | undefined;
    for (let i = 0; i < 200 && !(first && (series(first, loaded) ?? 0) > 0); i++) {
      first = await scrape(url);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(first, "the endpoint answered during the load");
    await new Promise((r) => setTimeout(r, 700));
    const second = await scrape(url);
    assert.ok(second, "the endpoint answered a second time during the load");
    const run = await running;
    assert.equal(run.code, 0, run.err);
    ws.assertExact("name");

    const requests = 'byot_requests_total{vault="NAME",status="200"}';
    const latency = 'byot_request_duration_seconds_count{vault="NAME",kind="insert"}';
    for (const name of [loaded, requests, latency]) {
      assert.ok(
        series(second, name)! > series(first, name)!,
        `${name} grew: ${series(first, name)} → ${series(second, name)}`,
      );
    }
    assert.equal(series(second, 'byot_records_expected{vault="NAME"}'), 3000);
    assert.equal(series(second, 'byot_concurrency_limit{vault="NAME"}'), 2);
    assert.ok(series(second, 'byot_requests_in_flight{vault="NAME"}')! <= 2);
    assert.match(
      second,
      /byot_run_info\{version="[^"]+",run_id="[0-9a-z-]+",source="csv",command="load"\} 1/,
    );
    assert.ok(!second.includes("test-token"), "no secret in the metrics");
    assert.ok(!second.includes(ws.sim.url), "no vault URL in the metrics");
    assert.deepEqual(await promtoolCheck(promtool.path ?? "promtool", second), { code: 0, output: "" });
    assert.match(run.err, new RegExp(`Prometheus metrics: ${url.replaceAll(".", "\\.")}`));
    assert.equal(await scrape(url), undefined, "the endpoint closes when the run ends");

    const ledger = Ledger.open(ws.statePath);
    try {
      const [info] = ledger.listRuns(1);
      const samples = ledger.samples(info.id);
      assert.ok(samples.length >= 2, `one sample a second (${samples.length})`);
      assert.equal(samples.reduce((n, s) => n + s.loaded, 0), 3000, "the samples add up to the load");
      assert.ok(
        samples.some((s) => s.latencyP50Ms >= 20 && s.latencyP99Ms >= s.latencyP50Ms),
        "latency sampled",
      );
      assert.ok(samples.every((s) => s.concurrencyLimit === 2 && s.vault === "NAME"));
    } finally {
      ledger.close();
    }
  },
});

Deno.test("a malformed --metrics-addr is a one-line usage error (exit 2)", async () => {
  await using ws = await workspace({ count: 10, columns: ["name"] });
  const run = await ws.load(["--metrics-addr", "localhost"]);
  assert.equal(run.code, 2);
  assert.equal(
    run.err,
    '--metrics-addr must be HOST:PORT, e.g. 0.0.0.0:9464 (got "localhost")\n'.replace(/^/, "error: "),
  );
});

Deno.test("a metrics address in use stops the load before any run is recorded (exit 2)", async () => {
  await using ws = await workspace({ count: 10, columns: ["name"] });
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const run = await ws.load([], { env: { BYOT_METRICS_ADDR: `127.0.0.1:${port}` } });
    assert.equal(run.code, 2, run.err);
    assert.equal(
      run.err,
      `error: --metrics-addr 127.0.0.1:${port}: cannot listen: the address is already in use\n`,
    );
    const ledger = Ledger.open(ws.statePath);
    try {
      assert.deepEqual(ledger.listRuns(), []);
    } finally {
      ledger.close();
    }
    assert.equal(ws.sim.stats.requests.insert ?? 0, 0);
  } finally {
    busy.close();
  }
});

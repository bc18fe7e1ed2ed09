import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { serveMetrics } from "../../src/report/metrics_server.ts";
import { PrometheusMetrics } from "../../src/report/prometheus.ts";
import { RunMetrics } from "../../src/report/run_metrics.ts";
import { promtoolCheck, systemTool } from "../_fixtures/tools.ts";
import { batch, result } from "./_fixtures.ts";

const promtool = systemTool("promtool", "apt-get install -y prometheus");

function sampleRun() {
  const clock = new FakeClock(1_000_000);
  const metrics = new RunMetrics({ clock, vaults: ["NAME", "SSN"] });
  metrics.vault("NAME").total = 1000;
  const prom = new PrometheusMetrics({
    metrics,
    info: { version: "9.9.9", runId: "run-1", source: "csv", command: "load" },
  });
  const observer = prom.observe(metrics.observer);
  metrics.start();
  observer.request({ vault: "NAME", kind: "insert", status: 200, latencyMs: 40, records: 25 });
  observer.request({ vault: "NAME", kind: "insert", status: 429, latencyMs: 3, records: 25 });
  observer.retry({ vault: "NAME", reason: "429", delayMs: 100 });
  observer.request({ vault: "SSN", kind: "insert", status: 0, latencyMs: 60_000, records: 25 });
  metrics.batchFinished(batch("NAME", 25, { empty_value: 2 }), result(24, 1));
  let limit = 8;
  metrics.vault("NAME").limiter = {
    active: 3,
    get limit() {
      return limit;
    },
  };
  return { clock, metrics, prom, setLimit: (n: number) => void (limit = n) };
}

Deno.test("the exposition names every series with the run's numbers", async () => {
  const { prom, setLimit } = sampleRun();
  const text = await prom.text();
  const lines = new Set(text.split("\n"));
  for (
    const line of [
      'byot_run_info{version="9.9.9",run_id="run-1",source="csv",command="load"} 1',
      'byot_records_total{vault="NAME",outcome="loaded"} 24',
      'byot_records_total{vault="NAME",outcome="already_present"} 0',
      'byot_records_total{vault="NAME",outcome="failed"} 1',
      'byot_records_total{vault="NAME",outcome="skipped"} 2',
      'byot_records_total{vault="SSN",outcome="loaded"} 0',
      'byot_requests_total{vault="NAME",status="200"} 1',
      'byot_requests_total{vault="NAME",status="429"} 1',
      'byot_requests_total{vault="SSN",status="0"} 1',
      'byot_rate_limited_total{vault="NAME"} 1',
      'byot_retries_total{vault="NAME",reason="429"} 1',
      'byot_retries_total{vault="NAME",reason="5xx"} 0',
      'byot_requests_in_flight{vault="NAME"} 3',
      'byot_concurrency_limit{vault="NAME"} 8',
      'byot_records_expected{vault="NAME"} 1000',
      'byot_records_done{vault="NAME"} 27',
      'byot_request_duration_seconds_bucket{le="0.005",vault="NAME",kind="insert"} 1',
      'byot_request_duration_seconds_bucket{le="0.05",vault="NAME",kind="insert"} 2',
      'byot_request_duration_seconds_count{vault="SSN",kind="insert"} 1',
    ]
  ) assert.ok(lines.has(line), `missing: ${line}\n${text}`);
  assert.ok(!text.includes('byot_records_expected{vault="SSN"}'), "an unknown total is left out");
  setLimit(2);
  assert.ok(
    (await prom.text()).includes('byot_concurrency_limit{vault="NAME"} 2'),
    "gauges are read per scrape",
  );
});

Deno.test("the ETA is the remaining rows over the live rate, and 0 once the vault is done", async () => {
  const { clock, metrics, prom } = sampleRun();
  await clock.tick(1000);
  const eta = Number(/byot_eta_seconds\{vault="NAME"\} (\S+)/.exec(await prom.text())?.[1]);
  assert.ok(eta > 0 && Number.isFinite(eta), `eta ${eta}`);
  metrics.vault("NAME").loaded += 973;
  assert.match(await prom.text(), /byot_eta_seconds\{vault="NAME"\} 0\n/);
});

Deno.test({
  name: "promtool accepts the exposition without a lint warning",
  ignore: promtool.ignore,
  async fn() {
    const { prom } = sampleRun();
    const check = await promtoolCheck(promtool.path ?? "promtool", await prom.text());
    assert.deepEqual(check, { code: 0, output: "" });
  },
});

Deno.test("the endpoint serves /metrics with the Prometheus content type and 404s elsewhere", async () => {
  const { prom } = sampleRun();
  const server = serveMetrics({
    hostname: "127.0.0.1",
    port: 0,
    render: () => prom.text(),
    contentType: prom.contentType,
  });
  try {
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(await res.text(), /byot_records_total\{vault="NAME",outcome="loaded"\} 24/);
    const other = await fetch(server.url.replace("/metrics", "/secret"));
    assert.equal(other.status, 404);
    await other.body?.cancel();
    const post = await fetch(server.url, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("an address in use is a one-line ConfigError naming it", async () => {
  const first = serveMetrics({ hostname: "127.0.0.1", port: 0, render: () => Promise.resolve("") });
  try {
    assert.throws(
      () =>
        serveMetrics({
          hostname: "127.0.0.1",
          port: first.port,
          render: () => Promise.resolve(""),
          label: "--metrics-addr x",
        }),
      (e: unknown) =>
        e instanceof ConfigError && e.exitCode === 2 &&
        /^--metrics-addr x: cannot listen: the address is already in use$/.test(e.message),
    );
  } finally {
    await first.close();
  }
});

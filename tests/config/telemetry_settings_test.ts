import assert from "node:assert/strict";
import { captureIo } from "../_fixtures/io.ts";
import { ConfigError } from "../../src/common/errors.ts";
import type { ConfigFile } from "../../src/config/config_file.ts";
import { parseListenAddress } from "../../src/config/listen_address.ts";
import { resolveTelemetry } from "../../src/config/telemetry_settings.ts";
import { failure, resolve, workspace } from "./_helpers.ts";

function config(metrics: ConfigFile["metrics"]): ConfigFile {
  return {
    path: "c.json",
    skyflow: { vaults: [] },
    csv: {},
    performance: {},
    snowflake: { raw: {} },
    metrics,
  };
}

Deno.test("parseListenAddress() reads HOST:PORT, :PORT and [IPv6]:PORT and refuses the rest", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:9464", "x"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListenAddress(":9464", "x"), { hostname: "0.0.0.0", port: 9464 });
  assert.deepEqual(parseListenAddress("[::1]:0", "x"), { hostname: "::1", port: 0 });
  assert.deepEqual(parseListenAddress(" metrics.local:80 ", "x"), { hostname: "metrics.local", port: 80 });
  for (const bad of ["9464", "host:", "host:65536", "http://h:1", "h:1/metrics", "::1:9464"]) {
    assert.throws(
      () => parseListenAddress(bad, "--metrics-addr"),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith("--metrics-addr must be HOST:PORT"),
      bad,
    );
  }
});

Deno.test("the metrics address comes from the flag, else BYOT_METRICS_ADDR, else metrics.addr; off by default", () => {
  const env = captureIo({ env: { BYOT_METRICS_ADDR: "0.0.0.0:2" } });
  const none = captureIo();
  const file = config({ addr: "0.0.0.0:3", sampleIntervalS: 5 });
  assert.deepEqual(resolveTelemetry({}, none, config({})), {});
  assert.deepEqual(resolveTelemetry({}, none, file), {
    metricsAddr: { hostname: "0.0.0.0", port: 3 },
    sampleIntervalMs: 5000,
  });
  assert.equal(resolveTelemetry({}, env, file).metricsAddr?.port, 2);
  assert.equal(
    resolveTelemetry({ metricsAddr: "0.0.0.0:1", sampleInterval: 2.5 }, env, file).metricsAddr?.port,
    1,
  );
  assert.equal(resolveTelemetry({ sampleInterval: 2.5 }, none, file).sampleIntervalMs, 2500);
});

Deno.test("a bad metrics setting names where it came from", () => {
  const io = captureIo();
  assert.throws(
    () => resolveTelemetry({}, io, config({ addr: "nope" })),
    /^ConfigError: c\.json: metrics\.addr must be HOST:PORT/,
  );
  assert.throws(
    () => resolveTelemetry({ sampleInterval: 0.5 }, io, config({})),
    /--sample-interval must be a number of seconds from 1 to 3600 \(got 0\.5\)/,
  );
});

Deno.test("resolveLoadSettings() reads the metrics section of the config file", async () => {
  await using ws = await workspace((c) =>
    void (c.metrics = { addr: "127.0.0.1:9464", sample_interval_s: 30 })
  );
  const { settings } = await resolve(ws);
  assert.deepEqual(settings.metricsAddr, { hostname: "127.0.0.1", port: 9464 });
  assert.equal(settings.sampleIntervalMs, 30_000);
  await using bad = await workspace((c) => void (c.metrics = { addr: 9464 }));
  assert.match(await failure(resolve(bad)), /metrics\.addr must be a string \(got 9464\)/);
});

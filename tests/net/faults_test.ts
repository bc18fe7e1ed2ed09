/**
 * Loads through network faults: TCP toxics from the loopback fault proxy between byot and the
 * simulator, and the simulator's own faults. Each load must finish with exit 0, the vault must hold
 * every pair exactly once, no request may outlive its timeout, and the summary must count the
 * retries the faults caused.
 */
import assert from "node:assert/strict";
import type { LoadSettings } from "../../src/config/settings.ts";
import type { SummaryJson } from "../../src/report/json.ts";
import type { SimulatorOptions } from "../../src/vault/simulator/mod.ts";
import { createTokenProvider } from "../../src/vault/auth/token_factory.ts";
import { StaticTokenProvider } from "../../src/vault/auth/token_provider.ts";
import { type Workspace, workspace } from "../_fixtures/workspace.ts";
import { type FaultProxyOptions, type FaultProxyStats, startFaultProxy } from "./fault_proxy.ts";
import { privatePem, publicPem, rsaKeyPair } from "../_fixtures/rsa.ts";

const COUNT = 2000;
const TIMEOUT_MS = 500;
/** Scheduling slack on top of the per-request timeout (two shared cores). */
const SLACK_MS = 300;

interface Loaded {
  code: number;
  err: string;
  summary: SummaryJson;
  ms: number;
}

async function load(ws: Workspace, extra: string[] = [], env: Record<string, string> = {}): Promise<Loaded> {
  const started = performance.now();
  const run = await ws.load([
    "--batch-size",
    "25",
    "--concurrency",
    "4",
    "--timeout-ms",
    String(TIMEOUT_MS),
    "--json",
    ...extra,
  ], { env });
  const ms = performance.now() - started;
  assert.equal(run.code, 0, run.err);
  return { code: run.code, err: run.err, summary: JSON.parse(run.out) as SummaryJson, ms };
}

/** Exit 0 (checked in `load`), exact set, no request past its timeout, retries as expected. */
function assertSound(ws: Workspace, run: Loaded, retries: "none" | "some" | "any"): void {
  ws.assertExact("name");
  const t = run.summary.totals;
  assert.equal(t.loaded, COUNT);
  assert.ok(t.latencyMs.max <= TIMEOUT_MS + SLACK_MS, `slowest request took ${t.latencyMs.max} ms`);
  assert.ok(run.ms < 20_000, `load took ${Math.round(run.ms)} ms`);
  if (retries === "some") assert.ok(t.retries.total > 0, "the summary counts the retries");
  else if (retries === "none") assert.equal(t.retries.total, 0, JSON.stringify(t.retries));
}

function retriesFor(run: Loaded, reason: string): number {
  return (run.summary.totals.retries.byReason as Record<string, number>)[reason] ?? 0;
}

const toxics: {
  name: string;
  proxy: Omit<FaultProxyOptions, "upstream">;
  retries: "none" | "some";
  /** A retry reason the faults must show up as. */
  reason?: string;
  injected: (s: FaultProxyStats) => number;
}[] = [
  {
    name: "latency and jitter",
    proxy: { toxics: { latency: 1 }, latencyMs: 10, jitterMs: 30 },
    retries: "none",
    injected: (s) => s.latency,
  },
  {
    name: "a bandwidth cap",
    proxy: { toxics: { bandwidth: 1 }, bytesPerSecond: 256 * 1024 },
    retries: "none",
    injected: (s) => s.bandwidth,
  },
  {
    name: "answers sliced into small delayed pieces",
    proxy: { toxics: { slicer: 1 }, sliceBytes: 64, sliceDelayMs: 1 },
    retries: "none",
    injected: (s) => s.slicer,
  },
  {
    name: "connection resets before, after and during the answer",
    proxy: { toxics: { reset: 0.1 } },
    retries: "some",
    reason: "network",
    injected: (s) => s.resetBefore + s.resetAfter + s.resetMid,
  },
  {
    name: "a black hole that never answers",
    proxy: { toxics: { blackhole: 0.05 } },
    retries: "some",
    reason: "timeout",
    injected: (s) => s.blackholeSwallowed + s.blackholeForwarded,
  },
  {
    name: "every toxic at once",
    proxy: {
      toxics: { latency: 0.3, bandwidth: 0.3, slicer: 0.3, reset: 0.05, blackhole: 0.03 },
      latencyMs: 10,
      jitterMs: 20,
      bytesPerSecond: 256 * 1024,
    },
    retries: "some",
    injected: (s) => s.resetBefore + s.resetAfter + s.resetMid + s.blackholeSwallowed + s.blackholeForwarded,
  },
];

for (const toxic of toxics) {
  Deno.test(`byot load through ${toxic.name} loads every pair exactly once`, async () => {
    await using ws = await workspace({ count: COUNT, columns: ["name"] });
    await using proxy = startFaultProxy({ upstream: ws.sim.url, seed: 7, ...toxic.proxy });
    const run = await load(ws, ["--vault-url", proxy.url]);
    assert.ok(toxic.injected(proxy.stats) > 0, `faults injected: ${JSON.stringify(proxy.stats)}`);
    assertSound(ws, run, toxic.retries);
    if (toxic.reason) {
      assert.ok(retriesFor(run, toxic.reason) > 0, JSON.stringify(run.summary.totals.retries));
    }
  });
}

const simulatorFaults: { name: string; simulator: SimulatorOptions; extra?: string[]; reason: string }[] = [
  { name: "a 429 storm", simulator: { rateLimit: 40 }, extra: ["--concurrency", "8"], reason: "429" },
  { name: "5xx bursts", simulator: { errorRate: 0.15 }, reason: "5xx" },
  { name: "requests applied and then cut", simulator: { dropRate: 0.08 }, reason: "network" },
];

for (const fault of simulatorFaults) {
  Deno.test(`byot load through ${fault.name} loads every pair exactly once`, async () => {
    await using ws = await workspace({ count: COUNT, columns: ["name"], simulator: fault.simulator });
    const run = await load(ws, fault.extra);
    assertSound(ws, run, "some");
    assert.ok(retriesFor(run, fault.reason) > 0, JSON.stringify(run.summary.totals.retries));
  });
}

/** True once `createTokenProvider` builds a refreshing provider from service-account credentials. */
function serviceAccountsSupported(): boolean {
  const settings = { bearerToken: "", tokenOrigin: "credentials", credentials: "{}", roles: [] };
  try {
    return !(createTokenProvider(settings as unknown as LoadSettings) instanceof StaticTokenProvider);
  } catch {
    return true; // it tried to read the credentials
  }
}

async function serviceAccount(tokenUri: string): Promise<{ credentials: string; publicKey: string }> {
  const keys = await rsaKeyPair();
  const credentials = JSON.stringify({
    clientID: "client-1",
    clientName: "byot-test",
    keyID: "key-1",
    tokenURI: tokenUri,
    privateKey: await privatePem(keys.privateKey),
  });
  return { credentials, publicKey: await publicPem(keys.publicKey) };
}

Deno.test({
  name: "byot load with service-account tokens that expire every second refreshes them and loads exactly",
  ignore: !serviceAccountsSupported(),
  fn: async () => {
    await using ws = await workspace({
      count: COUNT,
      columns: ["name"],
      simulator: { tokenTtlSeconds: 1, bearerToken: "only-issued-tokens-pass" },
    });
    const account = await serviceAccount(`${ws.sim.url}/v1/auth/sa/oauth/token`);
    ws.sim.options.serviceAccountPublicKey = account.publicKey;
    await Deno.writeTextFile(`${ws.dir}/credentials.json`, account.credentials, { mode: 0o600 });
    // 80 requests at 30 per second: the load spans about three token lifetimes
    const run = await load(ws, ["--credentials", `${ws.dir}/credentials.json`, "--max-rps", "30"], {
      SKYFLOW_BEARER_TOKEN: "",
    });
    assertSound(ws, run, "any");
    assert.ok(ws.sim.stats.tokensIssued >= 2, `${ws.sim.stats.tokensIssued} tokens issued`);
  },
});

/**
 * Shared fixtures of the vault client tests: a running simulator, records and batches, a client and
 * sender wired to the simulator with small backoffs, exact set checks against the simulator's store,
 * an observer that records events, and a rewriting proxy for answers the simulator cannot produce.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Batch, SourceRecord, VaultObserver, VaultSpec } from "../../src/common/types.ts";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../src/vault/simulator/mod.ts";
import { VaultClient, type VaultClientOptions } from "../../src/vault/client.ts";
import { BatchSender, type BatchSenderOptions } from "../../src/vault/batch_sender.ts";
import { vaultFetch } from "../../src/vault/vault_fetch.ts";
import { StaticTokenProvider } from "../../src/vault/auth/token_provider.ts";

/** The vault every test loads into. */
export const VAULT: VaultSpec = { name: "NAME", id: "v1", column: "name", table: "name" };

/** Runs `fn` against a fresh simulator and always shuts it down. */
export async function withSim<T>(
  options: SimulatorOptions,
  fn: (sim: Simulator) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await fn(sim);
  } finally {
    await sim.shutdown();
  }
}

/** `n` distinct records `${prefix}-${i}` with tokens `tok-${prefix}-${i}`, positions from `start`. */
export function makeRecords(n: number, prefix = "r", start = 0): SourceRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    position: start + i,
    value: `${prefix}-${start + i}`,
    token: `tok-${prefix}-${start + i}`,
  }));
}

/** A batch carrying `records`. */
export function makeBatch(records: SourceRecord[], init: Partial<Batch> = {}): Batch {
  const first = records[0]?.position ?? 0;
  return {
    vault: VAULT.name,
    seq: 0,
    firstPosition: first,
    endPosition: first + records.length,
    records,
    skipped: {},
    cursor: { position: first },
    ...init,
  };
}

/** A client for the simulator with fast backoffs (base 2 ms, cap 20 ms) and a static token. */
export function makeClient(sim: { url: string }, options: Partial<VaultClientOptions> = {}): VaultClient {
  return new VaultClient({
    vaultUrl: sim.url,
    vaultName: VAULT.name,
    tokens: new StaticTokenProvider("test-token"),
    backoffBaseMs: 2,
    backoffCapMs: 20,
    timeoutMs: 5_000,
    ...options,
  });
}

/** A sender for {@linkcode VAULT} over `client`, with `ENABLE_STRICT` and a real sleep. */
export function makeSender(client: VaultClient, options: Partial<BatchSenderOptions> = {}): BatchSender {
  return new BatchSender({
    client,
    vault: VAULT,
    byotMode: "ENABLE_STRICT",
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        setTimeout(resolve, ms);
      }),
    ...options,
  });
}

/** Stores `records` directly in the simulator's store (as if an earlier run had loaded them). */
export function preInsert(sim: Simulator, records: readonly SourceRecord[]): void {
  for (const r of records) sim.store.insert(VAULT.id, VAULT.table, { name: r.value }, { name: r.token });
}

/**
 * Exact set check: the simulator holds every pair of `expected` once and nothing else, and no
 * token was ever inserted twice.
 */
export function assertStoredExactly(sim: Simulator, expected: readonly SourceRecord[]): void {
  const pairs = sim.store.pairs(VAULT.id, VAULT.table, VAULT.column);
  const want = new Map(expected.map((r) => [r.value, r.token]));
  assert.equal(want.size, expected.length, "expected records must have distinct values");
  assert.equal(sim.store.count(VAULT.id, VAULT.table), want.size, "stored record count");
  assert.equal(pairs.size, want.size, "stored pair count");
  for (const [value, token] of want) assert.equal(pairs.get(value), token, `pair of ${value}`);
  assert.equal(sim.stats.duplicateInserts, 0, "duplicate inserts");
}

/** An observer that keeps every event. */
export class RecordingObserver implements VaultObserver {
  readonly requests: Parameters<VaultObserver["request"]>[0][] = [];
  readonly retries: Parameters<VaultObserver["retry"]>[0][] = [];
  readonly replays: Parameters<VaultObserver["replay"]>[0][] = [];
  readonly splits: Parameters<VaultObserver["split"]>[0][] = [];
  request(e: Parameters<VaultObserver["request"]>[0]): void {
    this.requests.push(e);
  }
  retry(e: Parameters<VaultObserver["retry"]>[0]): void {
    this.retries.push(e);
  }
  replay(e: Parameters<VaultObserver["replay"]>[0]): void {
    this.replays.push(e);
  }
  split(e: Parameters<VaultObserver["split"]>[0]): void {
    this.splits.push(e);
  }
  build(): void {}
}

/**
 * The real vault client ({@linkcode vaultFetch}), calling `change()` once the `n`-th request's
 * answer (or failure) has arrived (the simulator has decided its fault by then), e.g. to turn a fault off after
 * the first request.
 */
export function changeAfter(n: number, change: () => void): typeof fetch {
  let calls = 0;
  return async (input, init) => {
    try {
      return await vaultFetch(input, init);
    } finally {
      if (++calls === n) change();
    }
  };
}

/** A local port nobody listens on. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Polls `condition` on the real clock until it holds (fails after `timeoutMs`). */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A running proxy. */
export interface Proxy {
  url: string;
  shutdown(): Promise<void>;
}

/**
 * A real HTTP proxy in front of `target` that lets `rewrite` change each answer's JSON body (the
 * n-th forwarded request, 1-based, and the parsed body); returns the body unchanged when `rewrite`
 * gives undefined. `answer` sees each request's parsed JSON body first and may answer it itself
 * instead (the request then never reaches `target`). For answers the simulator cannot give, such as
 * a per-record 5xx in a Batch response.
 */
export function startProxy(
  target: string,
  rewrite: (n: number, body: unknown) => unknown | undefined,
  answer: (requestBody: unknown) => Response | undefined = () => undefined,
): Promise<Proxy> {
  let n = 0;
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: (addr) =>
        resolve({ url: `http://127.0.0.1:${addr.port}`, shutdown: () => server.shutdown() }),
    }, async (req) => {
      const body = req.body ? await req.text() : undefined;
      const own = answer(body === undefined ? undefined : JSON.parse(body));
      if (own) return own;
      const url = new URL(req.url);
      const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body,
      });
      const text = await upstream.text();
      const changed = rewrite(++n, JSON.parse(text));
      const headers = new Headers(upstream.headers);
      headers.delete("content-length");
      return new Response(changed === undefined ? text : JSON.stringify(changed), {
        status: upstream.status,
        headers,
      });
    });
  });
}

/**
 * A small loopback TCP fault proxy for byot's network tests, after Toxiproxy's toxics: it sits
 * between byot and the vault simulator and, per exchange (one HTTP request and its answer on a
 * keep-alive connection), applies toxics drawn from a seeded generator:
 *
 * | Toxic       | Effect                                                                        |
 * |-------------|-------------------------------------------------------------------------------|
 * | `latency`   | every forwarded chunk waits `latencyMs` plus up to `jitterMs`                  |
 * | `bandwidth` | both directions are paced to `bytesPerSecond`                                  |
 * | `slicer`    | the answer is forwarded in small pieces with small pauses between them         |
 * | `reset`     | both sockets are closed abruptly: before the request is forwarded, after the   |
 * |             | vault answered (applied, no answer), or in the middle of the answer            |
 * | `blackhole` | the request is swallowed (or forwarded, applied) and no answer ever comes back |
 *
 * Exchanges are found without parsing HTTP: client bytes that arrive after answer bytes start a new
 * exchange (HTTP/1.1 clients do not pipeline). Only loopback addresses are accepted on both sides;
 * the proxy closes itself after `maxLifetimeMs` so a broken test cannot leave it running.
 *
 * @module
 */
import { mulberry32 } from "../../src/vault/simulator/mod.ts";

/** The toxics the proxy can apply. */
export type ToxicKind = "latency" | "bandwidth" | "slicer" | "reset" | "blackhole";

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** Base URL of the upstream, loopback only (e.g. the simulator's `url`). */
  upstream: string;
  /** Probability per exchange of each toxic (reset and blackhole exclude each other). @default {} */
  toxics?: Partial<Record<ToxicKind, number>>;
  /** `latency`: delay of every forwarded chunk in ms. @default 20 */
  latencyMs?: number;
  /** `latency`: extra random delay in `[0, jitterMs)`. @default 20 */
  jitterMs?: number;
  /** `bandwidth`: bytes per second, per direction of a connection. @default 65536 */
  bytesPerSecond?: number;
  /** `slicer`: mean size of a slice in bytes. @default 32 */
  sliceBytes?: number;
  /** `slicer`: pause between slices in ms, at most. @default 2 */
  sliceDelayMs?: number;
  /** Seed of the toxic draws. @default 1 */
  seed?: number;
  /** The proxy closes itself after this many ms. @default 120000 */
  maxLifetimeMs?: number;
  /** Connections accepted at most; later ones are closed at once. @default 10000 */
  maxConnections?: number;
}

/** What the proxy did, for assertions. */
export interface FaultProxyStats {
  connections: number;
  exchanges: number;
  latency: number;
  bandwidth: number;
  slicer: number;
  /** Resets before the request reached the upstream (never applied). */
  resetBefore: number;
  /** Resets after the upstream answered (applied, answer lost). */
  resetAfter: number;
  /** Resets in the middle of the answer (applied, answer cut). */
  resetMid: number;
  /** Requests swallowed without reaching the upstream. */
  blackholeSwallowed: number;
  /** Requests forwarded whose answer was swallowed (applied, never answered). */
  blackholeForwarded: number;
  /** Bytes forwarded client → upstream. */
  bytesUp: number;
  /** Bytes forwarded upstream → client. */
  bytesDown: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it as the vault URL. */
  readonly url: string;
  readonly port: number;
  readonly stats: FaultProxyStats;
  /** Stops listening, closes every connection and waits for them. Safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

type Reset = "before" | "after" | "mid";

interface Exchange {
  latency: boolean;
  bandwidth: boolean;
  slicer: boolean;
  reset?: Reset;
  blackhole?: "swallow" | "forward";
  /** Answer bytes arrived for this exchange (the next client bytes start a new one). */
  answered: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Starts the proxy on `127.0.0.1` and a free port. */
export function startFaultProxy(options: FaultProxyOptions): FaultProxy {
  const upstream = new URL(options.upstream);
  if (!LOOPBACK.has(upstream.hostname)) throw new Error(`fault proxy: upstream must be loopback`);
  const o = {
    toxics: options.toxics ?? {},
    latencyMs: options.latencyMs ?? 20,
    jitterMs: options.jitterMs ?? 20,
    bytesPerSecond: options.bytesPerSecond ?? 65_536,
    sliceBytes: options.sliceBytes ?? 32,
    sliceDelayMs: options.sliceDelayMs ?? 2,
    seed: options.seed ?? 1,
    maxConnections: options.maxConnections ?? 10_000,
  };
  const target = { hostname: upstream.hostname.replace(/^\[|\]$/g, ""), port: Number(upstream.port || 80) };
  const stats: FaultProxyStats = {
    connections: 0,
    exchanges: 0,
    latency: 0,
    bandwidth: 0,
    slicer: 0,
    resetBefore: 0,
    resetAfter: 0,
    resetMid: 0,
    blackholeSwallowed: 0,
    blackholeForwarded: 0,
    bytesUp: 0,
    bytesDown: 0,
  };
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const stopping = new AbortController();
  const closers = new Set<() => void>();
  const tasks = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    tasks.add(p);
    void p.finally(() => tasks.delete(p));
  };
  const sleep = (ms: number) =>
    ms <= 0 ? Promise.resolve() : new Promise<void>((resolve, reject) => {
      if (stopping.signal.aborted) return reject(stopping.signal.reason);
      const onAbort = () => {
        clearTimeout(id);
        reject(stopping.signal.reason);
      };
      const id = setTimeout(() => {
        stopping.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      stopping.signal.addEventListener("abort", onAbort, { once: true });
    });

  const draw = (random: () => number): Exchange => {
    const hit = (kind: ToxicKind) => (o.toxics[kind] ?? 0) > 0 && random() < (o.toxics[kind] ?? 0);
    const ex: Exchange = {
      latency: hit("latency"),
      bandwidth: hit("bandwidth"),
      slicer: hit("slicer"),
      answered: false,
    };
    if (hit("reset")) ex.reset = (["before", "after", "mid"] as const)[Math.floor(random() * 3)];
    else if (hit("blackhole")) ex.blackhole = random() < 0.5 ? "swallow" : "forward";
    stats.exchanges++;
    if (ex.latency) stats.latency++;
    if (ex.bandwidth) stats.bandwidth++;
    if (ex.slicer) stats.slicer++;
    if (ex.reset === "before") stats.resetBefore++;
    if (ex.blackhole === "swallow") stats.blackholeSwallowed++;
    if (ex.blackhole === "forward") stats.blackholeForwarded++;
    return ex;
  };

  /** Writes `bytes` to `to`, shaped by the exchange's toxics. */
  const deliver = async (
    to: Deno.Conn,
    bytes: Uint8Array,
    ex: Exchange,
    down: boolean,
    random: () => number,
  ) => {
    if (ex.latency) await sleep(o.latencyMs + random() * o.jitterMs);
    if (down && ex.slicer) {
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(random() * 2 * o.sliceBytes);
        await writeAll(to, bytes.subarray(at, at + size));
        at += size;
        if (at < bytes.length) await sleep(random() * o.sliceDelayMs);
      }
    } else if (ex.bandwidth) {
      const piece = Math.max(1, Math.floor(o.bytesPerSecond / 50));
      for (let at = 0; at < bytes.length; at += piece) {
        const part = bytes.subarray(at, at + piece);
        await writeAll(to, part);
        await sleep((part.length / o.bytesPerSecond) * 1000);
      }
    } else {
      await writeAll(to, bytes);
    }
  };

  const handle = async (client: Deno.Conn, index: number) => {
    const random = mulberry32((o.seed * 1_000_003 + index) >>> 0);
    let server: Deno.Conn | undefined;
    let connecting: Promise<Deno.Conn> | undefined;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      closers.delete(close);
      for (const conn of [client, server]) {
        try {
          conn?.close();
        } catch {
          // already closed
        }
      }
    };
    closers.add(close);
    let ex: Exchange | undefined;
    let down: Promise<void> | undefined;

    const pumpDown = async (from: Deno.Conn) => {
      const buf = new Uint8Array(16 * 1024);
      try {
        while (!closed) {
          const n = await from.read(buf);
          if (n === null) break;
          const current = ex!;
          current.answered = true;
          if (current.reset === "after") return void stats.resetAfter++;
          if (current.reset === "mid") {
            stats.resetMid++;
            await writeAll(client, buf.subarray(0, Math.max(1, Math.floor(n / 2))));
            return;
          }
          if (current.blackhole) continue;
          stats.bytesDown += n;
          await deliver(client, buf.slice(0, n), current, true, random);
        }
      } catch {
        // a socket closed or the proxy stopped
      } finally {
        close();
      }
    };

    const connect = (): Promise<Deno.Conn> => {
      connecting ??= Deno.connect(target).then((conn) => {
        server = conn;
        if (closed) conn.close();
        else down = pumpDown(conn);
        return conn;
      });
      return connecting;
    };

    const buf = new Uint8Array(16 * 1024);
    try {
      while (!closed) {
        const n = await client.read(buf);
        if (n === null) break;
        if (!ex || ex.answered) ex = draw(random);
        if (ex.reset === "before") break;
        if (ex.blackhole === "swallow") continue;
        const to = await connect();
        stats.bytesUp += n;
        await deliver(to, buf.slice(0, n), ex, false, random);
      }
    } catch {
      // a socket closed or the proxy stopped
    } finally {
      close();
      await down;
    }
  };

  let accepted = 0;
  track((async () => {
    try {
      for await (const conn of listener) {
        if (accepted >= o.maxConnections) {
          conn.close();
          continue;
        }
        stats.connections++;
        track(handle(conn, accepted++));
      }
    } catch {
      // the listener closed
    }
  })());

  let done: Promise<void> | undefined;
  const close = () => {
    done ??= (async () => {
      clearTimeout(lifetime);
      stopping.abort(new Error("fault proxy closed"));
      try {
        listener.close();
      } catch {
        // already closed
      }
      for (const c of [...closers]) c();
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
    })();
    return done;
  };
  const lifetime = setTimeout(() => void close(), options.maxLifetimeMs ?? 120_000);
  Deno.unrefTimer(lifetime);
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) written += await conn.write(bytes.subarray(written));
}

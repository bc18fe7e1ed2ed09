/**
 * Sends one batch and settles every record in it: loaded, or failed for good with the vault's
 * message. Handles the all-or-nothing Insert endpoint by bisection, the Batch endpoint by reading
 * each `responses[i].Status`, oversized batches by halving, and unknown outcomes by safe replay
 * (upsert, or read-back via detokenize).
 *
 * @module
 */
import type { Batch, BatchResult, SourceRecord, VaultObserver, VaultSpec } from "../common/types.ts";
import { nullObserver } from "../common/types.ts";
import type { ByotMode } from "../config/settings.ts";
import type { Attempted, VaultClient } from "./client.ts";
import { errorMessage, isTooLargeMessage, tryJson } from "./envelope.ts";
import { BatchTally } from "./batch_tally.ts";
import { batchBytes, insertBytes } from "./payload.ts";
import { readBack } from "./readback.ts";

/** Options of {@linkcode BatchSender}. */
export interface BatchSenderOptions {
  /** The client of this vault; it does the per-request retries. */
  client: VaultClient;
  /** The vault, table and column to insert into. */
  vault: VaultSpec;
  /** The `byot` mode sent in every Insert and Batch body. */
  byotMode: ByotMode;
  /** Send `upsert: <column>`; replays are then idempotent re-sends. @default false */
  upsert?: boolean;
  /** Use the Batch endpoint with `continueOnError: true`. @default false */
  continueOnError?: boolean;
  /** Tokens per detokenize request in a read-back. @default 25 */
  readbackChunk?: number;
  /** Receives split, retry, replay and build events for metrics. @default nullObserver */
  observer?: VaultObserver;
  /** Sleep used between per-record retries on the Batch endpoint. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface Ctx {
  tally: BatchTally;
  signal?: AbortSignal;
}

/** Sends batches of one vault. Learns the largest accepted request size from 413 answers. */
export class BatchSender {
  readonly #o: BatchSenderOptions & { observer: VaultObserver; readbackChunk: number };
  readonly #insertPath: string;
  readonly #batchPath: string;
  /** Largest number of records per request, lowered when the vault says a request is too large. */
  maxPerRequest: number = Number.POSITIVE_INFINITY;

  /**
   * Creates a sender for `options.vault`.
   *
   * @param options the client, the vault and how to send to it.
   */
  constructor(options: BatchSenderOptions) {
    this.#o = {
      ...options,
      observer: options.observer ?? nullObserver,
      readbackChunk: options.readbackChunk ?? 25,
    };
    const id = encodeURIComponent(options.vault.id);
    this.#insertPath = `/v1/vaults/${id}/${encodeURIComponent(options.vault.table)}`;
    this.#batchPath = `/v1/vaults/${id}`;
  }

  /** Sends `batch` and returns how each record ended. Rethrows fatal errors and aborts. */
  async send(batch: Batch, signal?: AbortSignal): Promise<BatchResult> {
    const ctx: Ctx = { tally: new BatchTally(), signal };
    await this.#send(batch.records, batch.replay === true, 1, ctx);
    return ctx.tally.result();
  }

  async #send(records: readonly SourceRecord[], replay: boolean, depth: number, ctx: Ctx): Promise<void> {
    if (records.length === 0) return;
    // the step is fixed before the loop: a 413 inside it lowers maxPerRequest, and a live step
    // would skip ahead and resend records already sent
    const size = this.maxPerRequest;
    if (records.length > size) {
      for (let i = 0; i < records.length; i += size) {
        await this.#send(records.slice(i, i + size), replay, depth, ctx);
      }
      return;
    }
    if (this.#o.continueOnError) await this.#viaBatch(records, replay, depth, 1, ctx);
    else await this.#viaInsert(records, replay, depth, ctx);
  }

  async #viaInsert(
    records: readonly SourceRecord[],
    replay: boolean,
    depth: number,
    ctx: Ctx,
  ): Promise<void> {
    const o = this.#o;
    const { attempted, maybeApplied } = await this.#post("insert", records, replay, ctx);
    if (attempted.kind === "exhausted") return this.#exhausted(records, attempted, maybeApplied, depth, ctx);
    const { answer } = attempted;
    if (answer.status < 300) {
      ctx.tally.loaded += records.length;
      if (maybeApplied && o.upsert) this.#replayed("upsert", records.length, ctx);
      return;
    }
    const message = errorMessage(answer.status, answer.body);
    if (await this.#tooLarge(records, answer.status, message, replay, depth, ctx)) return;
    if (answer.status === 409 && maybeApplied && !o.upsert) return this.#settle(records, depth, ctx);
    if (records.length === 1) {
      ctx.tally.fail(records, {
        status: answer.status,
        message,
        requestId: answer.requestId,
        retryable: false,
        attempts: depth + attempted.requests - 1,
      });
      return;
    }
    o.observer.split({ vault: o.vault.name, reason: "bisect" });
    const half = records.length >> 1;
    await this.#viaInsert(records.slice(0, half), maybeApplied, depth + 1, ctx);
    await this.#viaInsert(records.slice(half), maybeApplied, depth + 1, ctx);
  }

  async #viaBatch(
    records: readonly SourceRecord[],
    replay: boolean,
    depth: number,
    round: number,
    ctx: Ctx,
  ): Promise<void> {
    const o = this.#o;
    const { attempted, maybeApplied } = await this.#post("batch", records, replay, ctx);
    if (attempted.kind === "exhausted") return this.#exhausted(records, attempted, maybeApplied, depth, ctx);
    const { answer } = attempted;
    const message = errorMessage(answer.status, answer.body);
    if (answer.status >= 300) {
      if (await this.#tooLarge(records, answer.status, message, replay, depth, ctx)) return;
      if (answer.status === 409 && maybeApplied && !o.upsert) return this.#settle(records, depth, ctx);
      const init = { status: answer.status, message, requestId: answer.requestId, retryable: false };
      if (records.length === 1) return ctx.tally.fail(records, { ...init, attempts: depth });
      o.observer.split({ vault: o.vault.name, reason: "bisect" });
      const half = records.length >> 1;
      await this.#viaBatch(records.slice(0, half), maybeApplied, depth + 1, round, ctx);
      await this.#viaBatch(records.slice(half), maybeApplied, depth + 1, round, ctx);
      return;
    }
    const responses = (tryJson(answer.body) as { responses?: unknown } | undefined)?.responses;
    if (!Array.isArray(responses) || responses.length !== records.length) {
      const init = { status: answer.status, requestId: answer.requestId, retryable: true, attempts: depth };
      return ctx.tally.fail(records, { ...init, message: "unreadable Batch response; outcome unknown" });
    }
    const toSettle: SourceRecord[] = [];
    const toRetry: SourceRecord[] = [];
    /** A per-record 408/5xx may have been applied (a 429 was not): the retry is then a replay. */
    let retryMaybeApplied = maybeApplied;
    let loaded = 0;
    for (let i = 0; i < records.length; i++) {
      const entry = responses[i] as { Status?: unknown; Body?: { error?: unknown } } | undefined;
      const status = typeof entry?.Status === "number" ? entry.Status : 0;
      if (status >= 200 && status < 300) loaded++;
      else if (status === 409 && maybeApplied && !o.upsert) toSettle.push(records[i]);
      else if (status === 429 || status === 408 || status >= 500) {
        toRetry.push(records[i]);
        if (status !== 429) retryMaybeApplied = true;
      } else {
        const error = entry?.Body?.error;
        const text = typeof error === "string"
          ? error
          : errorMessage(status, JSON.stringify(entry?.Body ?? {}));
        ctx.tally.fail([records[i]], {
          status,
          message: text,
          requestId: answer.requestId,
          retryable: false,
          attempts: depth + round - 1,
        });
      }
    }
    ctx.tally.loaded += loaded;
    if (maybeApplied && o.upsert) this.#replayed("upsert", loaded, ctx);
    if (toSettle.length > 0) await this.#settle(toSettle, depth, ctx);
    if (toRetry.length === 0) return;
    ctx.tally.retried = true;
    if (round >= o.client.maxAttempts) {
      const init = { status: 0, requestId: answer.requestId, retryable: true, attempts: depth + round - 1 };
      return ctx.tally.fail(toRetry, {
        ...init,
        message: `per-record errors persisted after ${round} rounds`,
      });
    }
    const delay = o.client.backoff(round);
    o.observer.retry({ vault: o.vault.name, reason: "5xx", delayMs: delay });
    await o.sleep(delay, ctx.signal);
    await this.#viaBatch(toRetry, retryMaybeApplied, depth, round + 1, ctx);
  }

  /** Halves the request size after a "too large" answer. Returns true when it handled the answer. */
  async #tooLarge(
    records: readonly SourceRecord[],
    status: number,
    message: string,
    replay: boolean,
    depth: number,
    ctx: Ctx,
  ): Promise<boolean> {
    if (records.length < 2 || !(status === 413 || (status === 400 && isTooLargeMessage(message)))) {
      return false;
    }
    this.maxPerRequest = Math.max(1, Math.min(this.maxPerRequest, records.length >> 1));
    this.#o.observer.split({ vault: this.#o.vault.name, reason: "size" });
    await this.#send(records, replay, depth, ctx);
    return true;
  }

  /** Settles records that may already be stored: read back, count what landed, resend the rest. */
  async #settle(records: readonly SourceRecord[], depth: number, ctx: Ctx): Promise<void> {
    const absent = await this.#readBack(records, depth, ctx);
    if (absent.length > 0) {
      this.#replayed("resent", absent.length, ctx);
      await this.#send(absent, false, depth + 1, ctx);
    }
  }

  /** Reads `records` back; settles the present, conflicting and uncheckable ones; returns the absent. */
  async #readBack(records: readonly SourceRecord[], depth: number, ctx: Ctx): Promise<SourceRecord[]> {
    const o = this.#o;
    const found = await readBack(o.client, o.vault.id, records, ctx.tally, {
      chunk: o.readbackChunk,
      signal: ctx.signal,
    });
    ctx.tally.loaded += found.present.length;
    this.#replayed("readback", found.present.length, ctx);
    ctx.tally.fail(found.conflicting, {
      status: 409,
      message: "token or value already stored with a different pairing (read-back check)",
      retryable: false,
      attempts: depth,
    });
    for (const group of found.unknown) {
      ctx.tally.fail(group.records, {
        status: group.status,
        message:
          `outcome unknown: read-back failed (${group.message}); \`byot failures retry\` settles it safely`,
        requestId: group.requestId,
        retryable: true,
        attempts: depth,
      });
    }
    return found.absent;
  }

  /** Retry budget spent: settle by read-back when the request may have landed, else fail. */
  async #exhausted(
    records: readonly SourceRecord[],
    attempted: Extract<Attempted, { kind: "exhausted" }>,
    maybeApplied: boolean,
    depth: number,
    ctx: Ctx,
  ): Promise<void> {
    if (maybeApplied && !this.#o.upsert) records = await this.#readBack(records, depth, ctx);
    else if (maybeApplied) {
      ctx.tally.fail(records, {
        status: attempted.status,
        message: `gave up after ${attempted.requests} attempts: ${attempted.message}; outcome unknown, ` +
          "`byot failures retry` settles it safely",
        requestId: attempted.requestId,
        retryable: true,
        attempts: depth + attempted.requests - 1,
      });
      return;
    }
    ctx.tally.fail(records, {
      status: attempted.status,
      message: `gave up after ${attempted.requests} attempts: ${attempted.message}`,
      requestId: attempted.requestId,
      retryable: true,
      attempts: depth + attempted.requests - 1,
    });
  }

  /** Sends `records` to the Insert or Batch endpoint and counts the outcome in the tally. */
  async #post(
    kind: "insert" | "batch",
    records: readonly SourceRecord[],
    replay: boolean,
    ctx: Ctx,
  ): Promise<{ attempted: Attempted; maybeApplied: boolean }> {
    const o = this.#o;
    const target = { ...o.vault, byotMode: o.byotMode };
    const build = kind === "insert" ? insertBytes : batchBytes;
    const attempted = await o.client.send({
      kind,
      method: "POST",
      path: kind === "insert" ? this.#insertPath : this.#batchPath,
      body: this.#timed(() => build(target, records, o.upsert === true)),
      records: records.length,
    }, ctx.signal);
    ctx.tally.count(attempted);
    return { attempted, maybeApplied: replay || attempted.ambiguous };
  }

  #timed(build: () => Uint8Array): Uint8Array {
    const t0 = performance.now();
    const body = build();
    this.#o.observer.build({ vault: this.#o.vault.name, ms: performance.now() - t0 });
    return body;
  }

  #replayed(path: "upsert" | "readback" | "resent", n: number, ctx: Ctx): void {
    if (n === 0) return;
    ctx.tally.replayed[path] += n;
    this.#o.observer.replay({ vault: this.#o.vault.name, path, records: n });
  }
}

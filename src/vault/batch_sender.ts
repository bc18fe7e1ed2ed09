/**
 * Sends one batch and settles every record in it: loaded (some of them already present), failed for
 * good with the vault's message, or unsettled (retries ran out; a resume settles them).
 *
 * - A 2xx counts only when its body accounts for every record (`answers.ts`); otherwise the outcome
 *   is unknown and is settled by read-back, like a dropped connection.
 * - A definite rejection (400, 409 or another 4xx: the status does not tell a duplicate from a bad
 *   record) is settled by reading the records back ({@linkcode ReadBack}): ours already stored is
 *   "already present", stored differently is a real conflict, and only what the read-back cannot
 *   explain is sent again. Only what is rejected again is isolated: in one Batch request with
 *   `continueOnError` (a status per record), by bisection where that endpoint is not available, and
 *   every record rejected on its own is read back once more before it is failed, so a record another
 *   process stored meanwhile is never reported failed.
 * - Whether to read back before or after isolating is learned: while rejections turn out to be
 *   records already present (a re-run, a resume, a twin) the read-back comes first, which costs one
 *   read per 25 records and no isolation; while they turn out to be bad records, isolation comes
 *   first and only the rejected records are read.
 * - Once a rejection turned out to hold bad records, fresh batches go to the Batch endpoint with
 *   `continueOnError` (the same inserts, a status per record), so each later bad record costs one
 *   read-back instead of a rejected Insert plus an isolating request.
 * - Exhausted transient retries (5xx, timeouts, network, 429) are no verdict: the records stay
 *   unsettled.
 *
 * @module
 */
import type { Batch, BatchResult, SourceRecord, VaultObserver, VaultSpec } from "../common/types.ts";
import { nullObserver } from "../common/types.ts";
import type { ByotMode } from "../config/settings.ts";
import type { Attempted, VaultClient } from "./client.ts";
import { batchEntries, insertAccounted } from "./answers.ts";
import { errorMessage, isTooLargeMessage } from "./envelope.ts";
import { BatchTally } from "./batch_tally.ts";
import { batchBytes, insertBytes } from "./payload.ts";
import { ReadBack } from "./readback.ts";
import { type Rejected, type Rejection, type SendCtx as Ctx, Settler } from "./settle.ts";

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
  /** Isolate the records of a rejected Insert request with one Batch request (else bisect). @default true */
  batchIsolation?: boolean;
  /** Tokens per detokenize request in a read-back. @default 25 */
  readbackChunk?: number;
  /** Receives split, retry, replay and build events for metrics. @default nullObserver */
  observer?: VaultObserver;
  /** Sleep used between per-record retries on the Batch endpoint. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Sends batches of one vault. Learns the largest accepted request size from 413 answers. */
export class BatchSender {
  readonly #o: BatchSenderOptions & { observer: VaultObserver };
  readonly #insertPath: string;
  readonly #batchPath: string;
  readonly #settle: Settler;
  #batchIsolation: boolean;
  /**
   * Send fresh batches to the Batch endpoint: `--continue-on-error`, or learned once a rejection
   * turned out to hold bad records (each later bad record then costs one read-back, not an
   * Insert rejection plus an isolating request).
   */
  #useBatch: boolean;
  /** Largest number of records per request, lowered when the vault says a request is too large. */
  maxPerRequest: number = Number.POSITIVE_INFINITY;

  /**
   * Creates a sender for `options.vault`.
   *
   * @param options the client, the vault and how to send to it.
   */
  constructor(options: BatchSenderOptions) {
    this.#o = { ...options, observer: options.observer ?? nullObserver };
    const id = encodeURIComponent(options.vault.id);
    this.#insertPath = `/v1/vaults/${id}/${encodeURIComponent(options.vault.table)}`;
    this.#batchPath = `/v1/vaults/${id}`;
    this.#batchIsolation = options.batchIsolation ?? true;
    this.#useBatch = options.continueOnError ?? false;
    const readBack = new ReadBack({
      client: options.client,
      vault: options.vault,
      chunk: options.readbackChunk,
      upsert: options.upsert,
    });
    this.#settle = new Settler({ readBack, vault: options.vault.name, observer: this.#o.observer });
  }

  /**
   * Sends `batch` and returns how each record ended. Rethrows fatal errors (including a refused
   * read-back without `--upsert`) and aborts.
   */
  async send(batch: Batch, signal?: AbortSignal): Promise<BatchResult> {
    const ctx: Ctx = { tally: new BatchTally(), signal, jsonSafe: batch.jsonSafe };
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
    if (this.#useBatch) await this.#viaBatch(records, replay, depth, 1, ctx);
    else await this.#viaInsert(records, replay, depth, ctx, false);
  }

  /** Insert Records (all-or-nothing). `isolating`: the records were read back absent; find the bad ones. */
  async #viaInsert(
    records: readonly SourceRecord[],
    replay: boolean,
    depth: number,
    ctx: Ctx,
    isolating: boolean,
  ): Promise<void> {
    const o = this.#o;
    const { attempted, maybeApplied } = await this.#post("insert", records, replay, ctx, false);
    if (attempted.kind === "exhausted") return this.#exhausted(records, attempted, maybeApplied, depth, ctx);
    const { answer } = attempted;
    if (answer.status < 300) {
      if (!insertAccounted(answer.body, records.length)) return this.#unverified(records, depth, ctx);
      ctx.tally.loaded += records.length;
      if (maybeApplied && o.upsert) this.#settle.replayed("upsert", records.length, ctx);
      return;
    }
    const rejection = { status: answer.status, message: errorMessage(answer.status, answer.body) };
    const rej: Rejection = { ...rejection, requestId: answer.requestId };
    if (await this.#tooLarge(records, rej, replay, depth, ctx)) return;
    if (isolating || this.#settle.refused) return this.#isolate(records, rej, depth, ctx);
    if (!maybeApplied && !this.#settle.duplicatesLikely) return this.#isolate(records, rej, depth, ctx);
    const rest = await this.#rejectedAll(records, rej, depth, ctx);
    if (rest.length === 0) return;
    if (rest.length === records.length) return this.#isolate(rest, rej, depth, ctx);
    // the read-back explained some records: send the rest once more, isolate only if rejected again
    this.#settle.replayed("resent", rest.length, ctx);
    await this.#viaInsert(rest, false, depth + 1, ctx, true);
  }

  /** Finds the bad records among `records`, rejected together: one Batch request, or bisection. */
  async #isolate(records: readonly SourceRecord[], rej: Rejection, depth: number, ctx: Ctx): Promise<void> {
    if (records.length === 1) {
      await this.#rejected([{ record: records[0], ...rej }], depth, ctx, false);
      return;
    }
    if (this.#batchIsolation) return this.#viaBatch(records, false, depth + 1, 1, ctx, true);
    this.#o.observer.split({ vault: this.#o.vault.name, reason: "bisect" });
    const half = records.length >> 1;
    await this.#viaInsert(records.slice(0, half), false, depth + 1, ctx, true);
    await this.#viaInsert(records.slice(half), false, depth + 1, ctx, true);
  }

  /** The Batch endpoint with `continueOnError`: a status per record. `isolation`: on behalf of Insert. */
  async #viaBatch(
    records: readonly SourceRecord[],
    replay: boolean,
    depth: number,
    round: number,
    ctx: Ctx,
    isolation = false,
  ): Promise<void> {
    const o = this.#o;
    const { attempted, maybeApplied } = await this.#post("batch", records, replay, ctx, isolation);
    if (attempted.kind === "exhausted") return this.#exhausted(records, attempted, maybeApplied, depth, ctx);
    const { answer } = attempted;
    const rej: Rejection = {
      status: answer.status,
      message: errorMessage(answer.status, answer.body),
      requestId: answer.requestId,
    };
    if (isolation && [403, 404, 405].includes(answer.status)) {
      // this vault does not offer the Batch endpoint to this token: isolate by bisection from now on
      this.#batchIsolation = false;
      this.#useBatch = false;
      return this.#isolate(records, rej, depth - 1, ctx);
    }
    const entries = batchEntries(answer.body, records.length);
    if (!entries) {
      if (answer.status < 300) return this.#unverified(records, depth, ctx);
      if (await this.#tooLarge(records, rej, replay, depth, ctx)) return;
      return this.#wholeBatchRejected(records, rej, depth, ctx);
    }
    const rejected: Rejected[] = [];
    const toRetry: SourceRecord[] = [];
    /** A per-record 408/5xx may have been applied (a 429 was not): the retry is then a replay. */
    let retryMaybeApplied = maybeApplied;
    let loaded = 0;
    for (let i = 0; i < records.length; i++) {
      const { status, message } = entries[i];
      if (status >= 200 && status < 300) loaded++;
      else if (status === 429 || status === 408 || status >= 500) {
        toRetry.push(records[i]);
        if (status !== 429) retryMaybeApplied = true;
      } else rejected.push({ record: records[i], status, message, requestId: answer.requestId });
    }
    ctx.tally.loaded += loaded;
    if (maybeApplied && o.upsert) this.#settle.replayed("upsert", loaded, ctx);
    if (rejected.length > 0) await this.#rejected(rejected, depth, ctx, false);
    if (toRetry.length === 0) return;
    ctx.tally.retried = true;
    if (round >= o.client.maxAttempts) {
      ctx.tally.leave(toRetry, {
        status: 0,
        requestId: answer.requestId,
        attempts: depth + round - 1,
        message: `per-record errors persisted after ${round} rounds; outcome unknown, settled when the ` +
          "same command runs again",
      });
      return;
    }
    const delay = o.client.backoff(round);
    o.observer.retry({ vault: o.vault.name, reason: "5xx", delayMs: delay });
    await o.sleep(delay, ctx.signal);
    await this.#viaBatch(toRetry, retryMaybeApplied, depth, round + 1, ctx, isolation);
  }

  /** A Batch request rejected as a whole, without per-record answers: read back, then bisect. */
  async #wholeBatchRejected(
    records: readonly SourceRecord[],
    rej: Rejection,
    depth: number,
    ctx: Ctx,
  ): Promise<void> {
    const rest = await this.#rejectedAll(records, rej, depth, ctx);
    if (rest.length === 0) return;
    if (rest.length === 1) return ctx.tally.fail(rest, { ...rej, retryable: false, attempts: depth });
    this.#o.observer.split({ vault: this.#o.vault.name, reason: "bisect" });
    const half = rest.length >> 1;
    await this.#viaBatch(rest.slice(0, half), false, depth + 1, 1, ctx);
    await this.#viaBatch(rest.slice(half), false, depth + 1, 1, ctx);
  }

  /** Reads back every record of a request rejected as a whole with `rej`; returns those it does not explain. */
  #rejectedAll(
    records: readonly SourceRecord[],
    rej: Rejection,
    depth: number,
    ctx: Ctx,
  ): Promise<SourceRecord[]> {
    return this.#rejected(records.map((record) => ({ record, ...rej })), depth, ctx, true);
  }

  /** Reads rejected records back ({@linkcode Settler.rejected}); bad records switch to the Batch endpoint. */
  async #rejected(
    rejected: readonly Rejected[],
    depth: number,
    ctx: Ctx,
    keep: boolean,
  ): Promise<SourceRecord[]> {
    const rest = await this.#settle.rejected(rejected, depth, ctx, keep);
    // real rejections in this data: from now on send to the Batch endpoint, which isolates them itself
    if (this.#settle.badRecordsSeen && this.#batchIsolation) this.#useBatch = true;
    return rest;
  }

  /** A 2xx that does not account for the records: read back; resend what is absent. */
  async #unverified(records: readonly SourceRecord[], depth: number, ctx: Ctx): Promise<void> {
    ctx.tally.unverified++;
    const why = "the vault's answer did not account for the records";
    const rest = await this.#settle.unknown(records, depth, ctx, why);
    if (rest.length === 0) return;
    if (depth >= this.#o.client.maxAttempts) {
      ctx.tally.leave(rest, {
        status: ctx.tally.lastStatus,
        message: `${depth} answers in a row did not account for the records sent (not a Skyflow answer?); ` +
          "outcome unknown, settled when the same command runs again",
        requestId: ctx.tally.requestId,
        attempts: depth,
      });
      return;
    }
    this.#settle.replayed("resent", rest.length, ctx);
    await this.#send(rest, this.#settle.refused, depth + 1, ctx);
  }

  /** Halves the request size after a "too large" answer. Returns true when it handled the answer. */
  async #tooLarge(
    records: readonly SourceRecord[],
    rej: Rejection,
    replay: boolean,
    depth: number,
    ctx: Ctx,
  ): Promise<boolean> {
    const { status, message } = rej;
    if (records.length < 2 || !(status === 413 || (status === 400 && isTooLargeMessage(message)))) {
      return false;
    }
    this.maxPerRequest = Math.max(1, Math.min(this.maxPerRequest, records.length >> 1));
    this.#o.observer.split({ vault: this.#o.vault.name, reason: "size" });
    await this.#send(records, replay, depth, ctx);
    return true;
  }

  /**
   * Retry budget spent on transient errors: no verdict. When the last attempt may have landed and
   * died in transport (timeout, reset), the records are read back and what is found is settled;
   * everything else stays unsettled (after 5xx answers the vault is most likely down: reading
   * would only double the wait).
   */
  async #exhausted(
    records: readonly SourceRecord[],
    attempted: Extract<Attempted, { kind: "exhausted" }>,
    maybeApplied: boolean,
    depth: number,
    ctx: Ctx,
  ): Promise<void> {
    let rest: readonly SourceRecord[] = records;
    if (maybeApplied && attempted.status === 0 && !this.#settle.refused) {
      rest = await this.#settle.unknown(records, depth, ctx, "the request may have landed");
    }
    ctx.tally.leave(rest, {
      status: attempted.status,
      message: `gave up after ${attempted.requests} attempts: ${attempted.message}; outcome unknown, ` +
        "settled when the same command runs again",
      requestId: attempted.requestId,
      attempts: depth + attempted.requests - 1,
    });
  }

  /** Sends `records` to the Insert or Batch endpoint and counts the outcome in the tally. */
  async #post(
    kind: "insert" | "batch",
    records: readonly SourceRecord[],
    replay: boolean,
    ctx: Ctx,
    refusalIsAnswer: boolean,
  ): Promise<{ attempted: Attempted; maybeApplied: boolean }> {
    const o = this.#o;
    const target = { ...o.vault, byotMode: o.byotMode };
    const build = kind === "insert" ? insertBytes : batchBytes;
    const attempted = await o.client.send({
      kind,
      method: "POST",
      path: kind === "insert" ? this.#insertPath : this.#batchPath,
      body: this.#timed(() => build(target, records, o.upsert === true, ctx.jsonSafe)),
      records: records.length,
      refusalIsAnswer,
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
}

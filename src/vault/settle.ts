/**
 * Settling records by read-back, for the batch sender: what a read-back found becomes loaded
 * (already present), failed (a real conflict, or a rejection nothing explains) or unsettled (the
 * read-back itself could not be done); what is absent goes back to the caller to send again. Also
 * keeps what the rejections of this vault turned out to be, which decides whether the sender reads
 * back before or after isolating.
 *
 * @module
 */
import type { SourceRecord, VaultObserver } from "../common/types.ts";
import type { BatchTally } from "./batch_tally.ts";
import type { ReadBack } from "./readback.ts";

/** The per-batch state every sending step shares. */
export interface SendCtx {
  /** The batch's running tally. */
  tally: BatchTally;
  /** Aborts in-flight requests. */
  signal?: AbortSignal;
  /** `Batch.jsonSafe`: true, so does any subset need no JSON escaping; false, escape without checking. */
  jsonSafe?: boolean;
}

/** A whole-request rejection: its status, message and request id. */
export interface Rejection {
  /** HTTP status. */
  status: number;
  /** The vault's message. */
  message: string;
  /** `X-Request-Id` of the answer. */
  requestId?: string;
}

/** A record the vault rejected, with its own answer. */
export interface Rejected extends Rejection {
  /** The rejected record. */
  record: SourceRecord;
}

/** Options of {@linkcode Settler}. */
export interface SettlerOptions {
  /** The vault's read-back. */
  readBack: ReadBack;
  /** Vault name for observer events. */
  vault: string;
  /** Receives replay events. */
  observer: VaultObserver;
}

/** Turns read-back findings into record outcomes for one vault. */
export class Settler {
  readonly #o: SettlerOptions;
  /** The last rejections turned out to be records already stored: read back before isolating. */
  duplicatesLikely = true;
  /** A rejection turned out to hold a bad record (read back absent after it was rejected alone). */
  badRecordsSeen = false;

  /**
   * Creates the settler of one vault.
   *
   * @param options the read-back, the vault name and the observer.
   */
  constructor(options: SettlerOptions) {
    this.#o = options;
  }

  /** True once every read-back was refused (with `--upsert`; without it the run has stopped). */
  get refused(): boolean {
    return this.#o.readBack.refused;
  }

  /**
   * Reads rejected records back. Present: loaded, already present. Stored differently: failed
   * (409) with what the vault holds. Read-back failed: unsettled. Absent (or unchecked): returned
   * when `keep` (the caller sends them again), else failed with the record's own rejection.
   */
  async rejected(
    rejected: readonly Rejected[],
    depth: number,
    ctx: SendCtx,
    keep: boolean,
  ): Promise<SourceRecord[]> {
    const found = await this.#o.readBack.check(rejected.map((r) => r.record), ctx.tally, ctx.signal);
    const own = new Map(rejected.map((r) => [r.record, r]));
    ctx.tally.loaded += found.present.length;
    ctx.tally.alreadyPresent += found.present.length;
    this.replayed("readback", found.present.length, ctx);
    for (const { record, message } of found.conflicting) {
      ctx.tally.fail([record], {
        ...own.get(record)!,
        status: 409,
        message,
        retryable: false,
        attempts: depth,
      });
    }
    for (const group of found.unknown) {
      ctx.tally.leave(group.records, {
        status: group.status,
        message: `rejected, and the read-back that would settle it failed (${group.message}); settled when ` +
          "the same command runs again",
        requestId: group.requestId,
        attempts: depth,
      });
    }
    const checked = found.present.length + found.conflicting.length + found.absent.length;
    if (checked > 0) this.duplicatesLikely = found.present.length + found.conflicting.length > 0;
    const rest = [...found.absent, ...found.unchecked];
    if (keep) return rest;
    if (found.absent.length > 0) this.badRecordsSeen = true;
    for (const record of rest) {
      const r = own.get(record)!;
      const message = found.unchecked.includes(record)
        ? `${r.message} (not read back: the vault refuses reads to this token)`
        : r.message;
      ctx.tally.fail([record], { ...r, message, retryable: false, attempts: depth });
    }
    return [];
  }

  /**
   * Reads back records whose outcome is unknown (a 2xx that proves nothing, a transport failure).
   * Present: loaded. Stored differently: failed (409). Read-back failed: unsettled with `why`.
   * Returns the absent (and unchecked) ones.
   */
  async unknown(
    records: readonly SourceRecord[],
    depth: number,
    ctx: SendCtx,
    why: string,
  ): Promise<SourceRecord[]> {
    const found = await this.#o.readBack.check(records, ctx.tally, ctx.signal);
    ctx.tally.loaded += found.present.length;
    this.replayed("readback", found.present.length, ctx);
    for (const { record, message } of found.conflicting) {
      ctx.tally.fail([record], { status: 409, message, retryable: false, attempts: depth });
    }
    for (const group of found.unknown) {
      ctx.tally.leave(group.records, {
        status: group.status,
        message:
          `${why} and the read-back failed (${group.message}); settled when the same command runs again`,
        requestId: group.requestId,
        attempts: depth,
      });
    }
    return [...found.absent, ...found.unchecked];
  }

  /** Counts `n` records that took a safe-replay path, in the tally and for the observer. */
  replayed(path: "upsert" | "readback" | "resent", n: number, ctx: SendCtx): void {
    if (n === 0) return;
    ctx.tally.replayed[path] += n;
    this.#o.observer.replay({ vault: this.#o.vault, path, records: n });
  }
}

/**
 * {@linkcode RecordChecker}: `byot verify`'s stand-in for the batch sender. It reads a batch back from
 * the vault instead of inserting it and settles each record as verified (our token holds our value),
 * missing (neither our token nor our value is stored) or mismatched (our token holds another value,
 * or our value is stored under another token). It never writes to the vault. The reading is the
 * load's own {@linkcode ReadBack} (detokenize, or Get by value where detokenize is refused), plus a
 * value lookup for the tokens the vault does not hold.
 *
 * @module
 */
import type { Batch, BatchResult, FailedRecord, SourceRecord, VaultSpec } from "../common/types.ts";
import { BatchTally } from "./batch_tally.ts";
import type { VaultClient } from "./client.ts";
import { ReadBack } from "./readback.ts";
import { lookupValues } from "./value_lookup.ts";

/** Options of {@linkcode RecordChecker}. */
export interface RecordCheckerOptions {
  /** The client of this vault (retries, 429 gate and pacing as in a load). */
  client: VaultClient;
  /** The vault, table and column to check. */
  vault: VaultSpec;
  /** Tokens per detokenize request. @default 25 */
  chunk?: number;
}

/** Records per verdict so far, over every batch this checker saw. */
export interface CheckCounts {
  /** Our token holds our value. */
  verified: number;
  /** Neither our token nor our value is stored. */
  missing: number;
  /** Our token holds another value. */
  tokenConflict: number;
  /** Our value is stored under another token. */
  valueConflict: number;
  /** Could not be checked (the read-back kept failing); recorded as retryable failures. */
  unchecked: number;
}

/** The messages stored with each verdict (no value or token in them). */
export const VERIFY_MESSAGES = {
  missing: "missing: the vault holds neither this token nor this value",
  missingNoLookup: "missing: the token is not in the vault (the value lookup was not answered: ",
  tokenConflict: "mismatched: the token holds a different value",
  valueConflict: "mismatched: the value is stored under another token",
} as const;

/** Reads batches back and settles each record (see the module doc). */
export class RecordChecker {
  readonly #o: Required<RecordCheckerOptions>;
  readonly #readBack: ReadBack;
  /** Counts per verdict, for the summary. */
  readonly counts: CheckCounts = {
    verified: 0,
    missing: 0,
    tokenConflict: 0,
    valueConflict: 0,
    unchecked: 0,
  };

  /**
   * Creates a checker for `options.vault`.
   *
   * @param options the client and the vault.
   */
  constructor(options: RecordCheckerOptions) {
    this.#o = { chunk: 25, ...options };
    this.#readBack = new ReadBack({ client: options.client, vault: options.vault, chunk: this.#o.chunk });
  }

  /**
   * Checks `batch`: verified records count as `loaded`, the rest are failures with a verdict.
   *
   * @throws {import("./readback.ts").ReadBackRefusedError} when the vault lets byot read nothing back.
   */
  async send(batch: Batch, signal?: AbortSignal): Promise<BatchResult> {
    const tally = new BatchTally();
    const found = await this.#readBack.check(batch.records, tally, signal);
    const fail = (records: readonly SourceRecord[], f: Omit<FailedRecord, "record" | "attempts">) =>
      tally.fail(records, { attempts: 1, ...f });
    tally.loaded += found.present.length;
    this.counts.verified += found.present.length;
    for (const c of found.conflicting) {
      const token = c.kind === "token";
      fail([c.record], {
        status: 409,
        message: token ? VERIFY_MESSAGES.tokenConflict : VERIFY_MESSAGES.valueConflict,
        retryable: false,
        verdict: "mismatched",
      });
      if (token) this.counts.tokenConflict++;
      else this.counts.valueConflict++;
    }
    for (const u of found.unknown) {
      fail(u.records, {
        status: u.status,
        message: `could not be checked: ${u.message}`,
        requestId: u.requestId,
        retryable: true,
      });
      this.counts.unchecked += u.records.length;
    }
    if (found.absent.length > 0) await this.#absent(found.absent, tally, signal);
    return tally.result();
  }

  /** Tokens the vault does not hold: is the value stored under another token, or missing? */
  async #absent(absent: readonly SourceRecord[], tally: BatchTally, signal?: AbortSignal): Promise<void> {
    const { client, vault } = this.#o;
    const lookup = await lookupValues(client, vault, absent.map((r) => r.value), tally, signal);
    if (lookup.kind !== "found") {
      tally.fail(absent, {
        attempts: 1,
        status: 404,
        message: `${VERIFY_MESSAGES.missingNoLookup}${lookup.status} ${lookup.message})`,
        retryable: false,
        verdict: "missing",
      });
      this.counts.missing += absent.length;
      return;
    }
    const elsewhere = absent.filter((r) => lookup.ids.has(r.value));
    const missing = absent.filter((r) => !lookup.ids.has(r.value));
    tally.fail(elsewhere, {
      attempts: 1,
      status: 409,
      message: VERIFY_MESSAGES.valueConflict,
      retryable: false,
      verdict: "mismatched",
    });
    tally.fail(missing, {
      attempts: 1,
      status: 404,
      message: VERIFY_MESSAGES.missing,
      retryable: false,
      verdict: "missing",
    });
    this.counts.valueConflict += elsewhere.length;
    this.counts.missing += missing.length;
  }
}

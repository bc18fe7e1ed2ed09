/**
 * {@linkcode RecordChecker}: `byot verify`'s stand-in for the batch sender. It reads a batch back from
 * the vault instead of inserting it and settles each record as verified (our token holds our value),
 * missing (neither our token nor our value is stored) or mismatched (our token holds another value,
 * or our value is stored under another token). It never writes to the vault.
 *
 * @module
 */
import type { Batch, BatchResult, FailedRecord, SourceRecord, VaultSpec } from "../common/types.ts";
import { BatchTally } from "./batch_tally.ts";
import type { VaultClient } from "./client.ts";
import { readBack } from "./readback.ts";
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
  missingNoLookup: "missing: the token is not in the vault (the value lookup was refused: ",
  tokenConflict: "mismatched: the token holds a different value",
  valueConflict: "mismatched: the value is stored under another token",
} as const;

/** Reads batches back and settles each record (see the module doc). */
export class RecordChecker {
  readonly #o: Required<RecordCheckerOptions>;
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
  }

  /** Checks `batch`: verified records count as `loaded`, the rest are failures with a verdict. */
  async send(batch: Batch, signal?: AbortSignal): Promise<BatchResult> {
    const tally = new BatchTally();
    const { client, vault } = this.#o;
    const found = await readBack(client, vault.id, batch.records, tally, { chunk: this.#o.chunk, signal });
    tally.loaded += found.present.length;
    this.counts.verified += found.present.length;
    const fail = (records: readonly SourceRecord[], f: Omit<FailedRecord, "record" | "attempts">) =>
      tally.fail(records, { attempts: 1, ...f });
    fail(found.conflicting, {
      status: 409,
      message: VERIFY_MESSAGES.tokenConflict,
      retryable: false,
      verdict: "mismatched",
    });
    this.counts.tokenConflict += found.conflicting.length;
    for (const u of found.unknown) {
      fail(u.records, {
        status: u.status,
        message: `could not be checked: ${u.message}`,
        requestId: u.requestId,
        retryable: true,
      });
      this.counts.unchecked += u.records.length;
    }
    if (found.absent.length > 0) {
      const lookup = await lookupValues(client, vault, found.absent.map((r) => r.value), tally, signal);
      if (lookup.kind === "unavailable") {
        fail(found.absent, {
          status: 404,
          message: `${VERIFY_MESSAGES.missingNoLookup}${lookup.status} ${lookup.message})`,
          retryable: false,
          verdict: "missing",
        });
        this.counts.missing += found.absent.length;
      } else {
        const elsewhere = found.absent.filter((r) => lookup.stored.has(r.value));
        const missing = found.absent.filter((r) => !lookup.stored.has(r.value));
        fail(elsewhere, {
          status: 409,
          message: VERIFY_MESSAGES.valueConflict,
          retryable: false,
          verdict: "mismatched",
        });
        fail(missing, {
          status: 404,
          message: VERIFY_MESSAGES.missing,
          retryable: false,
          verdict: "missing",
        });
        this.counts.valueConflict += elsewhere.length;
        this.counts.missing += missing.length;
      }
    }
    return tally.result();
  }
}

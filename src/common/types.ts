/**
 * The data that flows between areas: source rows, batches, per-batch results, and the observer
 * and sink interfaces the pipeline reports through. Every area depends on this file; it depends on
 * nothing.
 *
 * @module
 */

/** Why a source row is not loaded. */
export type SkipReason = "empty_value" | "empty_token" | "null_value" | "null_token";

/** Where a source can restart reading. JSON-serialisable; only its source interprets `offsets`. */
export interface SourceCursor {
  /** Position of the row the cursor points at. */
  position: number;
  /** Source-specific offsets (CSV: byte offset of the row in each file, in file order). */
  offsets?: number[];
  /**
   * Source-specific check of the row at `position` (Snowflake: a hash of value and token), verified
   * when a resume re-reads the source, so a result that changed is refused instead of misaligned.
   */
  check?: string;
}

/** One row of a source, in position order. */
export interface SourceItem {
  /** 0-based index of the row among the source's data rows (header excluded); stable across runs. */
  position: number;
  /** The value to store (may be empty when `skip` is set). */
  value: string;
  /** The token to store it under (may be empty when `skip` is set). */
  token: string;
  /** Set when the row is not loaded, with the reason. */
  skip?: SkipReason;
  /** Where to restart reading so that this row is the first one read. */
  cursor: SourceCursor;
}

/** A source of rows for one vault. */
export interface VaultSource {
  /** Human-readable description for messages ("data/name_data.csv + data/name_tokens.csv"). */
  readonly label: string;
  /**
   * Reads rows in position order, in chunks, starting at `from` (a cursor this source produced
   * earlier) or at the beginning. Rows are pulled: nothing is read ahead of the consumer beyond
   * one chunk.
   */
  read(options?: { from?: SourceCursor; signal?: AbortSignal }): AsyncIterable<SourceItem[]>;
  /** Releases files or connections. Safe to call twice. */
  close?(): Promise<void>;
}

/** A (value, token) pair to send, with its source position. */
export interface SourceRecord {
  /** 0-based position of the source row ({@linkcode SourceItem.position}). */
  position: number;
  /** The value to send (with the run's suffix appended when suffixes are on). */
  value: string;
  /** The token to store it under (suffixed like `value`). */
  token: string;
}

/** A vault target: where a vault's records go. */
export interface VaultSpec {
  /** Config name, e.g. `NAME`; matched case-insensitively by `--vault`. */
  name: string;
  /** Skyflow vault id. */
  id: string;
  /** Column that holds the value (and its token). */
  column: string;
  /** Table to insert into. @default the column */
  table: string;
}

/** A group of consecutive source rows for one vault, sent as one request. */
export interface Batch {
  /** Vault name (`VaultSpec.name`). */
  vault: string;
  /** 0-based sequence number within the vault and run. Deterministic for a given source and settings. */
  seq: number;
  /** Position of the first row the batch covers (loaded or skipped). */
  firstPosition: number;
  /** Exclusive end of the rows the batch covers. */
  endPosition: number;
  /** The records to send, in position order (value/token already suffixed when that is on). */
  records: SourceRecord[];
  /** Rows in `[firstPosition, endPosition)` that were skipped, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** Where to restart reading to rebuild this batch. */
  cursor: SourceCursor;
  /** True when an earlier attempt may have been applied (resumed in-flight batch): replay safely. */
  replay?: boolean;
  /**
   * Content checksum of the source rows the batch covers (positions, values and tokens as read,
   * before any suffix; skipped rows by reason). Stored by the ledger, re-computed on resume to prove
   * the source still holds what was sent.
   */
  checksum?: string;
  /**
   * Found while computing the checksum: true when every value and token is ASCII with no quote,
   * backslash or control character (request bodies hold them as they are, with no escape check),
   * false when one needs escaping; absent when unknown (suffixed records).
   */
  jsonSafe?: boolean;
}

/** A record the vault rejected for good. */
export interface FailedRecord {
  /** The rejected record. */
  record: SourceRecord;
  /** HTTP status of the definite answer (0 for a network failure that exhausted its retries). */
  status: number;
  /** The vault's message or byot's description; never contains a secret. */
  message: string;
  /** `X-Request-Id` of the answer, when there was one. */
  requestId?: string;
  /** True when the failure was transient (retry budget spent), false for a definite rejection. */
  retryable: boolean;
  /** Requests that carried this record. */
  attempts: number;
  /** Set by `byot verify`: what reading the vault back found. @default undefined (a load's failure) */
  verdict?: FailureVerdict;
}

/**
 * What `byot verify` found for a record that is not in the vault as the source has it: `missing`
 * (neither its token nor its value is stored) or `mismatched` (its token holds another value, or its
 * value is stored under another token).
 */
export type FailureVerdict = "missing" | "mismatched";

/** How a batch ended. */
export interface BatchResult {
  /** Records now stored in the vault (including those an earlier attempt had stored). */
  loaded: number;
  /** Records that failed for good. */
  failures: FailedRecord[];
  /** HTTP requests made for the batch (including splits, retries and read-backs). */
  requests: number;
  /** True when any request for the batch was retried. */
  retried: boolean;
  /** HTTP status of the last answer (0 when none). */
  lastStatus: number;
  /** `X-Request-Id` of the last answer. */
  requestId?: string;
  /** Records settled through the safe-replay paths. */
  replayed: { upsert: number; readback: number; resent: number };
  /**
   * Of `loaded`: records a read-back found already stored under their own token with their own
   * value (by an earlier attempt, an earlier run, another process or another loader). @default 0
   */
  alreadyPresent?: number;
  /**
   * 2xx answers whose body did not account for every record sent (an HTML page, `{}`, a short
   * list): their outcome was unknown and was settled by read-back. @default 0
   */
  unverified?: number;
  /**
   * Records whose outcome is still unknown: their transient retries (5xx, timeouts, network) ran
   * out. Neither loaded nor failed; the batch stays unsettled and the same command settles it on
   * resume. @default []
   */
  unsettled?: FailedRecord[];
}

/** Where batch outcomes go as they happen (the checkpoint ledger implements this). */
export interface OutcomeSink {
  /** The batch is about to be sent. */
  batchStarted(batch: Batch): void;
  /** The batch has a final result. Must be recorded before the next group commit. */
  batchFinished(batch: Batch, result: BatchResult): void;
  /** Makes every recorded outcome durable. */
  flush(): void | Promise<void>;
}

/** Kinds of vault request, for metrics. */
export type RequestKind = "insert" | "batch" | "detokenize" | "get" | "delete";

/** Why a request is retried. */
export type RetryReason = "429" | "5xx" | "408" | "network" | "timeout" | "size";

/** Receives events from the vault client and pipeline; the metrics collector implements it. */
export interface VaultObserver {
  /** A request got an answer (or failed with `status` 0). */
  request(
    e: { vault: string; kind: RequestKind; status: number; latencyMs: number; records: number },
  ): void;
  /** A request will be retried after `delayMs`. */
  retry(e: { vault: string; reason: RetryReason; delayMs: number }): void;
  /** Records took a safe-replay path. */
  replay(e: { vault: string; path: "upsert" | "readback" | "resent"; records: number }): void;
  /** A batch was split: to isolate bad records, or because it was too large. */
  split(e: { vault: string; reason: "bisect" | "size" }): void;
  /** A request body was built (payload and JSON encoding, which byot does in one step). */
  build(e: { vault: string; ms: number }): void;
}

/** An observer that ignores everything. */
export const nullObserver: VaultObserver = {
  request() {},
  retry() {},
  replay() {},
  split() {},
  build() {},
};

/**
 * Read-back: asks the vault what it holds for records whose insert was rejected or whose outcome is
 * unknown, and compares it with ours. Our token holding our value: present (whoever stored it). Our
 * token holding another value, or our value stored under another token: a real conflict. Neither:
 * absent.
 *
 * The check detokenizes our tokens (one request per chunk of 25). A vault that refuses detokenize
 * (403: the role may not read the column; or another definite 4xx) is asked by value instead, with Get Records by
 * `column_values` and then the found records' tokens; a vault that refuses that too leaves byot
 * without a safe read: {@linkcode ReadBackRefusedError} stops the run, unless `--upsert` makes
 * re-sends idempotent, in which case records are reported {@linkcode ReadbackResult.unchecked}.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { SourceRecord, VaultSpec } from "../common/types.ts";
import type { Attempted, VaultClient } from "./client.ts";
import { errorMessage, tryJson } from "./envelope.ts";
import type { BatchTally } from "./batch_tally.ts";
import { detokenizeBody } from "./payload.ts";

/** A record the vault holds differently from ours. */
export interface Conflict {
  /** Our record. */
  record: SourceRecord;
  /** What the vault holds instead, said for the failure message (never a value). */
  message: string;
}

/** What the read-back found. */
export interface ReadbackResult {
  /** Stored with our token and our value. */
  present: SourceRecord[];
  /** Not stored: safe to send again. */
  absent: SourceRecord[];
  /** Stored differently: our token holds another value, or our value sits under another token. */
  conflicting: Conflict[];
  /** Could not be checked (the read-back's own retries ran out); outcome still unknown. */
  unknown: { records: SourceRecord[]; status: number; message: string; requestId?: string }[];
  /** Not checked at all: read-back is refused and `--upsert` makes a re-send safe anyway. */
  unchecked: SourceRecord[];
}

/** The read-back is refused and nothing else makes a re-send safe. Exit code 2. */
export class ReadBackRefusedError extends ConfigError {
  /**
   * Creates the error.
   *
   * @param message what was refused and what to do about it.
   */
  constructor(message: string) {
    super(message);
    this.name = "ReadBackRefusedError";
  }
}

/** Options of {@linkcode ReadBack}. */
export interface ReadBackOptions {
  /** The client of the vault. */
  client: VaultClient;
  /** The vault, table and column read. */
  vault: VaultSpec;
  /** Tokens (or values) per read request; Get takes at most 25. @default 25 */
  chunk?: number;
  /** `--upsert` is on: when every read is refused, records come back unchecked instead of stopping. */
  upsert?: boolean;
}

/** Token text the conflict messages name: the first 8 characters, so a message never holds a value. */
const TOKEN_PREVIEW = 8;

/** Reads records back from one vault; remembers which read the vault allows. */
export class ReadBack {
  readonly #o: ReadBackOptions & { chunk: number };
  /** `detokenize` until refused, then `get` until refused, then `none`. */
  #mode: "detokenize" | "get" | "none" = "detokenize";
  #refusals: string[] = [];

  /**
   * Creates the read-back of `options.vault`.
   *
   * @param options the client, the vault, the chunk size and whether `--upsert` is on.
   */
  constructor(options: ReadBackOptions) {
    this.#o = { ...options, chunk: Math.max(1, Math.min(25, options.chunk ?? 25)) };
  }

  /** True once every read was refused (only with `--upsert`; without it the run has stopped). */
  get refused(): boolean {
    return this.#mode === "none";
  }

  /**
   * Checks `records`, counting its requests in `tally`.
   *
   * @throws {ReadBackRefusedError} when the vault refuses every read and `--upsert` is off.
   */
  async check(
    records: readonly SourceRecord[],
    tally: BatchTally,
    signal?: AbortSignal,
  ): Promise<ReadbackResult> {
    const result: ReadbackResult = { present: [], absent: [], conflicting: [], unknown: [], unchecked: [] };
    for (let i = 0; i < records.length; i += this.#o.chunk) {
      const group = records.slice(i, i + this.#o.chunk);
      for (;;) {
        const mode = this.#mode;
        const done = mode === "detokenize"
          ? await this.#detokenize(group, result, tally, signal)
          : mode === "get"
          ? await this.#byValue(group, result, tally, signal)
          : (result.unchecked.push(...group), true);
        if (done) break;
      }
    }
    return result;
  }

  /** Detokenizes `group`; false when detokenize was refused (the mode moved on). */
  async #detokenize(
    group: SourceRecord[],
    result: ReadbackResult,
    tally: BatchTally,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const o = this.#o;
    const attempted = await o.client.send({
      kind: "detokenize",
      method: "POST",
      path: `/v1/vaults/${encodeURIComponent(o.vault.id)}/detokenize`,
      body: detokenizeBody(group.map((r) => r.token)),
      records: group.length,
      refusalIsAnswer: true,
    }, signal);
    tally.count(attempted);
    if (attempted.kind === "exhausted") return unknown(result, group, attempted), true;
    const { answer } = attempted;
    // every token unknown: answered 404 (as Skyflow's own test doubles do) — none is stored
    if (answer.status === 404) return result.absent.push(...group), true;
    // 403, or another definite 4xx: this vault will not answer the question; try the next way
    if (answer.status >= 400 && answer.status < 500) return this.#refuse("detokenize", answer), false;
    const stored = answer.status < 300 ? storedValues(answer.body) : undefined;
    if (!stored) return unreadable(result, group, attempted), true;
    for (const record of group) {
      const value = stored.get(record.token);
      if (value === undefined) result.absent.push(record);
      else if (value === record.value) result.present.push(record);
      else {
        result.conflicting.push({
          record,
          message: `token ${preview(record.token)} already holds a different value in the vault (read-back)`,
        });
      }
    }
    return true;
  }

  /** Looks `group` up by value, then reads the found records' tokens; false when refused. */
  async #byValue(
    group: SourceRecord[],
    result: ReadbackResult,
    tally: BatchTally,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const o = this.#o;
    const base = `/v1/vaults/${encodeURIComponent(o.vault.id)}/${encodeURIComponent(o.vault.table)}`;
    const query = new URLSearchParams({ column_name: o.vault.column, redaction: "PLAIN_TEXT" });
    for (const r of group) query.append("column_values", r.value);
    const found = await this.#get(`${base}?${query}`, group.length, tally, signal);
    if (found === "refused") return false;
    if (found === undefined || !("records" in found)) {
      if (found && "unknown" in found) result.unknown.push({ records: group, ...found.unknown });
      else result.absent.push(...group);
      return true;
    }
    const idByValue = new Map<string, string>();
    for (const rec of found.records) {
      const value = rec.fields?.[o.vault.column];
      const id = rec.fields?.skyflow_id ?? rec.skyflow_id;
      if (typeof value === "string" && typeof id === "string") idByValue.set(value, id);
    }
    const ids = [...new Set(group.map((r) => idByValue.get(r.value)).filter((id) => id !== undefined))];
    const tokenById = new Map<string, string>();
    if (ids.length > 0) {
      const q = new URLSearchParams({ tokenization: "true" });
      for (const id of ids) q.append("skyflow_ids", id);
      const tokens = await this.#get(`${base}?${q}`, ids.length, tally, signal);
      if (tokens === "refused") return false;
      if (tokens && "unknown" in tokens) {
        result.unknown.push({ records: group, ...tokens.unknown });
        return true;
      }
      for (const rec of tokens && "records" in tokens ? tokens.records : []) {
        const id = rec.fields?.skyflow_id ?? rec.skyflow_id;
        // Skyflow answers tokens in place of the values; some doubles add a `tokens` object
        const token = rec.tokens?.[o.vault.column] ?? rec.fields?.[o.vault.column];
        if (typeof id === "string" && typeof token === "string") tokenById.set(id, token);
      }
    }
    for (const record of group) {
      const id = idByValue.get(record.value);
      if (id === undefined) result.absent.push(record);
      else if (tokenById.get(id) === record.token) result.present.push(record);
      else if (!tokenById.has(id)) {
        result.unknown.push({
          records: [record],
          status: 0,
          message: "the stored record's token could not be read",
        });
      } else {
        result.conflicting.push({
          record,
          message: `the value is already stored under another token (${preview(tokenById.get(id)!)}…, not ${
            preview(record.token)
          }…) (read-back)`,
        });
      }
    }
    return true;
  }

  async #get(
    path: string,
    records: number,
    tally: BatchTally,
    signal?: AbortSignal,
  ): Promise<
    | "refused"
    | { records: { skyflow_id?: string; fields?: Record<string, string>; tokens?: Record<string, string> }[] }
    | { unknown: { status: number; message: string; requestId?: string } }
    | undefined
  > {
    const attempted = await this.#o.client.send(
      { kind: "get", method: "GET", path, records, refusalIsAnswer: true },
      signal,
    );
    tally.count(attempted);
    if (attempted.kind === "exhausted") {
      const { status, message, requestId } = attempted;
      return { unknown: { status, message, requestId } };
    }
    const { answer } = attempted;
    if (answer.status === 404) return undefined;
    // 403, or a 400 (e.g. the column is not unique, so it cannot be looked up by value)
    if (answer.status >= 400 && answer.status < 500) {
      this.#refuse("get", answer);
      return "refused";
    }
    const parsed = tryJson(answer.body) as { records?: unknown } | undefined;
    if (answer.status >= 300 || !parsed || !Array.isArray(parsed.records)) {
      const message = errorMessage(answer.status, answer.body);
      return { unknown: { status: answer.status, message, requestId: answer.requestId } };
    }
    return { records: parsed.records as never };
  }

  /** Notes a refused read and moves to the next mode; throws when none is left and upsert is off. */
  #refuse(what: "detokenize" | "get", answer: { status: number; body: string; requestId?: string }): void {
    const o = this.#o;
    const id = answer.requestId ? ` (request id ${answer.requestId})` : "";
    this.#refusals.push(
      `${what === "detokenize" ? "Detokenize" : "Get Records by column_values"} answered ${answer.status}: ${
        errorMessage(answer.status, answer.body)
      }${id}`,
    );
    this.#mode = what === "detokenize" ? "get" : "none";
    if (this.#mode !== "none" || o.upsert) return;
    throw new ReadBackRefusedError(
      `vault ${o.vault.name} refused to let byot read back records it rejected (${
        this.#refusals.join("; ")
      }). ` +
        `byot reads a rejected batch back to tell records already stored (a re-run, a resume, another ` +
        `process) from real rejections; without it every such record would be reported failed. Give the ` +
        `token's role read access to column ${o.vault.column} of table ${o.vault.table} (detokenize, or Get ` +
        `by column values), or run with --upsert, which makes re-sends idempotent without reading; then run ` +
        `the same command again to resume`,
    );
  }
}

function unknown(
  result: Pick<ReadbackResult, "unknown">,
  group: SourceRecord[],
  attempted: Extract<Attempted, { kind: "exhausted" }>,
) {
  result.unknown.push({
    records: group,
    status: attempted.status,
    message: attempted.message,
    requestId: attempted.requestId,
  });
}

function unreadable(
  result: Pick<ReadbackResult, "unknown">,
  group: SourceRecord[],
  attempted: Extract<Attempted, { kind: "answer" }>,
) {
  const { answer } = attempted;
  result.unknown.push({
    records: group,
    status: answer.status,
    message: errorMessage(answer.status, answer.body),
    requestId: answer.requestId,
  });
}

function preview(token: string): string {
  return token.slice(0, TOKEN_PREVIEW);
}

/** token → stored value from a detokenize answer; tokens answered with an error are left out. */
function storedValues(body: string): Map<string, string> | undefined {
  const parsed = tryJson(body) as { records?: unknown } | undefined;
  if (!parsed || !Array.isArray(parsed.records)) return undefined;
  const map = new Map<string, string>();
  for (const entry of parsed.records as Record<string, unknown>[]) {
    if (entry && typeof entry.token === "string" && typeof entry.value === "string" && !entry.error) {
      map.set(entry.token, entry.value);
    }
  }
  return map;
}

/** What {@linkcode readBack} found. */
export interface DetokenizeResult {
  /** Stored with our value. */
  present: SourceRecord[];
  /** Our token is not stored. */
  absent: SourceRecord[];
  /** Our token holds a different value. */
  conflicting: SourceRecord[];
  /** Could not be checked (the read-back's retries ran out, or an unreadable answer). */
  unknown: { records: SourceRecord[]; status: number; message: string; requestId?: string }[];
}

/**
 * Detokenizes the tokens of `records` in chunks of `chunk` and compares the stored values with
 * ours (`byot verify`). A chunk answered 404 as a whole is split until single tokens, where 404 =
 * absent. A 403 stops the run like any refused request (no fallback: the caller looks values up
 * itself).
 */
export async function readBack(
  client: VaultClient,
  vaultId: string,
  records: readonly SourceRecord[],
  tally: BatchTally,
  options: { chunk: number; signal?: AbortSignal },
): Promise<DetokenizeResult> {
  const result: DetokenizeResult = { present: [], absent: [], conflicting: [], unknown: [] };
  const path = `/v1/vaults/${encodeURIComponent(vaultId)}/detokenize`;
  const pending: SourceRecord[][] = [];
  for (let i = 0; i < records.length; i += options.chunk) pending.push(records.slice(i, i + options.chunk));
  while (pending.length > 0) {
    const group = pending.shift()!;
    const attempted = await client.send({
      kind: "detokenize",
      method: "POST",
      path,
      body: detokenizeBody(group.map((r) => r.token)),
      records: group.length,
    }, options.signal);
    tally.count(attempted);
    if (attempted.kind === "exhausted") {
      unknown(result, group, attempted);
      continue;
    }
    const { answer } = attempted;
    if (answer.status === 404) {
      if (group.length === 1) result.absent.push(group[0]);
      else pending.unshift(group.slice(0, group.length >> 1), group.slice(group.length >> 1));
      continue;
    }
    const stored = answer.status < 300 ? storedValues(answer.body) : undefined;
    if (!stored) {
      unreadable(result, group, attempted);
      continue;
    }
    for (const record of group) {
      const value = stored.get(record.token);
      if (value === undefined) result.absent.push(record);
      else if (value === record.value) result.present.push(record);
      else result.conflicting.push(record);
    }
  }
  return result;
}

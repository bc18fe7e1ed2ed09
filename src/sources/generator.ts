/**
 * Deterministic test data in the Go loader's CSV layout: for each vault column, `<col>_data.csv` and
 * `<col>_tokens.csv` with one row per record. Values are unique per column; tokens are 36-char
 * UUID-shaped strings, unique across all columns of a seed; the same seed writes identical files.
 *
 * Value shapes (n = record index + 1): name `MARY SMITH 00000001` (every 1000th `SMITH, MARY …` with
 * a comma, and every 1000th `MARY "MO" SMITH …` with quotes, to exercise CSV quoting); id
 * `1000000001`; dob `1970-01-31-1`; ssn `123-45-6789-1`.
 *
 * @module
 */
import { type Clock, systemClock } from "../common/clock.ts";
import { ConfigError } from "../common/errors.ts";
import { pairedFiles, pairedHeaders } from "./csv/paired.ts";

/** The columns the generator knows, in the order it writes them. */
export const GENERATED_COLUMNS = ["name", "id", "dob", "ssn"] as const;

/** A column the generator can write. */
export type GeneratedColumn = typeof GENERATED_COLUMNS[number];

/** Marker appended to values that a test vault should reject. */
export const REJECT_MARKER = "__REJECT__";

/** The largest record count per vault. */
export const MAX_GENERATE_COUNT = 1_000_000_000;

/** One generated record. */
export interface GeneratedPair {
  /** The value (unique within its column). */
  value: string;
  /** The token (unique across the columns of a seed). */
  token: string;
}

/** Options shared by the pair functions. */
export interface PairOptions {
  /** Seed; any string or number (`1` and `"1"` are the same seed). @default 1 */
  seed?: number | string;
  /** Append {@linkcode REJECT_MARKER} to every Nth value (0 = never). @default 0 */
  rejectEvery?: number;
}

const FIRST = [
  "MARY",
  "JOHN",
  "PATRICIA",
  "ROBERT",
  "JENNIFER",
  "MICHAEL",
  "LINDA",
  "DAVID",
  "ELIZABETH",
  "JAMES",
];
const LAST = [
  "SMITH",
  "JOHNSON",
  "WILLIAMS",
  "BROWN",
  "JONES",
  "GARCIA",
  "MILLER",
  "DAVIS",
  "LOPEZ",
  "WILSON",
];
const NICK = ["MO", "JJ", "PAT", "BOB", "JEN", "MIKE", "LIN", "DAVE", "BETH", "JIM"];
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function seedHash(seed: number | string): number {
  let h = 0x811c9dc5;
  for (const c of String(seed)) h = Math.imul(h ^ c.codePointAt(0)!, 0x01000193);
  return h >>> 0;
}

/** A 32-bit hash, a bijection of `i` for fixed (seed, column, k). */
function hash(seed: number, column: number, k: number, i: number): number {
  let h = (seed + Math.imul(column * 16 + k + 1, 0x9e3779b1)) ^ i;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hex4(x: number): string {
  return HEX[(x >>> 8) & 255] + HEX[x & 255];
}

function hex8(x: number): string {
  return HEX[x >>> 24] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
}

function columnCode(column: string): number {
  const code = GENERATED_COLUMNS.indexOf(column as GeneratedColumn);
  if (code < 0) throw new ConfigError(`unknown vault "${column}" (expected ${GENERATED_COLUMNS.join(", ")})`);
  return code + 1;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Returns the pair function of one (seed, column): `i` → the record at index `i`. */
function pairMaker(seed: number | string, column: string, rejectEvery: number): (i: number) => GeneratedPair {
  const s = seedHash(seed);
  const code = columnCode(column);
  const tokenTail = hex4(hash(s, code, 4, 0));
  const mask = hash(s, code, 5, 0);
  return (i) => makePair(s, code, i, rejectEvery, tokenTail, mask);
}

function makePair(s: number, code: number, i: number, rejectEvery: number, tail: string, mask: number) {
  const n = i + 1;
  const a = hash(s, code, 0, i);
  const b = hash(s, code, 1, i);
  let value: string;
  switch (code) {
    case 1: {
      const first = FIRST[a % 10], last = LAST[(a >>> 8) % 10];
      if (n % 1000 === 0) value = `${last}, ${first} ${pad(n, 8)}`;
      else if (n % 1000 === 500) value = `${first} "${NICK[(a >>> 16) % 10]}" ${last} ${pad(n, 8)}`;
      else value = `${first} ${last} ${pad(n, 8)}`;
      break;
    }
    case 2:
      value = String(1_000_000_000 + n);
      break;
    case 3:
      value = `${1940 + a % 66}-${pad(1 + (a >>> 8) % 12, 2)}-${pad(1 + (a >>> 16) % 28, 2)}-${n}`;
      break;
    default:
      value = `${100 + a % 800}-${pad(10 + (a >>> 10) % 90, 2)}-${1000 + (a >>> 17) % 9000}-${n}`;
  }
  if (rejectEvery > 0 && n % rejectEvery === 0) value += REJECT_MARKER;
  // the last 12 hex digits are a per-(seed, column) mask XOR the index: unique within a column;
  // the digit after the second dash is the column code: unique across columns
  const c = hash(s, code, 2, i);
  const d = hash(s, code, 3, i);
  const token = `${hex8(b)}-${hex4(c >>> 16)}-${code}${hex4(c).slice(1)}-${hex4(d >>> 16)}-` +
    tail + hex8((i ^ mask) >>> 0);
  const pair: GeneratedPair = { value, token };
  return pair;
}

/**
 * The generated record at `index` (0-based) of `column`.
 *
 * @example
 * ```ts
 * generatedPair("name", 0); // { value: "…  00000001", token: "xxxxxxxx-xxxx-1xxx-xxxx-xxxxxxxxxxxx" }
 * ```
 */
export function generatedPair(column: string, index: number, options: PairOptions = {}): GeneratedPair {
  return pairMaker(options.seed ?? 1, column, options.rejectEvery ?? 0)(index);
}

/**
 * The first `count` generated records of `column`, without touching files (for tests).
 *
 * @example
 * ```ts
 * const expected = new Map([...generatePairs("id", 100, 7)].map((p) => [p.value, p.token]));
 * ```
 */
export function* generatePairs(
  column: string,
  count: number,
  seed: number | string = 1,
  options: { rejectEvery?: number } = {},
): Generator<GeneratedPair> {
  const pairAt = pairMaker(seed, column, options.rejectEvery ?? 0);
  for (let i = 0; i < count; i++) yield pairAt(i);
}

/** Options of {@linkcode generateFiles}. */
export interface GenerateOptions {
  /** Records per vault (0 writes header-only files). */
  count: number;
  /** Output directory, created when missing. Existing files are overwritten. */
  outDir: string;
  /** Seed. @default 1 */
  seed?: number | string;
  /** Columns to write. @default ["name", "id", "dob", "ssn"] */
  vaults?: readonly string[];
  /** Append {@linkcode REJECT_MARKER} to every Nth value (0 = never). @default 0 */
  rejectEvery?: number;
  /** Clock for the elapsed time. @default systemClock */
  clock?: Clock;
}

/** What {@linkcode generateFiles} wrote. */
export interface GenerateSummary {
  /** Columns written. */
  vaults: string[];
  /** Records per vault. */
  count: number;
  /** Paths written, data then tokens file per vault. */
  files: string[];
  /** Bytes written in total. */
  bytes: number;
  /** Wall time in ms. */
  elapsedMs: number;
}

const BUFFER_BYTES = 1 << 20;

/** Buffers ASCII text (every generated byte is ASCII) and writes it in 1 MiB blocks. */
class AsciiFileWriter {
  #file: Deno.FsFile;
  #buf = new Uint8Array(BUFFER_BYTES);
  #used = 0;
  /** Bytes written so far, including buffered ones. */
  bytes = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** True when fewer than 4 KiB are free: call {@linkcode AsciiFileWriter.flush} before more lines. */
  get full(): boolean {
    return this.#used > BUFFER_BYTES - 4096;
  }

  /** Appends `text` (< 2 KiB) and a newline; CSV-quotes it when `csv` and it holds `,` or `"`. */
  line(text: string, csv: boolean): void {
    if (csv && (text.includes(",") || text.includes('"'))) text = `"${text.replaceAll('"', '""')}"`;
    const buf = this.#buf;
    let p = this.#used;
    for (let k = 0; k < text.length; k++) buf[p++] = text.charCodeAt(k);
    buf[p++] = 10;
    this.bytes += p - this.#used;
    this.#used = p;
  }

  /** Writes the buffered bytes. */
  async flush(): Promise<void> {
    let written = 0;
    while (written < this.#used) written += await this.#file.write(this.#buf.subarray(written, this.#used));
    this.#used = 0;
  }
}

/**
 * Writes the pairs of files for each vault column.
 *
 * @example
 * ```ts
 * const summary = await generateFiles({ count: 1_000_000, outDir: "data", seed: 42 });
 * ```
 */
export async function generateFiles(options: GenerateOptions): Promise<GenerateSummary> {
  const { count, outDir } = options;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_GENERATE_COUNT) {
    throw new ConfigError(`invalid count ${count}: expected a whole number from 0 to ${MAX_GENERATE_COUNT}`);
  }
  const rejectEvery = options.rejectEvery ?? 0;
  if (!Number.isSafeInteger(rejectEvery) || rejectEvery < 0) {
    throw new ConfigError(`invalid reject interval ${rejectEvery}: expected a whole number ≥ 0`);
  }
  const vaults = [...new Set(options.vaults ?? GENERATED_COLUMNS)];
  vaults.forEach(columnCode); // validates every name before any file is written
  const seed = options.seed ?? 1;
  const clock = options.clock ?? systemClock;
  const started = clock.monotonic();
  try {
    await Deno.mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`cannot create output directory ${outDir}`, { cause: error });
  }
  const files: string[] = [];
  let bytes = 0;
  for (const column of vaults) {
    const pairAt = pairMaker(seed, column, rejectEvery);
    const paths = pairedFiles(outDir, column);
    const headers = pairedHeaders(column);
    const dataFile = await create(paths.data);
    let tokenFile: Deno.FsFile | undefined;
    try {
      tokenFile = await create(paths.tokens);
      const data = new AsciiFileWriter(dataFile);
      const tokens = new AsciiFileWriter(tokenFile);
      data.line(headers.value, true);
      tokens.line(headers.token, true);
      for (let i = 0; i < count; i++) {
        const pair = pairAt(i);
        data.line(pair.value, true);
        tokens.line(pair.token, false);
        if (data.full || tokens.full) {
          await data.flush();
          await tokens.flush();
        }
      }
      await data.flush();
      await tokens.flush();
      bytes += data.bytes + tokens.bytes;
    } finally {
      dataFile.close();
      tokenFile?.close();
    }
    files.push(paths.data, paths.tokens);
  }
  return { vaults, count, files, bytes, elapsedMs: clock.monotonic() - started };
}

async function create(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { write: true, create: true, truncate: true });
  } catch (error) {
    throw new ConfigError(`cannot write ${path}`, { cause: error });
  }
}

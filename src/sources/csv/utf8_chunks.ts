/**
 * Reads a file from a byte offset in fixed-size chunks into one reusable buffer and decodes only
 * whole UTF-8 characters, carrying a character split across reads to the next chunk. So every chunk
 * of text maps to an exact byte range of the file, which is what makes CSV row offsets exact.
 *
 * @module
 */
import { SourceError } from "../../common/errors.ts";

/** One decoded chunk. */
export interface TextChunk {
  /** Decoded text (whole characters only). */
  text: string;
  /** UTF-8 length of `text`. */
  bytes: number;
  /** Bytes skipped before `text` (3 for a BOM at the start of the file, else 0). */
  skipped: number;
}

/** Options of {@linkcode Utf8ChunkReader.open}. */
export interface Utf8ChunkOptions {
  /** Byte offset to start at. @default 0 */
  startOffset?: number;
  /** Bytes per read. @default 65536 */
  readSize?: number;
}

/**
 * A file read as a sequence of {@linkcode TextChunk}s. Invalid UTF-8 is a {@linkcode SourceError}.
 *
 * @example
 * ```ts ignore
 * const reader = await Utf8ChunkReader.open("a.csv", { startOffset: 120 });
 * for (let c = await reader.read(); c; c = await reader.read()) use(c.text);
 * reader.close();
 * ```
 */
export class Utf8ChunkReader {
  /** The file's path, as given. */
  readonly path: string;
  #file: Deno.FsFile | undefined;
  #readSize: number;
  #buf: Uint8Array;
  #carry = 0; // bytes of an incomplete character kept at the front of #buf
  #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #readByte: number; // file offset just past the bytes read so far
  #atFileStart: boolean;

  private constructor(path: string, file: Deno.FsFile, start: number, readSize: number) {
    this.path = path;
    this.#file = file;
    this.#readSize = readSize;
    this.#buf = new Uint8Array(readSize + 4);
    this.#readByte = start;
    this.#atFileStart = start === 0;
  }

  /** Opens `path` positioned at `startOffset`; one-line {@linkcode SourceError} when unreadable. */
  static async open(path: string, options: Utf8ChunkOptions = {}): Promise<Utf8ChunkReader> {
    const start = options.startOffset ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new SourceError(`${path}: invalid start offset ${start}`);
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      throw new SourceError(describeOpenError(path, error), { cause: error });
    }
    try {
      const info = await file.stat();
      if (!info.isFile) throw new SourceError(`${path}: not a regular file`);
      if (start > info.size) {
        throw new SourceError(`${path}: start offset ${start} is past the end of the file`);
      }
      if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    } catch (error) {
      file.close();
      throw error instanceof SourceError ? error : new SourceError(`cannot read ${path}`, { cause: error });
    }
    return new Utf8ChunkReader(path, file, start, Math.max(1, options.readSize ?? 65536));
  }

  /** Reads and decodes the next chunk (possibly empty text); null at end of file. */
  async read(): Promise<TextChunk | null> {
    if (!this.#file) throw new SourceError(`${this.path}: reader is closed`);
    const buf = this.#buf;
    let n: number | null;
    try {
      n = await this.#file.read(buf.subarray(this.#carry, this.#carry + this.#readSize));
    } catch (error) {
      throw new SourceError(`cannot read ${this.path}`, { cause: error });
    }
    if (n === null) {
      if (this.#carry > 0) throw await this.#utf8Error(this.#readByte - this.#carry);
      return null;
    }
    const total = this.#carry + n;
    const cut = completeLength(buf, total);
    let text: string;
    try {
      text = this.#decoder.decode(buf.subarray(0, cut));
    } catch (error) {
      throw await this.#utf8Error(this.#readByte - this.#carry + firstInvalidUtf8(buf, cut), error);
    }
    let bytes = cut;
    let skipped = 0;
    if (this.#atFileStart && cut > 0) {
      this.#atFileStart = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        bytes -= 3;
        skipped = 3;
      }
    }
    buf.copyWithin(0, cut, total);
    this.#carry = total - cut;
    this.#readByte += n;
    return { text, bytes, skipped };
  }

  /** Closes the file. Safe to call twice. */
  close(): void {
    const file = this.#file;
    this.#file = undefined;
    try {
      file?.close();
    } catch { /* already closed */ }
  }

  /** The error for the invalid byte at file offset `at`, naming its line (LFs before it are counted). */
  async #utf8Error(at: number, cause?: unknown): Promise<SourceError> {
    const line = await lineOfOffset(this.path, at);
    const where = line === undefined ? "" : `line ${line}: `;
    return new SourceError(
      `${this.path}: ${where}not valid UTF-8 at byte offset ${at} (0-based; save the file as UTF-8)`,
      { cause },
    );
  }
}

/**
 * Index of the first byte of `buf[0..end)` that does not start a valid UTF-8 sequence (the rules of
 * a fatal `TextDecoder`: no overlong forms, no surrogates, nothing above U+10FFFF), or `end`.
 */
export function firstInvalidUtf8(buf: Uint8Array, end: number): number {
  let i = 0;
  while (i < end) {
    const c = buf[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= end) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (buf[i + 1] < lo || buf[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return end;
}

/** 1-based line of byte offset `at` of `path` (LF bytes before it, plus one); undefined when unreadable. */
async function lineOfOffset(path: string, at: number): Promise<number | undefined> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const buffer = new Uint8Array(1 << 16);
    let line = 1;
    let read = 0;
    while (read < at) {
      const n = await file.read(buffer.subarray(0, Math.min(buffer.length, at - read)));
      if (n === null) break;
      for (let i = 0; i < n; i++) if (buffer[i] === 10) line++;
      read += n;
    }
    return line;
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}

/** Length of the prefix of `buf[0..total)` that ends on a whole UTF-8 character. */
function completeLength(buf: Uint8Array, total: number): number {
  if (total === 0 || buf[total - 1] < 0x80) return total;
  let k = total - 1;
  while (k > 0 && k > total - 4 && (buf[k] & 0xc0) === 0x80) k--;
  const lead = buf[k];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return k + need <= total ? total : k;
}

function describeOpenError(path: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return `file not found: ${path}`;
  if (error instanceof Deno.errors.PermissionDenied) return `permission denied reading ${path}`;
  return `cannot open ${path}: ${error instanceof Error ? error.message : String(error)}`;
}

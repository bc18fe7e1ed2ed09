/**
 * Writes JSON text straight into UTF-8 bytes. A request body of 300 records built as strings left
 * ~400 bytes of short-lived strings per record on the JS heap (template pieces, one `JSON.stringify`
 * per value and token, the joined text, then its encoding); at a million records a second that
 * garbage was most of the loader's GC work. Here plain ASCII strings (the usual values and tokens)
 * are copied byte by byte; any other string goes through `JSON.stringify` and `encodeInto`, so the
 * output is exactly what `JSON.stringify` would have produced, encoded as UTF-8.
 *
 * @module
 */

const UTF8 = new TextEncoder();

/** A growing byte buffer for one JSON document. */
export class JsonBytes {
  #buf: Uint8Array;
  #len = 0;

  /**
   * Creates an empty buffer.
   *
   * @param capacity first buffer size in bytes, at least 16 (it doubles as needed); defaults to 1024.
   */
  constructor(capacity = 1024) {
    this.#buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** Appends bytes prepared once (constant JSON pieces). */
  raw(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  /** Appends `value` as a JSON string literal (quotes and escapes included). */
  string(value: string): this {
    const n = value.length;
    this.#reserve(n + 2);
    const buf = this.#buf;
    const start = this.#len;
    let at = start;
    buf[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      // printable ASCII except `"` and `\` is written as is; anything else takes the general path
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.#general(value, start);
      buf[at++] = c;
    }
    buf[at++] = 0x22;
    this.#len = at;
    return this;
  }

  /** The document: a view of the buffer (valid until the next write). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  #general(value: string, start: number): this {
    const json = JSON.stringify(value);
    this.#len = start;
    this.#reserve(json.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const { written } = UTF8.encodeInto(json, this.#buf.subarray(start));
    this.#len = start + written;
    return this;
  }

  #reserve(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buf.subarray(0, this.#len));
    this.#buf = grown;
  }
}

/** The UTF-8 bytes of `text` (for constant JSON pieces). */
export function utf8(text: string): Uint8Array {
  return UTF8.encode(text);
}

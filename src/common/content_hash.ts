/**
 * A fast, non-cryptographic 64-bit content checksum, for proving that a source still holds the rows
 * a run read: it guards against files that changed by accident (a re-export in another order, an
 * edit), not against an adversary.
 *
 * Every string is hashed in full, but not character by character: the strings of one checksum are
 * concatenated (V8 keeps a rope, no copy) and, at {@linkcode ContentHash.digest}, flattened and
 * encoded to UTF-8 natively in one call, and hashed four bytes at a time in two independently mixed
 * 32-bit lanes; a third lane takes each string's length and each number, so the boundaries between
 * strings count (`ab|c` ≠ `a|bc`). The same pass tells whether every string is plain JSON text
 * ({@linkcode ContentHash.plain}), so request bodies need no escape check of their own. A
 * per-character loop over every value and token cost about 0.5 CPU-s per million records, most of a
 * load's CPU regression; this costs about a fifth of it. The one blind spot of the UTF-8 step: a lone
 * surrogate (never in a CSV file, which must be valid UTF-8) reads as U+FFFD.
 *
 * Digests carry a {@linkcode CONTENT_HASH_VERSION} prefix, so a checksum stored by an older byot
 * (16 bare hex digits) is recognised as one this code cannot recompute.
 *
 * @example
 * ```ts
 * const h = new ContentHash();
 * h.addNumber(12);
 * h.add("Jane");
 * h.digest(); // "h2:" and 16 hex digits
 * ```
 *
 * @module
 */

/** Prefix of the digests of this algorithm. */
export const CONTENT_HASH_VERSION = "h2:";

const UTF8 = new TextEncoder();
/** Reused encoding buffer (digest is synchronous, so one per process is enough); grows as needed. */
let scratch = new Uint8Array(1 << 16);
let words = new Int32Array(scratch.buffer);

/** Incremental checksum of a sequence of strings and numbers (order, content and boundaries count). */
export class ContentHash {
  #text = "";
  #shape = 0x2545f491;
  #plain = false;

  /** Adds one string. */
  add(text: string): void {
    this.#text += text;
    this.#shape = mixShape(this.#shape, text.length);
  }

  /** Adds one non-negative integer (a row position), without making a string of it. */
  addNumber(n: number): void {
    this.#shape = mixShape(mixShape(this.#shape ^ 0x5bd1e995, n >>> 0), Math.floor(n / 0x100000000));
  }

  /**
   * True when the strings of the last {@linkcode ContentHash.digest} are all ASCII with no quote, backslash
   * or control character: JSON holds them as they are, so a request body can skip its escape check.
   * Found in the hash's own pass over the bytes (no extra pass, no allocation).
   */
  get plain(): boolean {
    return this.#plain;
  }

  /** The checksum so far: {@linkcode CONTENT_HASH_VERSION} and 16 hex digits. */
  digest(): string {
    const text = this.#text;
    if (text.length * 3 + 4 > scratch.length) {
      scratch = new Uint8Array(text.length * 3 + 4);
      words = new Int32Array(scratch.buffer);
    }
    const bytes = scratch, w32 = words;
    const { written } = UTF8.encodeInto(text, bytes);
    bytes[written] = bytes[written + 1] = bytes[written + 2] = 0;
    let a = 0x811c9dc5 | 0;
    let b = 0x3c6ef372 | 0;
    // SWAR: a byte below 0x20, 0x22 (quote) or 0x5c (backslash) sets the high bit of its lane in `special` (exact
    // for ASCII bytes); the last word, padded with zeros, is checked byte by byte below
    let special = 0;
    const whole = written >>> 2;
    for (let w = 0; w < whole; w++) {
      const c = w32[w];
      a = Math.imul(a ^ c, 0x01000193);
      a ^= a >>> 15;
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
      const q = c ^ 0x22222222, s = c ^ 0x5c5c5c5c;
      special |= ((c - 0x20202020) & ~c) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s);
    }
    if (whole * 4 < written) {
      const c = w32[whole];
      a = Math.imul(a ^ c, 0x01000193);
      a ^= a >>> 15;
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
      for (let i = whole * 4; i < written; i++) {
        const byte = bytes[i];
        if (byte < 0x20 || byte === 0x22 || byte === 0x5c) special = -1;
      }
    }
    this.#plain = written === text.length && (special & 0x80808080) === 0;
    const shape = mixShape(this.#shape, written);
    a = fmix(a ^ shape);
    b = fmix(b ^ Math.imul(shape, 0x9e3779b1) ^ a);
    return CONTENT_HASH_VERSION + hex8(a) + hex8(b);
  }
}

function mixShape(h: number, n: number): number {
  h = Math.imul(h ^ n, 0x01000193);
  return h ^ (h >>> 16);
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

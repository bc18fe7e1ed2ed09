/**
 * A fast, non-cryptographic 64-bit content checksum (two 32-bit FNV-1a style lanes over UTF-16
 * code units), for proving that a source still holds the rows a run read: it guards against files
 * that changed by accident (a re-export in another order, an edit), not against an adversary.
 *
 * @example
 * ```ts
 * const h = new ContentHash();
 * h.add("12");
 * h.add("Jane");
 * h.digest(); // 16 hex digits
 * ```
 *
 * @module
 */

/** Incremental checksum of a sequence of strings (each string is delimited, so `ab|c` ≠ `a|bc`). */
export class ContentHash {
  #a = 0x811c9dc5 | 0;
  #b = 0x3c6ef372 | 0;

  /** Adds one string. */
  add(text: string): void {
    let a = this.#a;
    let b = this.#b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    this.#a = Math.imul(a ^ 0xffff, 0x01000193);
    this.#b = Math.imul(b ^ 0xffff, 0x5bd1e995);
  }

  /** The checksum so far, 16 hex digits. */
  digest(): string {
    return (this.#a >>> 0).toString(16).padStart(8, "0") + (this.#b >>> 0).toString(16).padStart(8, "0");
  }
}

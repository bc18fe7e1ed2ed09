/**
 * Deterministic `--append-suffix`: value and token each get `_<seed>_<16 chars>` derived from the
 * run's seed, the vault and the record's position. A resumed run (same seed) sends exactly the same
 * value and token, so safe replay can recognise its own earlier writes; a new run gets new suffixes.
 *
 * @module
 */

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

function mix(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function chars(n: number, out: string[]): void {
  for (let i = 0; i < 8; i++) {
    out.push(ALPHABET[n % 36]);
    n = Math.floor(n / 36);
  }
}

/**
 * The suffix for one record field, e.g. `_173220000048291734_k3j9x0a2mm41zq7c`.
 *
 * @param seed run seed (unix seconds at the run's start and 8 random digits; stored with the run)
 * @param vault vault name
 * @param position the record's source position
 * @param field `"value"` or `"token"` (each gets its own suffix, as in the Go loader)
 */
export function suffixFor(seed: string, vault: string, position: number, field: "value" | "token"): string {
  const key = `${seed}|${vault}|${position}|${field}`;
  const out: string[] = [];
  chars(mix(key, 0x9747b28c), out);
  chars(mix(key, 0x1b873593), out);
  return `_${seed}_${out.join("")}`;
}

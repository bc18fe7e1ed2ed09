import assert from "node:assert/strict";
import { CONTENT_HASH_VERSION, ContentHash } from "../../src/common/content_hash.ts";

function digestOf(...items: (string | number)[]): string {
  const h = new ContentHash();
  for (const item of items) typeof item === "number" ? h.addNumber(item) : h.add(item);
  return h.digest();
}

Deno.test("the same strings and numbers always give the same versioned 16-hex-digit digest", () => {
  const d = digestOf(7, "PATRICIA GARCIA 00000001", "16a9022d-e76d-1829-72ae-bb4389426c1b");
  assert.equal(d, digestOf(7, "PATRICIA GARCIA 00000001", "16a9022d-e76d-1829-72ae-bb4389426c1b"));
  assert.match(d, new RegExp(`^${CONTENT_HASH_VERSION}[0-9a-f]{16}$`));
});

Deno.test("a change of any single character of a long value changes the digest", () => {
  const value = "JOHN SMITH 0000001234 ".repeat(7) + "é中😀";
  const base = digestOf(0, value, "tok");
  const seen = new Set([base]);
  for (let i = 0; i < value.length; i++) {
    const changed = value.slice(0, i) + String.fromCharCode(value.charCodeAt(i) ^ 1) + value.slice(i + 1);
    const d = digestOf(0, changed, "tok");
    assert.notEqual(d, base, `character ${i}`);
    seen.add(d);
  }
  assert.equal(seen.size, value.length + 1, "no two single-character edits collide");
});

Deno.test("where one string ends and the next begins counts, as do order, numbers and empty strings", () => {
  const digests = [
    digestOf("ab", "c"),
    digestOf("a", "bc"),
    digestOf("abc"),
    digestOf("abc", ""),
    digestOf("c", "ab"),
    digestOf(1, "ab", "c"),
    digestOf(2, "ab", "c"),
    digestOf(2 ** 32 + 1, "ab", "c"),
    digestOf(),
  ];
  assert.equal(new Set(digests).size, digests.length, digests.join(" "));
});

Deno.test("swapping two rows' tokens changes the digest", () => {
  const rows = Array.from({ length: 300 }, (_, i) => [i, `NAME ${i}`, crypto.randomUUID()] as const);
  const original = digestOf(...rows.flat());
  const swapped = rows.map((r) => [...r] as [number, string, string]);
  [swapped[10][2], swapped[250][2]] = [swapped[250][2], swapped[10][2]];
  assert.notEqual(digestOf(...swapped.flat()), original);
});

Deno.test("plain is true exactly when every string is ASCII with no quote, backslash or control character", () => {
  const reference = (texts: string[]) => texts.every((t) => /^[\x20-\x7f]*$/.test(t) && !/["\\]/.test(t));
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const special = [0x00, 0x09, 0x0a, 0x1f, 0x22, 0x5c, 0x7f, 0xe9, 0xd83d, 0xdc00, 0x2028];
  for (let round = 0; round < 2000; round++) {
    const texts = Array.from({ length: Math.floor(next() * 4) }, () =>
      String.fromCharCode(
        ...Array.from(
          { length: Math.floor(next() * 9) },
          () => next() < 0.97 ? 0x20 + Math.floor(next() * 95) : special[Math.floor(next() * special.length)],
        ),
      ));
    const h = new ContentHash();
    h.addNumber(round);
    for (const t of texts) h.add(t);
    const digest = h.digest();
    assert.equal(h.plain, reference(texts), JSON.stringify(texts));
    assert.equal(digest, digestOf(round, ...texts), "plain does not change the digest");
  }
});

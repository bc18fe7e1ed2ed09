import assert from "node:assert/strict";
import { JsonBytes, utf8 } from "../../src/vault/json_bytes.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("JsonBytes.string() writes exactly JSON.stringify's text as UTF-8, escapes and all", () => {
  const samples = [
    "",
    "MARY SMITH 00000001",
    'O"Brien \\ back',
    "tab\tnew\nline\r\u0000\u001f\u007f",
    "Zoë 東京 😀",
    "</script>\u2028\u2029",
    "lone \ud800 high and \udc00 low",
    "~ plain ASCII up to the tilde ~",
  ];
  for (const s of samples) {
    const bytes = new JsonBytes(16).string(s).bytes();
    assert.deepEqual(bytes, utf8(JSON.stringify(s)), JSON.stringify(s));
  }
});

Deno.test("JsonBytes matches JSON.stringify on 2,000 random strings of any UTF-16 units", () => {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = new JsonBytes(8);
  const expected: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(next() * 40);
    const units = Array.from({ length }, () => {
      const r = next();
      // mostly printable ASCII, some controls, quotes, backslashes, BMP text and surrogates
      return r < 0.7
        ? 0x20 + Math.floor(next() * 95)
        : r < 0.8
        ? Math.floor(next() * 0x20)
        : r < 0.85
        ? 0x5c
        : r < 0.9
        ? 0x22
        : Math.floor(next() * 0x10000);
    });
    const s = String.fromCharCode(...units);
    if (i > 0) out.raw(utf8(","));
    out.string(s);
    expected.push(JSON.stringify(s));
  }
  assert.equal(decode(out.bytes()), `${expected.join(",")}`);
  assert.deepEqual(out.bytes(), utf8(expected.join(",")));
});

Deno.test("JsonBytes grows its buffer and keeps what was written", () => {
  const out = new JsonBytes(16);
  for (let i = 0; i < 100; i++) out.raw(utf8("[")).string(`value ${i}`).raw(utf8("]"));
  assert.equal(out.length, out.bytes().length);
  assert.equal(decode(out.bytes()), Array.from({ length: 100 }, (_, i) => `["value ${i}"]`).join(""));
});

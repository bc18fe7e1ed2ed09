import assert from "node:assert/strict";
import { countNewlines, estimateDataRows } from "../../../src/sources/csv/row_count.ts";
import { mulberry32 } from "../../../src/vault/simulator/mod.ts";

Deno.test("countNewlines counts exactly the newline bytes of any buffer, aligned or not", () => {
  const random = mulberry32(7);
  // bytes around 0x0a in every bit pattern that could fool a word-at-a-time count
  const alphabet = [0x0a, 0x00, 0x0b, 0x09, 0x8a, 0x0a ^ 0x80, 0xff, 0x01, 0x7f, 0x0a];
  for (let trial = 0; trial < 500; trial++) {
    const bytes = new Uint8Array(Math.floor(random() * 70));
    for (let i = 0; i < bytes.length; i++) bytes[i] = alphabet[Math.floor(random() * alphabet.length)];
    const offset = Math.min(bytes.length, Math.floor(random() * 4));
    const view = bytes.subarray(offset);
    assert.equal(countNewlines(view), view.filter((b) => b === 10).length);
  }
});

Deno.test("estimateDataRows counts lines minus the header, with or without a final newline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, "h\n1\n2\n3\n");
    await Deno.writeTextFile(`${dir}/b.csv`, "h\n1\n2\n3");
    assert.equal(await estimateDataRows(`${dir}/a.csv`), 3);
    assert.equal(await estimateDataRows(`${dir}/b.csv`), 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("estimateDataRows keeps the count of a settled file and counts it again once it changed", async () => {
  const dir = await Deno.makeTempDir();
  const old = new Date(Date.now() - 60_000);
  try {
    const file = `${dir}/a.csv`;
    await Deno.writeTextFile(file, "h\n1\n2\n3\n4\n");
    await Deno.utime(file, old, old);
    assert.equal(await estimateDataRows(file), 4);
    assert.equal(await estimateDataRows(file), 4, "counted again: same answer");
    await Deno.writeTextFile(file, "h\n12\n34\n5\n");
    assert.equal(await estimateDataRows(file), 3, "same size, other line breaks, modified now");
    for (let i = 0; i < 20; i++) {
      await Deno.writeTextFile(file, i % 2 ? "h\n1\n2\n3\n4\n" : "h\n12\n34\n5\n");
      assert.equal(await estimateDataRows(file), i % 2 ? 4 : 3, "rewritten within the same millisecond");
    }
    await Deno.remove(file);
    await Deno.writeTextFile(file, "h\n1\n2\n3\n4\n5\n");
    await Deno.utime(file, old, old);
    assert.equal(await estimateDataRows(file), 5, "another file at the same path");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

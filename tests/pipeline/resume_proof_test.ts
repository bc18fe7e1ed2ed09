import assert from "node:assert/strict";
import { join } from "node:path";
import { batchesOf } from "../../src/pipeline/batcher.ts";
import { firstChangedBatch, type SentBatch } from "../../src/pipeline/resume_proof.ts";
import { singleCsvSource } from "../../src/sources/csv/single.ts";

async function sentBatches(file: string): Promise<SentBatch[]> {
  const out: SentBatch[] = [];
  for await (const b of batchesOf({ vault: "V", source: singleCsvSource({ file }), batchSize: 2 })) {
    out.push({ seq: b.seq, cursor: b.cursor, checksum: b.checksum!, endPosition: b.endPosition });
  }
  return out;
}

Deno.test("a resume proof finds the batch whose rows changed, and passes an unchanged file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "v.csv");
    await Deno.writeTextFile(file, "value,token\na,t1\nb,t2\nc,t3\n,t4\ne,t5\n");
    const sent = await sentBatches(file);
    assert.equal(sent.length, 2, "the row with an empty value is skipped, not batched");
    const check = () =>
      firstChangedBatch({ vault: "V", source: singleCsvSource({ file }), batchSize: 2, samples: sent });
    assert.equal(await check(), undefined);
    await Deno.writeTextFile(file, "value,token\na,t1\nb,t2\nc,t4\n,t3\ne,t5\n");
    assert.equal((await check())?.seq, 1, "two swapped tokens");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checksum stored by an older byot (another algorithm) is left out of the proof, not failed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "v.csv");
    await Deno.writeTextFile(file, "value,token\na,t1\nb,t2\nc,t3\n");
    const [first, second] = await sentBatches(file);
    const legacy = { ...first, checksum: "0123456789abcdef" };
    const samples = [legacy, second];
    const source = singleCsvSource({ file });
    assert.equal(await firstChangedBatch({ vault: "V", source, batchSize: 2, samples }), undefined);
    const wrong = { ...second, checksum: second.checksum.replace(/.$/, (c) => (c === "0" ? "1" : "0")) };
    assert.equal(
      (await firstChangedBatch({ vault: "V", source, batchSize: 2, samples: [legacy, wrong] }))?.seq,
      1,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

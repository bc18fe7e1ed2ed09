import assert from "node:assert/strict";
import type { SourceItem, VaultSource } from "../../src/common/types.ts";
import { batchesOf } from "../../src/pipeline/batcher.ts";

function source(pairs: [string, string][]): VaultSource {
  const items: SourceItem[] = pairs.map(([value, token], position) => ({
    position,
    value,
    token,
    cursor: { position },
  }));
  return {
    label: "test",
    async *read() {
      yield items;
    },
  };
}

Deno.test("batchesOf() marks a batch jsonSafe only when no value or token needs JSON escaping", async () => {
  const pairs: [string, string][] = [
    ["ANN", "t1"],
    ["BOB", "t2"],
    ['SAY "HI"', "t3"],
    ["C:\\X", "t4"],
    [
      "ZOË",
      "t5",
    ],
    ["LINE\nBREAK", "t6"],
    ["DEL\x7f", "t7"],
    ["EVE", "t8"],
  ];
  const flags: (boolean | undefined)[] = [];
  for await (const b of batchesOf({ vault: "V", source: source(pairs), batchSize: 1 })) {
    flags.push(b.jsonSafe);
  }
  assert.deepEqual(flags, [true, true, false, false, false, false, true, true]);
  const suffixed = [];
  for await (const b of batchesOf({ vault: "V", source: source(pairs), batchSize: 1, suffixSeed: "1" })) {
    suffixed.push(b.jsonSafe);
  }
  assert.ok(suffixed.every((f) => f === undefined), "suffixed records keep the escape check");
});

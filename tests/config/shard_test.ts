import assert from "node:assert/strict";
import { ConfigError } from "../../src/common/errors.ts";
import type { Batch } from "../../src/common/types.ts";
import { batchesOf } from "../../src/pipeline/batcher.ts";
import {
  countInShard,
  formatShard,
  inShard,
  parseShard,
  resolveShard,
  type Shard,
} from "../../src/config/shard.ts";
import { shardSource } from "../../src/sources/shard.ts";
import { snowflakeShardPredicate } from "../../src/sources/snowflake/shard_predicate.ts";
import { singleCsvSource } from "../../src/sources/csv/single.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("parseShard() reads 0-based i/n and formatShard() writes it back", () => {
  assert.deepEqual(parseShard("3/8", "--shard"), { index: 3, count: 8 });
  assert.deepEqual(parseShard(" 0 / 2 ", "--shard"), { index: 0, count: 2 });
  assert.equal(formatShard(parseShard("7/8", "--shard")), "7/8");
});

Deno.test("parseShard() rejects malformed and out-of-range shards with one line naming the flag", () => {
  assert.throws(() => parseShard("8/8", "--shard"), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /--shard "8\/8": the shard index must be from 0 to 7 .*the last of 8 is 7\/8/);
    return true;
  });
  assert.throws(() => parseShard("0/0", "BYOT_SHARD"), /BYOT_SHARD "0\/0": the shard count must be from 1/);
  assert.throws(() => parseShard("2", "--shard"), /--shard must be i\/n, e\.g\. 0\/8, or auto \(got "2"\)/);
  assert.throws(() => parseShard("-1/4", "--shard"), /must be i\/n/);
  assert.throws(() => parseShard("1.5/4", "--shard"), /must be i\/n/);
});

Deno.test("resolveShard() prefers --shard, then BYOT_SHARD, then BYOT_SHARD_COUNT with the platform index", () => {
  const all = { BYOT_SHARD: "2/4", BYOT_SHARD_COUNT: "6", JOB_COMPLETION_INDEX: "5" };
  assert.deepEqual(resolveShard({ flag: "1/3", env: env(all) }), { index: 1, count: 3 });
  assert.deepEqual(resolveShard({ env: env(all) }), { index: 2, count: 4 });
  assert.deepEqual(resolveShard({ env: env({ ...all, BYOT_SHARD: "" }) }), { index: 5, count: 6 });
  assert.equal(resolveShard({ env: env({}) }), undefined);
});

Deno.test("resolveShard() auto takes JOB_COMPLETION_INDEX before AWS_BATCH_JOB_ARRAY_INDEX", () => {
  const both = { JOB_COMPLETION_INDEX: "1", AWS_BATCH_JOB_ARRAY_INDEX: "2", BYOT_SHARD_COUNT: "4" };
  assert.deepEqual(resolveShard({ flag: "auto", env: env(both) }), { index: 1, count: 4 });
  const aws = { AWS_BATCH_JOB_ARRAY_INDEX: "3", BYOT_SHARD_COUNT: "4" };
  assert.deepEqual(resolveShard({ flag: "AUTO", env: env(aws) }), { index: 3, count: 4 });
  assert.deepEqual(resolveShard({ env: env({ ...aws, BYOT_SHARD: "auto" }) }), { index: 3, count: 4 });
});

Deno.test("resolveShard() auto says which variable is missing or out of range", () => {
  assert.throws(
    () => resolveShard({ flag: "auto", env: env({ BYOT_SHARD_COUNT: "4" }) }),
    /--shard auto needs the shard index in JOB_COMPLETION_INDEX .* or AWS_BATCH_JOB_ARRAY_INDEX/,
  );
  assert.throws(
    () => resolveShard({ flag: "auto", env: env({ JOB_COMPLETION_INDEX: "0" }) }),
    /--shard auto needs BYOT_SHARD_COUNT, the number of shards/,
  );
  assert.throws(
    () => resolveShard({ env: env({ BYOT_SHARD_COUNT: "4" }) }),
    /BYOT_SHARD_COUNT needs the shard index/,
  );
  assert.throws(
    () => resolveShard({ env: env({ AWS_BATCH_JOB_ARRAY_INDEX: "4", BYOT_SHARD_COUNT: "4" }) }),
    /AWS_BATCH_JOB_ARRAY_INDEX=4 with BYOT_SHARD_COUNT=4: the shard index must be from 0 to 3/,
  );
  assert.throws(
    () => resolveShard({ env: env({ JOB_COMPLETION_INDEX: "x", BYOT_SHARD_COUNT: "4" }) }),
    /JOB_COMPLETION_INDEX must be an integer \(got "x"\)/,
  );
});

Deno.test("resolveShard() treats one shard of one as no shard, so it matches unsharded runs", () => {
  assert.equal(resolveShard({ flag: "0/1", env: env({}) }), undefined);
  assert.equal(resolveShard({ env: env({ JOB_COMPLETION_INDEX: "0", BYOT_SHARD_COUNT: "1" }) }), undefined);
});

Deno.test("inShard() puts every position in exactly one shard for any shard count", () => {
  for (let count = 1; count <= 9; count++) {
    for (let position = 0; position < 200; position++) {
      const owners = Array.from({ length: count }, (_, index) => index).filter((index) =>
        inShard(position, { index, count })
      );
      assert.deepEqual(owners, [position % count]);
    }
  }
});

Deno.test("countInShard() counts the positions of a range that belong to a shard", () => {
  for (const [from, to] of [[0, 0], [0, 1603], [5, 185], [7, 8], [100, 40]]) {
    for (let index = 0; index < 8; index++) {
      const shard = { index, count: 8 };
      let expected = 0;
      for (let p = from; p < to; p++) if (inShard(p, shard)) expected++;
      assert.equal(countInShard(from, to, shard), expected, `[${from}, ${to}) shard ${index}/8`);
    }
  }
});

Deno.test("snowflakeShardPredicate() hashes value and token into n disjoint buckets", () => {
  assert.equal(
    snowflakeShardPredicate('"SSN"', '"SSN_TOKEN"', { index: 3, count: 8 }),
    'MOD(ABS(HASH("SSN", "SSN_TOKEN")), 8) = 3',
  );
  assert.throws(() => snowflakeShardPredicate("v", "t", { index: 8, count: 8 }), ConfigError);
});

/** A CSV of `rows` pairs where every 10th value is empty (a skipped row). */
async function csvFixture(rows: number): Promise<{ file: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "byot-shard-" });
  const lines = ["value,token"];
  for (let i = 0; i < rows; i++) lines.push(`${i % 10 === 3 ? "" : `v${i}`},t${i}`);
  const file = `${dir}/pairs.csv`;
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  return { file, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

async function collect(
  file: string,
  shard: Shard | undefined,
  extra: Partial<Parameters<typeof batchesOf>[0]>,
) {
  const base = singleCsvSource({ file });
  const source = shard ? shardSource(base, shard) : base;
  const batches: Batch[] = [];
  try {
    for await (
      const b of batchesOf({
        vault: "V",
        source,
        batchSize: 7,
        startRecord: 5,
        maxRecords: 180,
        suffixSeed: "seed",
        ...extra,
      })
    ) batches.push(b);
  } finally {
    await source.close?.();
  }
  return batches;
}

Deno.test("shardSource() shards are disjoint and together give the unsharded records, suffixes and skips", async () => {
  await using csv = await csvFixture(211);
  const whole = await collect(csv.file, undefined, {});
  const wholeRecords = whole.flatMap((b) => b.records);
  const wholeSkipped = whole.reduce((n, b) => n + (b.skipped.empty_value ?? 0), 0);
  assert.equal(wholeRecords.length + wholeSkipped, 180);
  const seen = new Map<number, string>();
  let skipped = 0;
  for (let index = 0; index < 4; index++) {
    const batches = await collect(csv.file, { index, count: 4 }, {});
    for (const b of batches) {
      assert.equal(b.cursor.position % 4, index, "a batch starts at a row of its shard");
      skipped += b.skipped.empty_value ?? 0;
      for (const r of b.records) {
        assert.equal(r.position % 4, index);
        assert.ok(!seen.has(r.position), `position ${r.position} in two shards`);
        seen.set(r.position, `${r.value}|${r.token}`);
      }
    }
  }
  assert.equal(skipped, wholeSkipped, "each skipped row is counted by its own shard only");
  assert.deepEqual(
    new Map([...seen].sort(([a], [b]) => a - b)),
    new Map(wholeRecords.map((r) => [r.position, `${r.value}|${r.token}`])),
  );
});

Deno.test("shardSource() resumes from a shard batch's cursor with the same remaining batches", async () => {
  await using csv = await csvFixture(211);
  const shard = { index: 2, count: 3 };
  const batches = await collect(csv.file, shard, {});
  assert.ok(batches.length > 4);
  const at = batches[3];
  const resumed = await collect(csv.file, shard, { from: at.cursor, startSeq: at.seq });
  assert.deepEqual(resumed, batches.slice(3));
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../src/common/errors.ts";
import { FakeClock } from "../_fixtures/clock.ts";
import { pairedCsvSource } from "../../src/sources/csv/paired.ts";
import {
  GENERATED_COLUMNS,
  generatedPair,
  generateFiles,
  generatePairs,
  REJECT_MARKER,
} from "../../src/sources/generator.ts";

const TOKEN_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-4][0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "byot_gen_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("generatePairs() gives unique values per column and UUID-shaped tokens unique across columns", () => {
  const tokens = new Set<string>();
  for (const column of GENERATED_COLUMNS) {
    const pairs = [...generatePairs(column, 5000, 3)];
    assert.equal(new Set(pairs.map((p) => p.value)).size, 5000, column);
    for (const p of pairs) {
      assert.match(p.token, TOKEN_SHAPE);
      tokens.add(p.token);
    }
  }
  assert.equal(tokens.size, 4 * 5000);
});

Deno.test("generatePairs() is deterministic for a seed and differs between seeds", () => {
  const a = [...generatePairs("ssn", 100, 42)];
  assert.deepEqual([...generatePairs("ssn", 100, "42")], a);
  assert.deepEqual(generatedPair("ssn", 57, { seed: 42 }), a[57]);
  const b = [...generatePairs("ssn", 100, 43)];
  assert.ok(a.every((p, i) => p.token !== b[i].token));
  assert.match(a[0].value, /^\d{3}-\d{2}-\d{4}-1$/);
  assert.match(generatedPair("dob", 9).value, /^\d{4}-\d{2}-\d{2}-10$/);
  assert.equal(generatedPair("id", 0).value, "1000000001");
});

Deno.test("generatePairs() includes names with commas and quotes, and marks every Nth value for rejection", () => {
  const names = [...generatePairs("name", 2000, 1, { rejectEvery: 8 })];
  assert.match(names[999].value, /^[A-Z]+, [A-Z]+ 00001000__REJECT__$/);
  assert.match(names[499].value, /^[A-Z]+ "[A-Z]+" [A-Z]+ 00000500$/);
  const rejected = names.flatMap((p, i) => (p.value.endsWith(REJECT_MARKER) ? [i + 1] : []));
  assert.equal(rejected.length, 2000 / 8);
  assert.ok(rejected.every((n) => n % 8 === 0));
  assert.throws(() => generatedPair("email", 0), ConfigError);
});

Deno.test("generateFiles() writes files that read back through pairedCsvSource() as the same pairs", async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock(1000);
    const summary = await generateFiles({ count: 2500, outDir: join(dir, "out"), seed: 9, clock });
    assert.deepEqual(summary.vaults, [...GENERATED_COLUMNS]);
    assert.equal(summary.files.length, 8);
    assert.equal(summary.elapsedMs, 0);
    let bytes = 0;
    for (const file of summary.files) bytes += (await Deno.stat(file)).size;
    assert.equal(summary.bytes, bytes);
    for (const column of GENERATED_COLUMNS) {
      const got: { value: string; token: string }[] = [];
      for await (const items of pairedCsvSource({ dataDir: join(dir, "out"), column }).read()) {
        for (const item of items) {
          assert.equal(item.skip, undefined);
          got.push({ value: item.value, token: item.token });
        }
      }
      assert.deepEqual(got, [...generatePairs(column, 2500, 9)], column);
    }
  });
});

Deno.test("generateFiles() writes identical bytes for the same seed and only the chosen vaults", async () => {
  await withTempDir(async (dir) => {
    await generateFiles({ count: 300, outDir: join(dir, "a"), vaults: ["dob", "name"] });
    await generateFiles({ count: 300, outDir: join(dir, "b"), vaults: ["name", "dob"] });
    const listed = (await Array.fromAsync(Deno.readDir(join(dir, "a")))).map((e) => e.name).sort();
    assert.deepEqual(listed, ["dob_data.csv", "dob_tokens.csv", "name_data.csv", "name_tokens.csv"]);
    for (const name of listed) {
      assert.deepEqual(await Deno.readFile(join(dir, "a", name)), await Deno.readFile(join(dir, "b", name)));
    }
    const head = (await Deno.readTextFile(join(dir, "a", "dob_tokens.csv"))).split("\n")[0];
    assert.equal(head, "dob_token");
  });
});

Deno.test("generateFiles() rejects a bad count or vault before writing anything", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "out");
    await assert.rejects(() => generateFiles({ count: -1, outDir: out }), ConfigError);
    await assert.rejects(() => generateFiles({ count: 1.5, outDir: out }), ConfigError);
    await assert.rejects(
      () => generateFiles({ count: 1, outDir: out, vaults: ["name", "x"] }),
      /unknown vault "x"/,
    );
    await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
  });
});

Deno.test("generateFiles() with a count of 0 writes header-only files that read as an empty source", async () => {
  await withTempDir(async (dir) => {
    const summary = await generateFiles({ count: 0, outDir: dir, vaults: ["name"] });
    assert.equal(summary.bytes, "full_name\nfull_name_token\n".length);
    const source = pairedCsvSource({ dataDir: dir, column: "name" });
    await source.open();
    for await (const _ of source.read()) assert.fail("expected no items");
  });
});

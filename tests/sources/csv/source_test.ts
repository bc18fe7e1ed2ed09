import assert from "node:assert/strict";
import { join } from "node:path";
import { SourceError } from "../../../src/common/errors.ts";
import type { SourceItem, VaultSource } from "../../../src/common/types.ts";
import { pairedCsvSource } from "../../../src/sources/csv/paired.ts";
import { singleCsvSource } from "../../../src/sources/csv/single.ts";
import { fingerprintFile } from "../../../src/sources/csv/source.ts";

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "byot_src_" });
  try {
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readItems(source: VaultSource, from?: SourceItem["cursor"]): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const chunk of source.read({ from })) items.push(...chunk);
  return items;
}

async function rejectsWith(fn: () => Promise<unknown>, pattern: RegExp | string): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof SourceError, `expected SourceError, got ${error}`);
    if (typeof pattern === "string") assert.equal(error.message, pattern);
    else assert.match(error.message, pattern);
    return true;
  });
}

const lines = (header: string, rows: string[]) => [header, ...rows].join("\n") + "\n";

Deno.test("pairedCsvSource() pairs the data and tokens files row by row with byte-offset cursors", async () => {
  const files = {
    "name_data.csv": lines("id,full_name", ["1,ANN LEE", '2,"LEE, BOB"', '3,"SAY ""HI"""']),
    "name_tokens.csv": "\ufeff" + lines("full_name_token", ["t-1", "t-2", "t-3"]),
  };
  await withDir(files, async (dir) => {
    const source = pairedCsvSource({ dataDir: dir, column: "name" });
    await source.open();
    assert.equal(source.label, `${dir}/name_data.csv + ${dir}/name_tokens.csv`);
    assert.deepEqual(source.files, [`${dir}/name_data.csv`, `${dir}/name_tokens.csv`]);
    const items = await readItems(source);
    assert.deepEqual(items, [
      { position: 0, value: "ANN LEE", token: "t-1", cursor: { position: 0, offsets: [13, 19] } },
      { position: 1, value: "LEE, BOB", token: "t-2", cursor: { position: 1, offsets: [23, 23] } },
      { position: 2, value: 'SAY "HI"', token: "t-3", cursor: { position: 2, offsets: [36, 27] } },
    ]);
    await source.close();
    await source.close();
  });
});

Deno.test("pairedCsvSource() marks empty values and tokens as skipped without trimming", async () => {
  const files = {
    "ssn_data.csv": lines("ssn,other", ["111,x", ",x", "333,x", " ,x", "555"]),
    "ssn_tokens.csv": lines("other,ssn_token", ["a,t1", "b,t2", "c,", "d, ", "e"]),
  };
  await withDir(files, async (dir) => {
    const items = await readItems(pairedCsvSource({ dataDir: dir, column: "ssn" }));
    assert.deepEqual(items.map((i) => [i.value, i.token, i.skip]), [
      ["111", "t1", undefined],
      ["", "t2", "empty_value"],
      ["333", "", "empty_token"],
      [" ", " ", undefined],
      ["555", "", "empty_token"],
    ]);
  });
});

Deno.test("pairedCsvSource().open() fails fast when a header lacks the column", async () => {
  const files = { "name_data.csv": lines("full_name", ["A"]), "name_tokens.csv": lines("a,b", ["x,y"]) };
  await withDir(files, async (dir) => {
    const source = pairedCsvSource({ dataDir: dir, column: "name" });
    const message = `${dir}/name_tokens.csv: header has no column "full_name_token" (found: a, b)`;
    await rejectsWith(() => source.open(), message);
    await rejectsWith(() => readItems(source), message);
  });
});

Deno.test("pairedCsvSource().open() names a missing directory, a missing file and an empty file", async () => {
  await rejectsWith(
    () => pairedCsvSource({ dataDir: "/nonexistent/byot", column: "id" }).open(),
    "data directory not found: /nonexistent/byot",
  );
  await withDir(
    { "id_data.csv": lines("id", ["1"]), "dob_data.csv": "", "dob_tokens.csv": "" },
    async (dir) => {
      await rejectsWith(
        () => pairedCsvSource({ dataDir: dir, column: "id" }).open(),
        `file not found: ${dir}/id_tokens.csv`,
      );
      await rejectsWith(
        () => pairedCsvSource({ dataDir: dir, column: "dob" }).open(),
        `${dir}/dob_data.csv: file is empty (no header row)`,
      );
    },
  );
});

Deno.test("pairedCsvSource() yields the paired rows, then names both files and counts when lengths differ", async () => {
  const rows = Array.from({ length: 10 }, (_, i) => `v${i}`);
  const tokens = Array.from({ length: 8 }, (_, i) => `t${i}`);
  for (const [dataRows, tokenRows] of [[rows, tokens], [rows.slice(0, 8), [...tokens, "t8", "t9"]]]) {
    const files = { "id_data.csv": lines("id", dataRows), "id_tokens.csv": lines("id_token", tokenRows) };
    await withDir(files, async (dir) => {
      const seen: SourceItem[] = [];
      const source = pairedCsvSource({ dataDir: dir, column: "id", chunkRows: 3 });
      await rejectsWith(
        async () => {
          for await (const chunk of source.read()) seen.push(...chunk);
        },
        `${dir}/id_data.csv has ${dataRows.length} rows but ${dir}/id_tokens.csv has ${tokenRows.length}; ` +
          `the files must pair row by row`,
      );
      assert.deepEqual(seen.map((i) => i.position), [0, 1, 2, 3, 4, 5, 6, 7]);
    });
  }
});

Deno.test("pairedCsvSource().read({ from }) resumes with exactly the remaining rows", async () => {
  const values = Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? `"MÜLLER, ${i}\nX"` : `välue ${i}`));
  const tokens = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? "" : `tök-${i}`));
  const files = {
    "dob_data.csv": lines("dob", values).replaceAll('\n"', '\r\n"'),
    "dob_tokens.csv": "\ufeff" + lines("x,dob_token", tokens.map((t) => `x,${t}`)) + "\n\n",
  };
  await withDir(files, async (dir) => {
    const source = pairedCsvSource({ dataDir: dir, column: "dob", chunkRows: 6 });
    const all = await readItems(source);
    assert.equal(all.length, 40);
    assert.equal(all.filter((i) => i.skip === "empty_token").length, 8);
    for (const item of all) {
      assert.deepEqual(
        await readItems(source, item.cursor),
        all.slice(item.position),
        `from ${item.position}`,
      );
    }
    const end = { position: 40, offsets: [(await Deno.stat(`${dir}/dob_data.csv`)).size, 0] };
    end.offsets[1] = (await Deno.stat(`${dir}/dob_tokens.csv`)).size;
    assert.deepEqual(await readItems(source, end), []);
  });
});

Deno.test("pairedCsvSource().read() rejects a cursor from another kind of source", async () => {
  await withDir(
    { "id_data.csv": lines("id", ["1"]), "id_tokens.csv": lines("id_token", ["t"]) },
    async (dir) => {
      const source = pairedCsvSource({ dataDir: dir, column: "id" });
      await rejectsWith(() => readItems(source, { position: 3 }), /resume cursor does not belong/);
      await rejectsWith(
        () => readItems(source, { position: 3, offsets: [5] }),
        /resume cursor does not belong/,
      );
    },
  );
});

Deno.test("pairedCsvSource().read() stops with the signal's reason when aborted", async () => {
  const many = Array.from({ length: 50 }, (_, i) => String(i));
  await withDir(
    { "id_data.csv": lines("id", many), "id_tokens.csv": lines("id_token", many) },
    async (dir) => {
      const controller = new AbortController();
      let chunks = 0;
      await assert.rejects(async () => {
        for await (
          const _ of pairedCsvSource({ dataDir: dir, column: "id", chunkRows: 10 }).read({
            signal: controller.signal,
          })
        ) {
          chunks++;
          controller.abort(new Error("stop"));
        }
      }, /stop/);
      assert.equal(chunks, 1);
    },
  );
});

Deno.test("singleCsvSource() reads custom value and token columns from one file and resumes", async () => {
  const text = lines("email,junk,email_tok", ["a@x,1,t1", "b@x,2,", '"c,@x",3,t3', ",4,t4"]);
  await withDir({ "pairs.csv": text }, async (dir) => {
    const file = join(dir, "pairs.csv");
    const source = singleCsvSource({ file, valueColumn: "email", tokenColumn: "email_tok", chunkRows: 2 });
    await source.open();
    assert.equal(source.label, file);
    const items = await readItems(source);
    assert.deepEqual(items.map((i) => [i.position, i.value, i.token, i.skip ?? "", i.cursor.offsets]), [
      [0, "a@x", "t1", "", [21]],
      [1, "b@x", "", "empty_token", [30]],
      [2, "c,@x", "t3", "", [37]],
      [3, "", "t4", "empty_value", [49]],
    ]);
    assert.deepEqual(await readItems(source, items[2].cursor), items.slice(2));
    await rejectsWith(
      () => singleCsvSource({ file }).open(),
      `${file}: header has no column "value" (found: email, junk, email_tok)`,
    );
    await rejectsWith(
      () => singleCsvSource({ file: join(dir, "nope.csv") }).open(),
      /file not found: .*nope\.csv/,
    );
  });
});

Deno.test("fingerprintFile() changes when the head of the file changes", async () => {
  await withDir({ "a.csv": "value,token\n1,2\n", "b.csv": "value,token\n1,2\n" }, async (dir) => {
    const a = await fingerprintFile(join(dir, "a.csv"));
    const b = await fingerprintFile(join(dir, "b.csv"));
    assert.equal(a.size, 16);
    assert.equal(a.headSha256, b.headSha256);
    assert.match(a.headSha256, /^[0-9a-f]{64}$/);
    assert.ok(a.mtimeMs > 0);
    await Deno.writeTextFile(join(dir, "b.csv"), "value,token\n1,3\n");
    assert.notEqual((await fingerprintFile(join(dir, "b.csv"))).headSha256, a.headSha256);
    await rejectsWith(() => fingerprintFile(join(dir, "c.csv")), /file not found: .*c\.csv/);
  });
});

Deno.test("singleCsvSource() refuses a row with more fields than the header, naming file and line", async () => {
  const text = lines("value,token", ["a,t1", "SMITH, JOHN,t2", "c,t3"]);
  await withDir({ "pairs.csv": text }, async (dir) => {
    const file = join(dir, "pairs.csv");
    const seen: SourceItem[] = [];
    await rejectsWith(
      async () => {
        for await (const chunk of singleCsvSource({ file }).read()) seen.push(...chunk);
      },
      `${file}: line 3 has 3 fields but the header has 2; a value containing a comma must be quoted ` +
        `("SMITH, JOHN"). Nothing of this row was sent`,
    );
    assert.deepEqual(seen.map((i) => i.value), ["a"]);
  });
});

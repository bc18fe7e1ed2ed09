import assert from "node:assert/strict";
import { join } from "node:path";
import { SourceError } from "../../../src/common/errors.ts";
import { type CsvRow, openCsv, type OpenCsvOptions, readCsvHeader } from "../../../src/sources/csv/parser.ts";

const encoder = new TextEncoder();

async function withFile(content: string | Uint8Array, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "byot_csv_" });
  try {
    const path = join(dir, "t.csv");
    await Deno.writeFile(path, typeof content === "string" ? encoder.encode(content) : content);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readAll(path: string, options: OpenCsvOptions = {}): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const chunk of await openCsv(path, options)) rows.push(...chunk);
  return rows;
}

async function rejectsWith(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof SourceError, `expected SourceError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function encodeField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Random rows, their CSV text, and the expected byte offset and line of every row. */
function randomCsv(seed: number, count: number, bom: boolean) {
  const rnd = prng(seed);
  const atoms = ["a", "Z", "9", " ", "é", "€", "😀", "ß", ",", '"', "\n", "\r\n", "x"];
  const pick = () => atoms[Math.floor(rnd() * atoms.length)];
  let text = bom ? "\ufeff" : "";
  let bytes = bom ? 3 : 0;
  let line = 1;
  const expected: CsvRow[] = [];
  for (let r = 0; r < count; r++) {
    if (rnd() < 0.1) {
      // an empty line is a row of one empty field (rows are lines, as paste and wc -l see them)
      const empty = rnd() < 0.5 ? "\n" : "\r\n";
      expected.push({ fields: [""], offset: bytes, line });
      text += empty;
      bytes += empty.length;
      line++;
    }
    const fields: string[] = [];
    const nFields = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < nFields; f++) {
      let field = "";
      const len = Math.floor(rnd() * 8);
      for (let k = 0; k < len; k++) field += pick();
      fields.push(field);
    }
    let rowText = fields.length === 1 && fields[0] === "" ? '""' : fields.map(encodeField).join(",");
    const last = r === count - 1;
    rowText += last && rnd() < 0.5 ? "" : rnd() < 0.5 ? "\n" : "\r\n";
    expected.push({ fields, offset: bytes, line });
    text += rowText;
    bytes += encoder.encode(rowText).length;
    line += rowText.split("\n").length - 1;
  }
  return { text, expected };
}

Deno.test("openCsv() parses quoted commas, escaped quotes, embedded newlines, empty lines and mixed line ends", async () => {
  const text = 'a,b,c\r\n"x, y","say ""hi""","line1\nline2"\n\nplain,,""\r\n\r\nlast,"q\r\nr",end';
  await withFile(text, async (path) => {
    const rows = await readAll(path);
    assert.deepEqual(rows.map((r) => r.fields), [
      ["a", "b", "c"],
      ["x, y", 'say "hi"', "line1\nline2"],
      [""],
      ["plain", "", ""],
      [""],
      ["last", "q\r\nr", "end"],
    ]);
    assert.deepEqual(rows.map((r) => r.line), [1, 2, 4, 5, 6, 7]);
    assert.deepEqual(rows.map((r) => r.offset), [0, 7, 41, 42, 53, 55]);
  });
});

Deno.test("openCsv() keeps whitespace, a lone CR inside a field and a trailing empty field", async () => {
  await withFile(" a , b\ta\rb,\nx,\n", async (path) => {
    const rows = await readAll(path);
    assert.deepEqual(rows.map((r) => r.fields), [[" a ", " b\ta\rb", ""], ["x", ""]]);
  });
});

Deno.test("openCsv() skips a UTF-8 BOM but counts its bytes in offsets", async () => {
  await withFile("\ufeffvalue,token\nv,t\n", async (path) => {
    const rows = await readAll(path);
    assert.deepEqual(rows[0].fields, ["value", "token"]);
    assert.deepEqual(rows.map((r) => r.offset), [3, 15]);
    assert.deepEqual(await readCsvHeader(path), ["value", "token"]);
  });
});

Deno.test("openCsv() gives exact rows and offsets when multi-byte characters straddle chunk boundaries", async () => {
  for (const seed of [1, 2, 3]) {
    const { text, expected } = randomCsv(seed, 120, seed === 2);
    await withFile(text, async (path) => {
      for (const readSize of [1, 2, 3, 5, 7, 13, 64, 65536]) {
        const rows = await readAll(path, { readSize, chunkRows: 7 });
        assert.deepEqual(rows, expected, `seed ${seed}, readSize ${readSize}`);
      }
    });
  }
});

Deno.test("openCsv() re-reads the same rows when started at any recorded offset", async () => {
  const { text, expected } = randomCsv(7, 60, true);
  await withFile(text, async (path) => {
    for (const [i, row] of expected.entries()) {
      const rest = await readAll(path, { startOffset: row.offset, startLine: row.line, readSize: 5 });
      assert.deepEqual(rest, expected.slice(i), `from row ${i}`);
    }
  });
});

Deno.test("openCsv() yields arrays of at most chunkRows rows", async () => {
  const text = "h\n" + Array.from({ length: 2500 }, (_, i) => `r${i}`).join("\n");
  await withFile(text, async (path) => {
    const sizes: number[] = [];
    for await (const chunk of await openCsv(path, { chunkRows: 1000 })) sizes.push(chunk.length);
    assert.ok(sizes.every((n) => n > 0 && n <= 1000), String(sizes));
    assert.equal(sizes.reduce((a, b) => a + b, 0), 2501);
  });
});

Deno.test("openCsv() reads a quoted field much larger than the read size", async () => {
  const big = "x".repeat(50_000) + "\n" + '""'.repeat(1000);
  const text = `a,"${big}",b\nc,d\n`;
  await withFile(text, async (path) => {
    const rows = await readAll(path, { readSize: 100 });
    assert.equal(rows.length, 2);
    assert.equal(rows[0].fields[1], "x".repeat(50_000) + "\n" + '"'.repeat(1000));
    assert.deepEqual(rows[1], {
      fields: ["c", "d"],
      offset: encoder.encode(`a,"${big}",b\n`).length,
      line: 3,
    });
  });
});

Deno.test("openCsv() names the file and line when a quoted field is never closed", async () => {
  await withFile('h\nok\n\n"open,\nmore\n', async (path) => {
    await rejectsWith(() => readAll(path), /t\.csv: line 4: malformed CSV: quoted field is never closed/);
  });
});

Deno.test("openCsv() names the line of garbage after a closing quote", async () => {
  await withFile('h\n"a\nb"x,1\n', async (path) => {
    await rejectsWith(() => readAll(path), /t\.csv: line 3: .*unexpected character after a closing quote/);
  });
});

Deno.test("openCsv() rejects a quote inside an unquoted field", async () => {
  await withFile('h\nab"c,d\n', async (path) => {
    await rejectsWith(() => readAll(path), /line 2: .*inside an unquoted field/);
  });
});

Deno.test("openCsv() names the row's byte offset in errors when resumed without a line number", async () => {
  await withFile('h\nok\n"open\n', async (path) => {
    await rejectsWith(() => readAll(path, { startOffset: 5 }), /row at byte 5: .*never closed/);
  });
});

Deno.test("openCsv() rejects invalid UTF-8", async () => {
  await withFile(new Uint8Array([0x61, 0x0a, 0xff, 0xfe, 0x0a]), async (path) => {
    await rejectsWith(() => readAll(path), /not valid UTF-8/);
  });
  await withFile(new Uint8Array([0x61, 0x0a, 0xe2, 0x82]), async (path) => {
    await rejectsWith(() => readAll(path, { readSize: 1 }), /not valid UTF-8/);
  });
});

Deno.test("openCsv() fails with the path when the file is missing", async () => {
  await rejectsWith(() => openCsv("/nonexistent/byot/x.csv"), /file not found: \/nonexistent\/byot\/x\.csv/);
});

Deno.test("readCsvHeader() returns undefined for an empty file and stops after the first row", async () => {
  await withFile("", async (path) => {
    assert.equal(await readCsvHeader(path), undefined);
    assert.deepEqual(await readAll(path), []);
  });
  await withFile("a,b\n1,2\n3,4", async (path) => assert.deepEqual(await readCsvHeader(path), ["a", "b"]));
});

Deno.test("openCsv() names the line and exact byte offset of an invalid UTF-8 byte deep in a file", async () => {
  const rows: string[] = ["value,token"];
  let bytes = encoder.encode("value,token\n").length;
  let line = 1;
  while (bytes < 114_000) {
    const row = `välue-${line},tök-${line}\n`;
    rows.push(row.trimEnd());
    bytes += encoder.encode(row).length;
    line++;
  }
  const head = encoder.encode(rows.join("\n") + "\nabc,");
  const bad = new Uint8Array([...head, 0xff, ...encoder.encode("def\nlast,row\n")]);
  const badLine = rows.length + 1;
  await withFile(bad, async (path) => {
    for (const readSize of [65536, 4096, 7]) {
      await rejectsWith(
        () => readAll(path, { readSize }),
        new RegExp(`t\\.csv: line ${badLine}: not valid UTF-8 at byte offset ${head.length} \\(`),
      );
    }
  });
});

Deno.test("openCsv() reads a blank line as a row of one empty field so paired files stay aligned", async () => {
  await withFile("h\na\n\nb\n\r\nc\n", async (path) => {
    const rows = await readAll(path);
    assert.deepEqual(rows.map((r) => r.fields), [["h"], ["a"], [""], ["b"], [""], ["c"]]);
    assert.deepEqual(rows.map((r) => r.line), [1, 2, 3, 4, 5, 6]);
  });
});

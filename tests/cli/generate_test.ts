import assert from "node:assert/strict";
import { join } from "node:path";
import { generateCommand, parseCount, parseVaultList } from "../../src/cli/generate.ts";
import { FakeClock } from "../_fixtures/clock.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { captureIo } from "../_fixtures/io.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "byot_gencmd_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("generate writes the chosen vaults' files and prints one summary line", async () => {
  await withTempDir(async (dir) => {
    const io = captureIo();
    const out = join(dir, "data");
    const command = generateCommand(io, { clock: new FakeClock(0) });
    await command.parseAsync(["1_200", "--out", out, "--seed", "7", "--vault", "SSN,id"], { from: "user" });
    assert.equal(
      io.err,
      `generated 1,200 records for ssn, id in ${out} (seed 7): 4 files, 118.5 KiB in 0.0 s\n`,
    );
    assert.equal(io.out, "");
    const names = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort();
    assert.deepEqual(names, ["id_data.csv", "id_tokens.csv", "ssn_data.csv", "ssn_tokens.csv"]);
    const ids = (await Deno.readTextFile(join(out, "id_data.csv"))).trimEnd().split("\n");
    assert.equal(ids.length, 1201);
    assert.equal(ids[0], "id");
  });
});

Deno.test("generate fails with a one-line ConfigError when the count is not a whole number", async () => {
  await withTempDir(async (dir) => {
    const io = captureIo();
    const out = join(dir, "data");
    for (const bad of ["ten", "-5", "1.5", "2000000000"]) {
      await assert.rejects(
        () => generateCommand(io).parseAsync([bad, "--out", out], { from: "user" }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(
            error.message,
            `invalid count "${bad}": expected a whole number from 0 to 1,000,000,000`,
          );
          return true;
        },
      );
    }
    await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
    assert.equal(io.err, "");
  });
});

Deno.test("parseCount() and parseVaultList() accept separators and case, and reject unknown vaults", () => {
  assert.equal(parseCount("1,000,000"), 1_000_000);
  assert.equal(parseCount("0"), 0);
  assert.deepEqual(parseVaultList(" Name,ssn,name "), ["name", "ssn"]);
  assert.throws(() => parseVaultList("name,email"), /unknown vault "email" for --vault/);
  assert.throws(() => parseVaultList(" , "), ConfigError);
});

import assert from "node:assert/strict";
import { SourceError } from "../../src/common/errors.ts";
import {
  checkResumable,
  firstDifference,
  humanPath,
  isSecretKey,
  stripSecrets,
} from "../../src/ledger/mod.ts";

const FINGERPRINT = {
  kind: "csv",
  files: [
    { path: "data/name_data.csv", size: 1000, mtimeMs: 5, headSha256: "aa" },
    { path: "data/name_tokens.csv", size: 900, mtimeMs: 5, headSha256: "bb" },
  ],
};
const SETTINGS = { batchSize: 300, appendSuffix: false, csv: { valueColumn: "value" }, vaults: ["NAME"] };
const RUN = { id: "r20260102030405abcd", fingerprint: FINGERPRINT, settings: SETTINGS };

function refusal(fingerprint: unknown, settings: unknown): string {
  try {
    checkResumable(RUN, fingerprint, settings);
  } catch (error) {
    assert.ok(error instanceof SourceError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail("expected a refusal");
}

Deno.test("checkResumable() accepts an unchanged source and settings", () => {
  checkResumable(RUN, structuredClone(FINGERPRINT), { ...SETTINGS });
});

Deno.test("checkResumable() ignores key order and secret keys", () => {
  checkResumable(RUN, FINGERPRINT, {
    vaults: ["NAME"],
    csv: { valueColumn: "value" },
    appendSuffix: false,
    batchSize: 300,
    bearerToken: "x",
  });
});

Deno.test("checkResumable() names the changed file and its size", () => {
  const changed = structuredClone(FINGERPRINT);
  changed.files[0].size = 1200;
  assert.equal(
    refusal(changed, SETTINGS),
    "cannot resume run r20260102030405abcd: data/name_data.csv changed since the run began (size 1000 → 1200); " +
      "rerun with --restart to start over",
  );
});

Deno.test("checkResumable() names the second file when only it changed", () => {
  const changed = structuredClone(FINGERPRINT);
  changed.files[1].headSha256 = "cc";
  assert.match(
    refusal(changed, SETTINGS),
    /: data\/name_tokens\.csv changed since the run began \(head sha256 "bb" → "cc"\)/,
  );
});

Deno.test("checkResumable() names a changed batch size", () => {
  assert.equal(
    refusal(FINGERPRINT, { ...SETTINGS, batchSize: 100 }),
    "cannot resume run r20260102030405abcd: batch size changed since the run began (300 → 100); " +
      "rerun with --restart to start over",
  );
});

Deno.test("checkResumable() names nested settings, added keys and changed lists", () => {
  assert.match(
    refusal(FINGERPRINT, { ...SETTINGS, csv: { valueColumn: "v" } }),
    /csv value column changed .*\("value" → "v"\)/,
  );
  assert.match(
    refusal(FINGERPRINT, { ...SETTINGS, shard: "1/2" }),
    /: shard changed .*\(\(absent\) → "1\/2"\)/,
  );
  assert.match(
    refusal(FINGERPRINT, { ...SETTINGS, vaults: ["NAME", "ID"] }),
    /: vaults changed .*\(1 entries → 2 entries\)/,
  );
  assert.match(
    refusal({ kind: "snowflake" }, SETTINGS),
    /: the source changed since the run began \(kind "csv" → "snowflake"\)/,
  );
});

Deno.test("stripSecrets() drops keys naming secrets at any depth and keeps look-alikes", () => {
  assert.deepEqual(
    stripSecrets({
      bearerToken: "x",
      token: "x",
      tokenColumn: "token",
      tokenOrigin: "env",
      passwordFile: "/p",
      a: [{ password: "x", sf_password: "x", "client-secret": "x", privateKey: "x", apiKey: "x", user: "u" }],
      skipped: undefined,
    }),
    { tokenColumn: "token", tokenOrigin: "env", passwordFile: "/p", a: [{ user: "u" }] },
  );
  assert.equal(isSecretKey("Authorization"), true);
  assert.equal(isSecretKey("valueColumn"), false);
});

Deno.test("firstDifference() returns the first differing key path in key order", () => {
  assert.equal(firstDifference({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }), undefined);
  assert.deepEqual(firstDifference({ a: 1, b: [1, { c: 2 }] }, { a: 1, b: [1, { c: 3 }] }), {
    path: ["b", 1, "c"],
    before: 2,
    after: 3,
  });
  assert.deepEqual(firstDifference({ a: 1 }, { a: 1, z: null }), {
    path: ["z"],
    before: undefined,
    after: null,
  });
  assert.equal(humanPath(["vaults", 1, "tableName"]), "vaults[1] table name");
});

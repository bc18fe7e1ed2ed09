import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkLayers, importsOf } from "../../scripts/check_layers.ts";

const REPO = join(dirname(new URL(import.meta.url).pathname), "..", "..");

/** Writes `files` (path → text) into a fresh temp tree and returns its root. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "byot-layers-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

const CLEAN = {
  "main.ts": 'import { main } from "./src/cli/main.ts";\n',
  "src/cli/main.ts": 'import { run } from "../pipeline/load.ts";\nexport const main = run;\n',
  "src/pipeline/load.ts":
    'import type { Spec } from "../common/types.ts";\nimport { send } from "../vault/client.ts";\nexport const run = send;\n',
  "src/vault/client.ts": 'import {\n  type Spec,\n} from "../common/types.ts";\nexport const send = 1;\n',
  "src/ledger/legacy.ts": 'import { read } from "../sources/error_log/mod.ts";\n',
  "src/sources/error_log/mod.ts": "export const read = 1;\n",
  "src/common/types.ts": "export type Spec = string;\n",
};

Deno.test("the repository's own src/ and main.ts import only down the layers, without cycles", async () => {
  assert.deepEqual(await checkLayers(REPO), []);
});

Deno.test("checkLayers() passes a tree whose imports only run down, and ledger → sources/error_log", async () => {
  const root = await tree(CLEAN);
  try {
    assert.deepEqual(await checkLayers(root), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkLayers() names an import that runs up the layers, a type-only one too", async () => {
  const root = await tree({
    ...CLEAN,
    "src/config/resolve.ts": 'import type { Shard } from "../pipeline/shard.ts";\n',
    "src/pipeline/shard.ts": "export type Shard = number;\n",
  });
  try {
    assert.deepEqual(await checkLayers(root), [
      "src/config/resolve.ts imports src/pipeline/shard.ts: pipeline is above config",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkLayers() refuses sideways imports in one layer, and ledger → sources beyond error_log/", async () => {
  const root = await tree({
    ...CLEAN,
    "src/ledger/plan.ts": 'import { plan } from "../sources/plan.ts";\n',
    "src/sources/plan.ts": "export const plan = 1;\n",
    "src/vault/x.ts": 'export { plan } from "../sources/plan.ts";\n',
  });
  try {
    assert.deepEqual(await checkLayers(root), [
      "src/ledger/plan.ts imports src/sources/plan.ts: ledger may import sources only under src/sources/error_log/",
      "src/vault/x.ts imports src/sources/plan.ts: vault and sources are the same layer",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkLayers() finds an import cycle between files of one folder", async () => {
  const root = await tree({
    ...CLEAN,
    "src/common/a.ts": 'import { b } from "./b.ts";\nexport const a = 1;\n',
    "src/common/b.ts": 'export const b = 2;\nconst lazy = () => import("./a.ts");\n',
  });
  try {
    assert.deepEqual(await checkLayers(root), ["import cycle: src/common/a.ts ↔ src/common/b.ts"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("importsOf() ignores package imports and imports shown in comments", () => {
  const text = [
    "/**",
    " * ```ts",
    ' * import { x } from "../cli/main.ts";',
    " * ```",
    " */",
    'import { Command } from "@commander-js/extra-typings";',
    'import process from "node:process";',
    'import { y } from "./y.ts";',
  ].join("\n");
  assert.deepEqual(importsOf("src/common/x.ts", text), ["src/common/y.ts"]);
});

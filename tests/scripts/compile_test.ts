import assert from "node:assert/strict";
import {
  compileArgs,
  devOnlyPackages,
  isRuntimeFailure,
  parseCompileArgs,
  PERMISSIONS,
  runtimeAdvice,
  TARGETS,
} from "../../scripts/compile.ts";

const HOST = "x86_64-unknown-linux-gnu";

Deno.test("compileArgs() bakes in the explicit permissions, the target and the output name", () => {
  const args = compileArgs("aarch64-apple-darwin", "dist");
  assert.equal(args[0], "compile");
  for (const p of PERMISSIONS) assert.ok(args.includes(p), p);
  assert.ok(!args.some((a) => a === "-A" || a === "--allow-all" || a.startsWith("--allow-ffi")));
  assert.deepEqual(args.slice(args.indexOf("--target"), args.indexOf("--target") + 2), [
    "--target",
    "aarch64-apple-darwin",
  ]);
  assert.deepEqual(args.slice(-3), ["--output", "dist/byot-aarch64-apple-darwin", "main.ts"]);
  assert.ok(
    args.includes("--exclude") && args.includes("node_modules/@deno"),
    "the Deno CLI is not embedded",
  );
});

Deno.test("parseCompileArgs() builds every target by default and the chosen ones with --target", () => {
  assert.deepEqual(parseCompileArgs([], { hostTarget: HOST }), { targets: [...TARGETS], outDir: "dist" });
  assert.deepEqual(
    parseCompileArgs(
      ["--target", "x86_64-apple-darwin", "--target=aarch64-unknown-linux-gnu", "--out-dir=o"],
      {
        hostTarget: HOST,
      },
    ),
    { targets: ["x86_64-apple-darwin", "aarch64-unknown-linux-gnu"], outDir: "o" },
  );
  assert.throws(
    () => parseCompileArgs(["--target", "sparc"], { hostTarget: HOST }),
    /unknown --target "sparc"/,
  );
  assert.throws(() => parseCompileArgs(["--fast"], { hostTarget: HOST }), /unknown argument "--fast"/);
});

Deno.test("parseCompileArgs() with DENORT_BIN builds one target: the host's unless --target names another", () => {
  const env = { hostTarget: HOST, denortBin: "/opt/denort" };
  assert.deepEqual(parseCompileArgs([], env).targets, [HOST]);
  assert.deepEqual(parseCompileArgs(["--target", "aarch64-apple-darwin"], env).targets, [
    "aarch64-apple-darwin",
  ]);
  assert.throws(
    () => parseCompileArgs(["--target", TARGETS[0], "--target", TARGETS[1]], env),
    /DENORT_BIN is the runtime of one target/,
  );
});

Deno.test("runtimeAdvice() explains an unreachable dl.deno.land and how to use DENORT_BIN", () => {
  const stderr = "Caused by:\n    0: Setting up base binary.\n    1: error sending request for url " +
    "(https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error";
  assert.ok(isRuntimeFailure(stderr));
  assert.ok(!isRuntimeFailure("error: Type checking failed."));
  const advice = runtimeAdvice(HOST, undefined, "2.9.6", stderr);
  assert.match(
    advice,
    /could not download Deno's runtime for x86_64-unknown-linux-gnu from https:\/\/dl\.deno\.land/,
  );
  assert.match(advice, /this machine cannot reach dl\.deno\.land/);
  assert.match(advice, /DENORT_BIN=\/path\/to\/denort deno task compile --target x86_64-unknown-linux-gnu/);
  assert.ok(isRuntimeFailure("0: Writing binary bytes\n    1: Invalid object: Not an ELF file"));
  assert.match(runtimeAdvice(HOST, "/opt/denort", "2.9.6"), /DENORT_BIN=\/opt\/denort did not work/);
});

Deno.test("devOnlyPackages() lists the lock file's dev-only packages (the Skyflow SDK the tests run), not byot's own", async () => {
  const lock = await Deno.readTextFile(new URL("../../package-lock.json", import.meta.url));
  const devOnly = devOnlyPackages(lock);
  assert.ok(devOnly.includes("node_modules/skyflow-node"));
  for (
    const runtime of ["node_modules/snowflake-sdk", "node_modules/prom-client", "node_modules/commander"]
  ) {
    assert.ok(!devOnly.includes(runtime), runtime);
  }
  assert.ok(!devOnly.some((path) => path.startsWith("node_modules/@deno")), "already in EXCLUDES");
  const args = compileArgs(HOST, "dist", devOnly);
  assert.equal(args[args.indexOf("node_modules/skyflow-node") - 1], "--exclude");
});

import assert from "node:assert/strict";
import { ConfigError } from "../../../src/common/errors.ts";
import { captureIo } from "../../_fixtures/io.ts";
import { simulateCommand } from "../../../src/cli/simulate.ts";

async function waitForLine(read: () => string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = read().split("\n")[0];
    if (read().includes("\n")) return line;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("no listening line");
}

Deno.test("simulateCommand() prints the listening line, serves, and stops on abort with a summary", async () => {
  const io = captureIo();
  const stop = new AbortController();
  const run = simulateCommand(io, { signal: stop.signal }).exitOverride()
    .parseAsync(["--port", "0", "--seed", "3"], { from: "user" });
  const line = await waitForLine(() => io.out);
  const match = /^byot simulator listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
  assert.ok(match, line);
  const res = await fetch(`${match[1]}/v1/vaults/v1/name`, {
    method: "POST",
    headers: { authorization: "Bearer t", "content-type": "application/json" },
    body: JSON.stringify({ records: [{ fields: { name: "A" } }] }),
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  stop.abort();
  await run;
  assert.equal(io.out, `${line}\n`, "exactly one stdout line");
  assert.match(io.err, /^byot simulator stopped: 1 requests .*; 1 records stored\n$/);
});

Deno.test("simulateCommand() accepts only the token from --bearer-token-file", async () => {
  const io = captureIo();
  const stop = new AbortController();
  const run = simulateCommand(io, {
    signal: stop.signal,
    readTextFile: () => Promise.resolve("secret-token\n"),
  })
    .exitOverride()
    .parseAsync(["--bearer-token-file", "token.txt", "--rate-limit", "100", "--retry-after-format", "date"], {
      from: "user",
    });
  const url = (await waitForLine(() => io.out)).split(" ").at(-1);
  const status = async (token: string) => {
    const res = await fetch(`${url}/v1/vaults/v1/name`, { headers: { authorization: `Bearer ${token}` } });
    await res.body?.cancel();
    return res.status;
  };
  assert.equal(await status("other"), 401);
  assert.equal(await status("secret-token"), 404);
  stop.abort();
  await run;
  assert.doesNotMatch(io.out + io.err, /secret-token/);
});

Deno.test("simulateCommand() throws a ConfigError naming the flag for invalid values", async () => {
  const cases: [string[], RegExp][] = [
    [["--error-rate", "1.5"], /--error-rate/],
    [["--drop-rate", "-0.1"], /--drop-rate/],
    [["--hang-rate", "abc"], /--hang-rate/],
    [["--rate-limit", "-1"], /--rate-limit/],
    [["--port", "70000"], /--port/],
    [["--port", "1.5"], /--port/],
    [["--latency-ms", "fast"], /--latency-ms/],
    [["--token-ttl", "0"], /--token-ttl/],
    [["--retry-after-format", "minutes"], /--retry-after-format/],
  ];
  for (const [args, flag] of cases) {
    const io = captureIo();
    await assert.rejects(
      simulateCommand(io, { signal: AbortSignal.abort() }).exitOverride().parseAsync(args, { from: "user" }),
      (e: unknown) => e instanceof ConfigError && flag.test(e.message) && !e.message.includes("\n"),
      args.join(" "),
    );
    assert.equal(io.out, "");
  }
  const missing = simulateCommand(captureIo(), {
    signal: AbortSignal.abort(),
    readTextFile: () => Promise.reject(new Deno.errors.NotFound("nope")),
  }).exitOverride().parseAsync(["--bearer-token-file", "/nowhere"], { from: "user" });
  await assert.rejects(
    missing,
    (e: unknown) => e instanceof ConfigError && /--bearer-token-file/.test(e.message),
  );
});

import assert from "node:assert/strict";
import { isSandboxUrl } from "../../../src/cli/clear/guard.ts";
import type { ClearDeps } from "../../../src/cli/clear/clear_command.ts";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../_fixtures/io.ts";
import { type CliRun, type Workspace, workspace } from "../../_fixtures/workspace.ts";

const PROD = "https://abc123.vault.skyflowapis.com";

/** A workspace whose SSN and NAME vaults hold `count` records each. */
async function loaded(count = 200): Promise<Workspace> {
  const ws = await workspace({ count, columns: ["name", "ssn"] });
  const run = await ws.load();
  assert.equal(run.code, 0, run.err);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), count);
  return ws;
}

function assertUserError(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, run.err);
  const lines = run.err.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 1, run.err);
  assert.match(lines[0], pattern);
}

/** Runs byot as if stdin were a terminal, answering the name prompts with `answers` in turn. */
async function onTerminal(args: string[], answers: string[]) {
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "test-token" } });
  io.stdinIsTerminal = true;
  const questions: string[] = [];
  const deps: ClearDeps = {
    prompt: (question) => {
      questions.push(question);
      return Promise.resolve(answers[questions.length - 1] ?? "");
    },
  };
  const code = await main(args, io, deps);
  return { code, out: io.out, err: io.err, questions };
}

Deno.test("byot clear --yes deletes every record of the vault's table and leaves other vaults alone", async () => {
  await using ws = await loaded();
  await Deno.remove(ws.dataDir, { recursive: true }); // a clear does not need the load's input
  const secret = "sekrit-TOKEN-4711";
  const run = await ws.byot(["clear", "--vault", "ssn", "--config", ws.configPath, "--yes", "--json"], {
    env: { SKYFLOW_BEARER_TOKEN: secret },
  });
  assert.equal(run.code, 0, run.err);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
  assert.equal(ws.sim.store.count("vault-name", "name"), 200, "the other vault is untouched");
  assert.equal(ws.sim.stats.requests.delete, 1, "one bulk delete, no paging");
  assert.match(run.err, /About to delete EVERY record .* at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(run.err, /^ {2}vault SSN \(id vault-ssn\), table ssn$/m);
  assert.match(run.err, /^vault SSN: all records of table ssn deleted \(request id [0-9a-f-]+\)$/m);
  const json = JSON.parse(run.out);
  assert.deepEqual(json.vaults.map((v: Record<string, unknown>) => [v.name, v.table, v.deleted]), [
    ["SSN", "ssn", "all"],
  ]);
  assert.ok(!run.err.includes(secret) && !run.out.includes(secret), "the token is never printed");

  const again = await ws.byot(["clear", "--vault", "SSN,name", "--config", ws.configPath, "-y"]);
  assert.equal(again.code, 0, again.err);
  assert.equal(ws.sim.store.count("vault-name", "name"), 0);
  assert.match(
    again.err,
    /^vault NAME: all records of table name deleted .*\nvault SSN: all records of table ssn deleted /m,
  );
});

Deno.test("byot clear refuses a production-looking vault URL unless --force", async () => {
  await using ws = await loaded(20);
  const args = ["clear", "--vault", "ssn", "--config", ws.configPath, "--vault-url", PROD];
  const refused = await ws.byot([...args, "--yes"], { env: { SKYFLOW_BEARER_TOKEN: "" } });
  assertUserError(
    refused,
    /^error: refusing to clear a non-sandbox vault \(abc123\.vault\.skyflowapis\.com\); pass --force if you really mean it$/,
  );
  assert.doesNotMatch(refused.err, /bearer token/, "refused before any credential is looked for");

  const forced = await ws.byot([...args, "--force"]);
  assertUserError(forced, /pass --yes/);
  assert.match(forced.err, /warning: --force: clearing a vault that is not a sandbox \(abc123\./);
  assert.equal(ws.sim.stats.requests.delete, 0);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 20);
});

Deno.test("byot clear requires --yes off a terminal and checks its other settings first", async (t) => {
  await using ws = await loaded(20);
  const base = ["clear", "--config", ws.configPath];
  const cases: [string, string[], RegExp][] = [
    [
      "no --yes off a terminal",
      [...base, "--vault", "ssn"],
      /refusing to clear without confirmation: .*pass --yes/,
    ],
    ["no --vault", [...base, "--yes"], /required option '--vault <names>' not specified/],
    ["an unknown vault", [...base, "--vault", "nope", "--yes"], /unknown vault "nope"/],
    [
      "a bad vault URL",
      [...base, "--vault", "ssn", "--vault-url", "ftp://x", "--yes"],
      /--vault-url must be/,
    ],
    [
      "a missing config",
      ["clear", "--vault", "ssn", "--config", `${ws.dir}/none.json`, "--yes"],
      /none\.json/,
    ],
  ];
  for (const [name, args, pattern] of cases) {
    await t.step(`for ${name}`, async () => assertUserError(await ws.byot(args), pattern));
  }
  await t.step("for a missing token", async () => {
    const run = await ws.byot([...base, "--vault", "ssn", "--yes"], { env: { SKYFLOW_BEARER_TOKEN: "" } });
    assertUserError(run, /no bearer token/);
  });
  assert.equal(ws.sim.stats.requests.delete, 0);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 20);
});

Deno.test("byot clear on a terminal deletes after the vault name is typed in any case", async () => {
  await using ws = await loaded(30);
  const run = await onTerminal(["clear", "--vault", "ssn,name", "--config", ws.configPath], [
    "Name",
    " ssn ",
  ]);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual(run.questions, [
    'Type the vault name (NAME) to delete every record of its table "name": ',
    'Type the vault name (SSN) to delete every record of its table "ssn": ',
  ]);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 0);
  assert.equal(ws.sim.store.count("vault-name", "name"), 0);
});

Deno.test("byot clear on a terminal deletes nothing when a typed name does not match", async () => {
  await using ws = await loaded(30);
  const run = await onTerminal(["clear", "--vault", "ssn,name", "--config", ws.configPath], ["name", "dob"]);
  assertUserError(run, /the typed name does not match vault SSN: nothing was deleted/);
  assert.equal(run.questions.length, 2);
  assert.equal(ws.sim.stats.requests.delete, 0);
  assert.equal(ws.sim.store.count("vault-ssn", "ssn"), 30);
  assert.equal(ws.sim.store.count("vault-name", "name"), 30);
});

/** A stand-in vault whose every delete gets `answer()`, or no answer at all when `answer` is undefined. */
async function withVault(
  answer: (() => Response) | undefined,
  fn: (run: (args?: string[]) => Promise<CliRun>, deletes: () => number) => Promise<void>,
): Promise<void> {
  let deletes = 0;
  const released = Promise.withResolvers<Response>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (request.method === "DELETE") deletes++;
    return answer ? answer() : released.promise;
  });
  const dir = await Deno.makeTempDir({ prefix: "byot-clear-" });
  try {
    const configPath = `${dir}/config.json`;
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({
        skyflow: {
          vault_url: `http://127.0.0.1:${server.addr.port}`,
          vaults: [{ name: "SSN", id: "vault-ssn", column: "ssn" }],
        },
        performance: { max_attempts: 2, request_timeout_ms: 200 },
      }),
    );
    const run = async (args: string[] = []) => {
      const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "test-token" } });
      const code = await main(["clear", "--vault", "ssn", "--config", configPath, "--yes", ...args], io, {
        random: () => 0,
      });
      return { code, out: io.out, err: io.err };
    };
    await fn(run, () => deletes);
  } finally {
    released.resolve(new Response(null, { status: 500 }));
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

function assertOneError(run: CliRun, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.err);
  const lines = run.err.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 1, run.err);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.err, /\n\s+at /, "no stack trace");
}

Deno.test("byot clear exits 3 with the vault's message and request id when the vault rejects the delete", async () => {
  const envelope = {
    error: { grpc_code: 3, http_code: 400, message: "Invalid table", http_status: "Bad Request" },
  };
  await withVault(
    () => Response.json(envelope, { status: 400, headers: { "x-request-id": "req-400" } }),
    async (
      run,
      deletes,
    ) => {
      assertOneError(await run(), 3, /vault SSN answered 400 to the delete: Invalid table.*req-400/);
      assert.equal(deletes(), 1, "a definite rejection is not retried");
    },
  );
});

Deno.test("byot clear exits 75 and says a re-run is safe when the vault keeps answering 503", async () => {
  await withVault(() => new Response("busy", { status: 503, headers: { "x-request-id": "req-503" } }), async (
    run,
    deletes,
  ) => {
    assertOneError(
      await run(),
      75,
      /vault SSN: the delete failed after 2 attempts \(HTTP 503: .*req-503.*may or may not have been applied, and running byot clear again is safe/,
    );
    assert.equal(deletes(), 2, "max_attempts requests");
  });
});

Deno.test("byot clear exits 75 when the vault never answers within the request timeout", async () => {
  await withVault(undefined, async (run, deletes) => {
    assertOneError(await run(), 75, /vault SSN: the delete failed after 2 attempts \(no answer: .*timed out/);
    assert.equal(deletes(), 2);
  });
});

Deno.test("isSandboxUrl() accepts Skyflow sandbox, dev and stage hosts and loopback, nothing else", () => {
  const yes = [
    "https://abc.vault.skyflowapis-preview.com",
    "https://abc.vault.skyflowapis.dev/",
    "https://ABC.VAULT.SKYFLOWAPIS.TECH",
    "http://localhost:8080",
    "http://127.0.0.1:1234",
    "http://[::1]:9000",
  ];
  const no = [
    PROD,
    "https://vault.skyflowapis-preview.com.evil.example",
    "https://abc.vault.skyflowapis-preview.com.evil.example",
    "https://example.com",
    "http://10.0.0.1",
  ];
  for (const url of yes) assert.equal(isSandboxUrl(url), true, url);
  for (const url of no) assert.equal(isSandboxUrl(url), false, url);
});

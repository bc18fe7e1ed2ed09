import assert from "node:assert/strict";
import { ConfigError } from "../../../src/common/errors.ts";
import { captureIo } from "../../_fixtures/io.ts";
import { simulateCommand } from "../../../src/cli/simulate.ts";
import { base64UrlEncode } from "../../../src/vault/simulator/auth.ts";
import { JWT_BEARER_GRANT } from "../../../src/vault/simulator/mod.ts";
import { privatePem, rsaKeyPair } from "../../_fixtures/rsa.ts";

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
    [["--duplicate-status", "404"], /--duplicate-status/],
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

Deno.test("simulateCommand() with --credentials accepts only assertions signed by that key for that clientID and keyID", async () => {
  const keys = await rsaKeyPair();
  const other = await rsaKeyPair();
  const credentials = JSON.stringify({
    clientID: "client-1",
    keyID: "key-1",
    tokenURI: "http://127.0.0.1/v1/auth/sa/oauth/token",
    privateKey: await privatePem(keys.privateKey),
  });
  const io = captureIo();
  const stop = new AbortController();
  const run = simulateCommand(io, { signal: stop.signal, readTextFile: () => Promise.resolve(credentials) })
    .exitOverride()
    .parseAsync(["--credentials", "credentials.json"], { from: "user" });
  const url = (await waitForLine(() => io.out)).split(" ").at(-1);
  const exchange = async (claims: Record<string, unknown>, key: CryptoKey) => {
    const input = `${base64UrlEncode(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${
      base64UrlEncode(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }))
    }`;
    const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(input));
    const res = await fetch(`${url}/v1/auth/sa/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: JWT_BEARER_GRANT,
        assertion: `${input}.${base64UrlEncode(new Uint8Array(signature))}`,
      }),
    });
    await res.body?.cancel();
    return res.status;
  };
  try {
    const good = { iss: "client-1", sub: "client-1", key: "key-1", aud: `${url}/v1/auth/sa/oauth/token` };
    assert.equal(await exchange(good, keys.privateKey), 200);
    assert.equal(await exchange(good, other.privateKey), 401, "signed by another key");
    assert.equal(await exchange({ ...good, iss: "client-2", sub: "client-2" }, keys.privateKey), 401);
    assert.equal(await exchange({ ...good, key: "key-2" }, keys.privateKey), 401);
  } finally {
    stop.abort();
    await run;
  }
  assert.doesNotMatch(io.out + io.err, /PRIVATE KEY/);
});

Deno.test("simulateCommand() throws a ConfigError for unusable --credentials and --tls-cert/--tls-key", async () => {
  const cases: [string[], string, RegExp][] = [
    [["--credentials", "c.json"], "not json", /--credentials: c\.json is not JSON/],
    [["--credentials", "c.json"], '{"keyID":"k","privateKey":"x"}', /--credentials: c\.json has no clientID/],
    [["--credentials", "c.json"], '{"clientID":"c","keyID":"k","privateKey":"x"}', /not a PEM RSA key/],
    [["--tls-cert", "cert.pem"], "", /give both or neither/],
    [
      ["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
      "not a pem",
      /--tls-cert\/--tls-key: cannot serve https/,
    ],
  ];
  for (const [args, text, message] of cases) {
    const io = captureIo();
    await assert.rejects(
      simulateCommand(io, { signal: AbortSignal.abort(), readTextFile: () => Promise.resolve(text) })
        .exitOverride().parseAsync(args, { from: "user" }),
      (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes("\n"),
      args.join(" "),
    );
  }
});

Deno.test("simulateCommand() with --tls-cert and --tls-key serves https", async () => {
  const fixture = (name: string) => new URL(`../../fixtures/tls/${name}`, import.meta.url);
  const io = captureIo();
  const stop = new AbortController();
  const run = simulateCommand(io, { signal: stop.signal }).exitOverride()
    .parseAsync(["--tls-cert", fixture("cert.pem").pathname, "--tls-key", fixture("key.pem").pathname], {
      from: "user",
    });
  const url = (await waitForLine(() => io.out)).split(" ").at(-1)!;
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(fixture("ca.pem"))] });
  try {
    const res = await fetch(`${url}/v1/vaults/v1/name`, { headers: { authorization: "Bearer t" }, client });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.message, "No Records Found");
  } finally {
    client.close();
    stop.abort();
    await run;
  }
});

Deno.test("simulateCommand() --duplicate-status 409 answers a duplicate with 409", async () => {
  const io = captureIo();
  const stop = new AbortController();
  const run = simulateCommand(io, { signal: stop.signal }).exitOverride()
    .parseAsync(["--port", "0", "--duplicate-status", "409"], { from: "user" });
  const url = (await waitForLine(() => io.out)).split(" ").at(-1);
  const insert = async () => {
    const res = await fetch(`${url}/v1/vaults/v1/name`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: JSON.stringify({ records: [{ fields: { name: "A" } }] }),
    });
    await res.body?.cancel();
    return res.status;
  };
  assert.equal(await insert(), 200);
  assert.equal(await insert(), 409);
  stop.abort();
  await run;
});

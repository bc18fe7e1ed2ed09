import assert from "node:assert/strict";
import { systemClock } from "../../src/common/clock.ts";
import { httpExchange, TransportError } from "../../src/vault/http.ts";
import { createVaultFetch } from "../../src/vault/vault_fetch.ts";
import { errorChainText, isProtocolMismatch } from "../../src/vault/config_rejection.ts";
import { rawServer } from "./http1/_raw_server.ts";

const encoder = new TextEncoder();

/** One POST of `{}` through httpExchange (the default vault fetch), rejected errors returned. */
function postTo(url: string): Promise<unknown> {
  return httpExchange({
    method: "POST",
    url,
    bearerToken: "t",
    body: "{}",
    timeoutMs: 5_000,
    clock: systemClock,
  }).catch((e) => e);
}

/** A server that answers 411 to a body without Content-Length, and 400 when the length is wrong. */
function lengthCheckingServer(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const declared = req.headers.get("content-length");
    const body = new Uint8Array(await req.arrayBuffer());
    if (declared === null) return new Response("Length Required", { status: 411 });
    if (req.headers.has("transfer-encoding")) return new Response("both", { status: 400 });
    if (Number(declared) !== body.byteLength) return new Response("wrong length", { status: 400 });
    return new Response(JSON.stringify({ length: body.byteLength }));
  });
}

Deno.test("httpExchange() sends Content-Length with text and byte bodies, so a server demanding it answers 200", async () => {
  const server = lengthCheckingServer();
  try {
    const url = `http://127.0.0.1:${server.addr.port}/v1/vaults/v1/name`;
    const text = JSON.stringify({ records: [{ fields: { name: "MÄRY ✓" } }] }); // multi-byte: bytes ≠ chars
    for (const body of [text, encoder.encode(text)]) {
      const answer = await httpExchange({
        method: "POST",
        url,
        bearerToken: "t",
        body,
        timeoutMs: 5_000,
        clock: systemClock,
      });
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body), { length: encoder.encode(text).byteLength });
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("httpExchange() does not re-send a POST whose reused connection closed after it was sent", async () => {
  // answers the first request (keep-alive), then reads each later one whole and closes unanswered
  const server = rawServer((request) =>
    server.requests.indexOf(request) === 0
      ? { bytes: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}" }
      : { bytes: "", close: true }
  );
  const fetch = createVaultFetch();
  try {
    const post = () =>
      httpExchange({
        method: "POST",
        url: `http://127.0.0.1:${server.port}/v1/vaults/v1/name`,
        bearerToken: "t",
        body: '{"records":[]}',
        timeoutMs: 5_000,
        clock: systemClock,
        fetch,
      });
    assert.equal((await post()).status, 200);
    await new Promise((r) => setTimeout(r, 20)); // the connection is back in the pool: reused
    const error = await post().catch((e) => e);
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.maybeApplied, true, "it reached the server: its outcome is unknown");
    await new Promise((r) => setTimeout(r, 100)); // a silent re-send would arrive meanwhile
    assert.equal(server.requests.length, 2, "each POST arrived once");
  } finally {
    server.close();
  }
});

Deno.test("the vault fetch says a refused connection was a connect error, and rejects stream bodies", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const fetch = createVaultFetch();
  const error = await fetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: "{}" }).catch((e) => e);
  assert.ok(error instanceof TypeError);
  assert.match(String((error.cause as Error).message), /^client error \(Connect\): .*Connection refused/);
  await assert.rejects(
    fetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: new Blob(["{}"]).stream() }),
    /must be a string or a Uint8Array/,
  );
});

Deno.test("httpExchange() to an https URL on a plain-http port fails as not sent, naming the TLS error", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("{}"));
  try {
    const error = await postTo(`https://127.0.0.1:${server.addr.port}/v1/vaults/v1/name`);
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.maybeApplied, false, "the handshake failed before any request byte");
    assert.match(error.message, /\(Connect\): tls error: .*(InvalidContentType|wrong version number)/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("httpExchange() reads the vault fetch's answers without a Response exactly as through one", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/empty") return new Response(null, { status: 204, headers: { "X-Request-Id": "r-204" } });
    return new Response(new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('{"a":"é"}'), 0xff]), {
      status: 429,
      headers: { "X-Request-Id": "r-429", "Retry-After": "3" },
    });
  });
  const fetch = createVaultFetch();
  const throughResponse: typeof globalThis.fetch = (input, init) => fetch(input, init);
  try {
    for (const path of ["/body", "/empty"]) {
      const exchange = (f: typeof globalThis.fetch) =>
        httpExchange({
          method: "POST",
          url: `http://127.0.0.1:${server.addr.port}${path}`,
          bearerToken: "t",
          body: "{}",
          timeoutMs: 5_000,
          fetch: f,
          clock: systemClock,
        }).then(({ latencyMs: _, ...answer }) => answer);
      const raw = await exchange(fetch);
      assert.deepEqual(raw, await exchange(throughResponse));
      assert.equal(raw.requestId, path === "/empty" ? "r-204" : "r-429");
    }
    assert.deepEqual(
      await exchange0(fetch, server.addr.port),
      { status: 429, body: '{"a":"é"}\ufffd', requestId: "r-429", retryAfter: "3" },
    );
  } finally {
    await server.shutdown();
  }
});

function exchange0(f: typeof globalThis.fetch, port: number) {
  return httpExchange({
    method: "GET",
    url: `http://127.0.0.1:${port}/body`,
    bearerToken: "t",
    timeoutMs: 5_000,
    fetch: f,
    clock: systemClock,
  }).then(({ latencyMs: _, ...answer }) => answer);
}

const tls = (name: string) => Deno.readTextFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

function tlsVault(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls("cert.pem"), key: tls("key.pem"), onListen() {} },
    () => new Response('{"tls":true}'),
  );
}

Deno.test("the vault fetch trusts the CA it is given, and names an unknown issuer as a connect-time TLS error", async () => {
  const server = tlsVault();
  try {
    const url = `https://localhost:${server.addr.port}/v1/x`;
    const trusted = await createVaultFetch({ caCerts: [tls("ca.pem")], proxy: {} })(url, { method: "GET" });
    assert.equal(await trusted.text(), '{"tls":true}');
    const error = await createVaultFetch({ caCerts: [], proxy: {} })(url, { method: "GET" }).catch((e) => e);
    assert.ok(error instanceof TypeError);
    assert.match((error.cause as Error).message, /^client error \(Connect\): tls error: .*UnknownIssuer/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the default vault fetch trusts the certificates of the file NODE_EXTRA_CA_CERTS names", async () => {
  const server = tlsVault();
  try {
    const script = `import { vaultFetch } from ${
      JSON.stringify(new URL("../../src/vault/vault_fetch.ts", import.meta.url).href)
    };
      const r = await vaultFetch("https://localhost:${server.addr.port}/", { method: "GET" });
      console.log(r.status, await r.text());`;
    const run = (env: Record<string, string>) =>
      new Deno.Command(Deno.execPath(), { args: ["eval", script], env, stdout: "piped", stderr: "piped" })
        .output();
    const withCa = await run({
      NODE_EXTRA_CA_CERTS: new URL("../fixtures/tls/ca.pem", import.meta.url).pathname,
    });
    assert.equal(
      new TextDecoder().decode(withCa.stdout).trim(),
      '200 {"tls":true}',
      new TextDecoder().decode(withCa.stderr),
    );
    const without = await run({ NODE_EXTRA_CA_CERTS: "" });
    assert.equal(without.code, 1);
    assert.match(new TextDecoder().decode(without.stderr), /tls error: .*UnknownIssuer/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("an idle pooled connection does not keep the process alive after its work is done", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("{}"));
  try {
    const script = `import { createVaultFetch } from ${
      JSON.stringify(new URL("../../src/vault/vault_fetch.ts", import.meta.url).href)
    };
      const r = await createVaultFetch({ keepAliveTimeoutMs: 60_000 })("http://127.0.0.1:${server.addr.port}/", { method: "GET" });
      console.log(r.status);`;
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      signal: AbortSignal.timeout(20_000), // killed if an idle connection held it
    }).output();
    assert.equal(new TextDecoder().decode(child.stdout).trim(), "200");
    assert.equal(child.signal, null, "it exited by itself, not waiting out the 60 s keep-alive");
  } finally {
    await server.shutdown();
  }
});

Deno.test("httpExchange() over plain HTTP to a TLS port fails at once as a protocol mismatch, which a load treats as a setup error", async () => {
  const server = tlsVault();
  try {
    const error = await postTo(`http://127.0.0.1:${server.addr.port}/v1/vaults/v1/name`);
    assert.ok(error instanceof TransportError, String(error));
    assert.match(error.message, /invalid HTTP version: the server answered in TLS/);
    assert.ok(isProtocolMismatch(errorChainText(error)));
  } finally {
    await server.shutdown();
  }
});

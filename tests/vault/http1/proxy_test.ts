import assert from "node:assert/strict";
import { ConnectError, ConnectionPool } from "../../../src/vault/http1/pool.ts";
import { proxyAuthorization, proxyFor, proxySettingsFromEnv } from "../../../src/vault/http1/proxy.ts";
import { closeAll, ok, rawServer } from "./_raw_server.ts";

const tls = (name: string) => Deno.readTextFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url));

Deno.test("proxyFor() picks the proxy of the URL's scheme unless NO_PROXY names its host", () => {
  const settings = {
    httpProxy: "http://p:1",
    httpsProxy: "proxy:3128",
    noProxy: "localhost, .internal,*.corp.test  other:8443 [::1]",
  };
  const via = (url: string) => proxyFor(new URL(url), settings)?.host;
  assert.equal(via("http://vault.example/x"), "p:1");
  assert.equal(via("https://vault.example/x"), "proxy:3128", "a proxy without a scheme is http://");
  assert.equal(via("https://localhost/x"), undefined);
  assert.equal(via("https://a.internal/x"), undefined);
  assert.equal(via("https://internal/x"), undefined, ".suffix also matches the bare name");
  assert.equal(via("https://x.corp.test/x"), undefined);
  assert.equal(via("https://other:8443/x"), undefined);
  assert.equal(via("https://other/x"), "proxy:3128", "an entry with a port matches only that port");
  assert.equal(via("https://[::1]/x"), undefined);
  assert.equal(via("https://notinternal/x"), "proxy:3128");
  assert.equal(proxyFor(new URL("https://a/x"), { httpsProxy: "http://p:1", noProxy: "*" }), undefined);
  assert.equal(proxyFor(new URL("https://a/x"), {}), undefined);
  assert.throws(
    () => proxyFor(new URL("https://a/x"), { httpsProxy: "https://p:1" }),
    /use an http:\/\/ proxy URL/,
  );
});

Deno.test("proxySettingsFromEnv() reads either case, upper case first, and ignores empty values", () => {
  assert.deepEqual(
    proxySettingsFromEnv({ https_proxy: "http://l:1", HTTP_PROXY: "", http_proxy: "http://h:2" }),
    {
      httpProxy: "http://h:2",
      httpsProxy: "http://l:1",
      noProxy: undefined,
    },
  );
  assert.equal(
    proxySettingsFromEnv({ HTTPS_PROXY: "http://u:1", https_proxy: "http://l:1" }).httpsProxy,
    "http://u:1",
  );
});

Deno.test("proxyAuthorization() is Basic of the decoded user name and password", () => {
  assert.equal(
    proxyAuthorization(new URL("http://us%40er:p%C3%A4ss@p:1")),
    `Basic ${btoa("us@er:p\xc3\xa4ss")}`,
  );
  assert.equal(proxyAuthorization(new URL("http://p:1")), undefined);
});

Deno.test("an http request through HTTP_PROXY goes to the proxy in absolute form, with its credentials", async () => {
  const proxy = rawServer(() => ({ bytes: ok("{}") }));
  const pool = new ConnectionPool({ proxy: { httpProxy: `http://me:secret@127.0.0.1:${proxy.port}` } });
  try {
    const answer = await pool.exchange(new URL("http://vault.invalid:8080/v1/x?a=1"), {
      method: "POST",
      headers: {},
      body: "{}",
    });
    assert.equal(answer.status, 200);
    const [request] = proxy.requests;
    assert.equal(request.line, "POST http://vault.invalid:8080/v1/x?a=1 HTTP/1.1");
    assert.equal(request.headers["host"], "vault.invalid:8080");
    assert.equal(request.headers["proxy-authorization"], `Basic ${btoa("me:secret")}`);
  } finally {
    pool.close();
    proxy.close();
  }
});

/** A CONNECT proxy: answers `status` to CONNECT, and on 200 pipes the tunnel to 127.0.0.1. */
function tunnelProxy(status: number): { port: number; connects: string[]; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connects: string[] = [];
  const open: Deno.Conn[] = [];
  (async () => {
    for await (const client of listener) {
      open.push(client);
      (async () => {
        const buf = new Uint8Array(4096);
        let head = "";
        while (!head.includes("\r\n\r\n")) {
          const n = await client.read(buf);
          if (n === null) return;
          head += new TextDecoder().decode(buf.subarray(0, n));
        }
        connects.push(head.split("\r\n").filter((l) => /^CONNECT|^proxy-auth/i.test(l)).join(" | "));
        if (status !== 200) {
          await client.write(new TextEncoder().encode(`HTTP/1.1 ${status} No\r\ncontent-length: 0\r\n\r\n`));
          return;
        }
        const port = Number(/CONNECT [^:]+:(\d+)/.exec(head)![1]);
        const upstream = await Deno.connect({ hostname: "127.0.0.1", port });
        open.push(upstream);
        await client.write(new TextEncoder().encode("HTTP/1.1 200 Connection established\r\n\r\n"));
        await Promise.all([
          client.readable.pipeTo(upstream.writable),
          upstream.readable.pipeTo(client.writable),
        ]);
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    connects,
    close: () => closeAll(listener, open),
  };
}

Deno.test("an https request through HTTPS_PROXY opens a CONNECT tunnel and checks the vault's certificate through it", async () => {
  const vault = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls("cert.pem"), key: tls("key.pem"), onListen() {} },
    (req) => new Response(JSON.stringify({ path: new URL(req.url).pathname })),
  );
  const proxy = tunnelProxy(200);
  const pool = new ConnectionPool({
    caCerts: [tls("ca.pem")],
    proxy: { httpsProxy: `http://me:pw@127.0.0.1:${proxy.port}` },
  });
  try {
    const answer = await pool.exchange(new URL(`https://localhost:${vault.addr.port}/v1/x`), {
      method: "GET",
      headers: {},
    });
    assert.equal(answer.status, 200);
    assert.equal(new TextDecoder().decode(answer.body!), '{"path":"/v1/x"}');
    assert.deepEqual(proxy.connects, [
      `CONNECT localhost:${vault.addr.port} HTTP/1.1 | proxy-authorization: Basic ${btoa("me:pw")}`,
    ]);
  } finally {
    pool.close();
    proxy.close();
    await vault.shutdown();
  }
});

Deno.test("a proxy refusing the tunnel is a connect error naming its status: nothing reached the vault", async () => {
  const proxy = tunnelProxy(407);
  const pool = new ConnectionPool({ proxy: { httpsProxy: `http://127.0.0.1:${proxy.port}` } });
  try {
    const error = await pool.exchange(new URL("https://localhost:1/v1/x"), {
      method: "POST",
      headers: {},
      body: "{}",
    })
      .catch((e) => e);
    assert.ok(error instanceof ConnectError, String(error));
    assert.match(error.message, /^client error \(Connect\): proxy error: CONNECT answered 407$/);
  } finally {
    pool.close();
    proxy.close();
  }
});

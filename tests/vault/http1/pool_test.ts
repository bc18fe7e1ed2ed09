import assert from "node:assert/strict";
import { AfterSendError } from "../../../src/vault/http1/connection.ts";
import { ConnectError, ConnectionPool } from "../../../src/vault/http1/pool.ts";
import { ok, rawServer } from "./_raw_server.ts";

const decoder = new TextDecoder();
const text = (body: Uint8Array | null) => body === null ? null : decoder.decode(body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a pooled request carries Host and its byte Content-Length, and the next request reuses the connection", async () => {
  const server = rawServer(() => ({ bytes: ok('{"ok":1}') }));
  const pool = new ConnectionPool();
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/v1/vaults/v1/name?x=1`);
    const body = '{"name":"MÄRY ✓"}';
    for (let i = 0; i < 3; i++) {
      const answer = await pool.exchange(url, {
        method: "POST",
        headers: { Authorization: "Bearer t" },
        body,
      });
      assert.equal(answer.status, 200);
      assert.equal(text(answer.body), '{"ok":1}');
    }
    assert.equal(server.connections(), 1, "one keep-alive connection carried all three");
    const [first] = server.requests;
    assert.equal(first.line, "POST /v1/vaults/v1/name?x=1 HTTP/1.1");
    assert.equal(first.headers["host"], `127.0.0.1:${server.port}`);
    assert.equal(first.headers["content-length"], String(new TextEncoder().encode(body).length));
    assert.equal(first.headers["transfer-encoding"], undefined);
    assert.equal(first.headers["authorization"], "Bearer t");
    assert.equal(first.body, body);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("a chunked answer is read whole past its extensions and trailers, and its connection is reused", async () => {
  const chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" +
    '4;ext=1\r\n{"a"\r\n5\r\n:"bc"\r\n1\r\n}\r\n0\r\nx-trailer: 1\r\n\r\n';
  const server = rawServer(() => ({ bytes: chunked }));
  const pool = new ConnectionPool();
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/x`);
    for (let i = 0; i < 2; i++) {
      const answer = await pool.exchange(url, { method: "GET", headers: {} });
      assert.equal(text(answer.body), '{"a":"bc"}');
    }
    assert.equal(server.connections(), 1);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("an answer with neither length nor chunks is read to the close, and the next request opens a new connection", async () => {
  const server = rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\n\r\nto the end", close: true }));
  const pool = new ConnectionPool();
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/x`);
    assert.equal(text((await pool.exchange(url, { method: "GET", headers: {} })).body), "to the end");
    assert.equal(text((await pool.exchange(url, { method: "GET", headers: {} })).body), "to the end");
    assert.equal(server.connections(), 2);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("interim 1xx answers are skipped and 204 has no body", async () => {
  const server = rawServer(() => ({
    bytes:
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
  }));
  const pool = new ConnectionPool();
  try {
    const answer = await pool.exchange(new URL(`http://127.0.0.1:${server.port}/x`), {
      method: "DELETE",
      headers: {},
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.body, null);
    assert.equal(answer.reusable, true);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("Connection: close and an HTTP/1.0 answer without keep-alive are not reused", async () => {
  const replies = [
    ok("a", "connection: close\r\n"),
    "HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nb",
    ok("c"),
  ];
  let next = 0;
  const server = rawServer(() => ({ bytes: replies[next++] }));
  const pool = new ConnectionPool();
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/x`);
    const bodies = [];
    for (let i = 0; i < 3; i++) {
      bodies.push(text((await pool.exchange(url, { method: "GET", headers: {} })).body));
    }
    assert.deepEqual(bodies, ["a", "b", "c"]);
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 1, 2]);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("an idle connection the server closes leaves the pool, so the next request opens a new one and succeeds", async () => {
  const server = rawServer(() => ({ bytes: ok("{}"), close: true })); // closes without saying so
  const pool = new ConnectionPool();
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/x`);
    await pool.exchange(url, { method: "POST", headers: {}, body: "{}" });
    await sleep(50);
    const answer = await pool.exchange(url, { method: "POST", headers: {}, body: "{}" });
    assert.equal(answer.status, 200);
    assert.equal(server.requests.length, 2, "each POST arrived once");
    assert.equal(server.connections(), 2);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("an idle connection closes after keepAliveTimeoutMs, or a second before the server's Keep-Alive timeout", async () => {
  const server = rawServer((request) => ({
    bytes: request.line.includes("hint") ? ok("{}", "keep-alive: timeout=1\r\n") : ok("{}"),
  }));
  const pool = new ConnectionPool({ keepAliveTimeoutMs: 60 });
  try {
    const plain = new URL(`http://127.0.0.1:${server.port}/plain`);
    await pool.exchange(plain, { method: "GET", headers: {} });
    await pool.exchange(plain, { method: "GET", headers: {} }); // within 60 ms: reused
    await sleep(150);
    await pool.exchange(plain, { method: "GET", headers: {} }); // past it: a new connection
    const hint = new URL(`http://127.0.0.1:${server.port}/hint`);
    await pool.exchange(hint, { method: "GET", headers: {} });
    await sleep(20);
    await pool.exchange(hint, { method: "GET", headers: {} }); // timeout=1 s leaves 0 ms of idleness
    assert.deepEqual(server.requests.map((r) => r.connection), [0, 0, 1, 1, 2]);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("an answer cut mid-body rejects as after-send, and so does a reused connection closed without an answer", async () => {
  let calls = 0;
  const server = rawServer(() =>
    ++calls === 1
      ? { bytes: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc", close: true }
      : calls === 2
      ? { bytes: ok("{}") }
      : { bytes: "", close: true }
  );
  const pool = new ConnectionPool();
  try {
    const url = new URL(`http://127.0.0.1:${server.port}/x`);
    const cut = await pool.exchange(url, { method: "POST", headers: {}, body: "{}" }).catch((e) => e);
    assert.ok(cut instanceof AfterSendError, String(cut));
    assert.match(cut.message, /other side closed mid-answer/);
    assert.equal((await pool.exchange(url, { method: "POST", headers: {}, body: "{}" })).status, 200);
    const unanswered = await pool.exchange(url, { method: "POST", headers: {}, body: "{}" }).catch((e) => e);
    assert.ok(unanswered instanceof AfterSendError, String(unanswered));
    assert.match(unanswered.message, /^other side closed$/);
    await sleep(50);
    assert.equal(server.requests.length, 3, "nothing was sent again");
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("an abort closes the connection and rejects with the signal's reason", async () => {
  const server = rawServer(() => new Promise<never>(() => {})); // never answers
  const pool = new ConnectionPool();
  try {
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 30);
    const url = new URL(`http://127.0.0.1:${server.port}/x`);
    const error = await pool.exchange(url, { method: "GET", headers: {}, signal: controller.signal }).catch((
      e,
    ) => e);
    assert.equal(error, reason);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("a status line that is not HTTP/1.x rejects as after-send, naming it", async () => {
  const server = rawServer(() => ({ bytes: "SSH-2.0-OpenSSH\r\n\r\n" }));
  const pool = new ConnectionPool();
  try {
    const error = await pool.exchange(new URL(`http://127.0.0.1:${server.port}/x`), {
      method: "GET",
      headers: {},
    })
      .catch((e) => e);
    assert.ok(error instanceof AfterSendError);
    assert.match(error.message, /invalid status line: "SSH-2.0-OpenSSH"/);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("a megabyte body is written whole and two-megabyte answers are read whole, by length and chunked", async () => {
  const big = "x".repeat(2 * 1024 * 1024);
  const chunks = `${(big.length / 2).toString(16)}\r\n${big.slice(0, big.length / 2)}\r\n` +
    `${(big.length / 2).toString(16)}\r\n${big.slice(big.length / 2)}\r\n0\r\n\r\n`;
  const server = rawServer((request) => ({
    bytes: request.line.includes("chunked")
      ? `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${chunks}`
      : ok(big, `x-got: ${request.body.length}\r\n`),
  }));
  const pool = new ConnectionPool();
  try {
    const body = "y".repeat(1024 * 1024);
    const byLength = await pool.exchange(new URL(`http://127.0.0.1:${server.port}/len`), {
      method: "POST",
      headers: {},
      body,
    });
    assert.equal(byLength.headers["x-got"], String(body.length));
    assert.equal(text(byLength.body), big);
    const chunked = await pool.exchange(new URL(`http://127.0.0.1:${server.port}/chunked`), {
      method: "GET",
      headers: {},
    });
    assert.equal(text(chunked.body), big);
    assert.equal(server.connections(), 1);
  } finally {
    pool.close();
    server.close();
  }
});

Deno.test("a refused connection is a connect error: nothing was sent", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const error = await new ConnectionPool().exchange(new URL(`http://127.0.0.1:${port}/x`), {
    method: "POST",
    headers: {},
    body: "{}",
  }).catch((e) => e);
  assert.ok(error instanceof ConnectError);
  assert.match(error.message, /^client error \(Connect\): tcp connect error: .*refused/i);
});

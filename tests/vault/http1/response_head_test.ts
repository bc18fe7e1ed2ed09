import assert from "node:assert/strict";
import {
  assertHttpStart,
  bodyFraming,
  headEnd,
  keepAlive,
  parseResponseHead,
  ProtocolError,
} from "../../../src/vault/http1/response_head.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("headEnd() finds the end of the blank line, also when the bytes arrived split, and -1 before it", () => {
  const head = bytes("HTTP/1.1 200 OK\r\na: 1\r\n\r\nbody");
  assert.equal(headEnd(head, 0, head.length), head.length - 4);
  assert.equal(headEnd(head, 0, head.length - 6), -1, "\\r\\n\\r not yet complete");
  assert.equal(
    headEnd(head, 20, head.length),
    head.length - 4,
    "a search resumed 3 bytes back still finds it",
  );
});

Deno.test("parseResponseHead() lower-cases names, trims values and joins repeated fields", () => {
  const head = parseResponseHead(
    bytes("HTTP/1.1 429 Too Many Requests\r\nRetry-After:  3 \r\nVia: a\r\nvia: b\r\n\r\n"),
  );
  assert.deepEqual(head, { status: 429, headers: { "retry-after": "3", via: "a, b" }, http11: true });
  assert.equal(parseResponseHead(bytes("HTTP/1.0 200\r\n\r\n")).http11, false, "a reason phrase is optional");
  assert.throws(() => parseResponseHead(bytes("HTTP/2 200\r\n\r\n")), ProtocolError);
  assert.throws(() => parseResponseHead(bytes("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")), /invalid header line/);
});

Deno.test("bodyFraming() follows RFC 9112: no body for HEAD, 1xx, 204 and 304; chunked over length; else to the close", () => {
  const head = (status: number, headers: Record<string, string>) => ({ status, headers, http11: true });
  assert.deepEqual(bodyFraming("HEAD", head(200, { "content-length": "5" })), { kind: "none" });
  assert.deepEqual(bodyFraming("GET", head(304, { "content-length": "5" })), { kind: "none" });
  assert.deepEqual(bodyFraming("GET", head(204, {})), { kind: "none" });
  assert.deepEqual(
    bodyFraming("GET", head(200, { "transfer-encoding": "gzip, chunked", "content-length": "5" })),
    {
      kind: "chunked",
    },
  );
  assert.deepEqual(bodyFraming("GET", head(200, { "transfer-encoding": "gzip" })), { kind: "close" });
  assert.deepEqual(bodyFraming("GET", head(200, { "content-length": "7, 7" })), {
    kind: "length",
    length: 7,
  });
  assert.deepEqual(bodyFraming("GET", head(200, {})), { kind: "close" });
  assert.throws(() => bodyFraming("GET", head(200, { "content-length": "7, 8" })), /invalid content-length/);
  assert.throws(() => bodyFraming("GET", head(200, { "content-length": "-1" })), ProtocolError);
});

Deno.test("keepAlive() reuses HTTP/1.1 unless it says close, HTTP/1.0 only when it says keep-alive, and reads the timeout hint", () => {
  assert.deepEqual(keepAlive({ status: 200, headers: {}, http11: true }), { reusable: true });
  assert.deepEqual(keepAlive({ status: 200, headers: { connection: "Upgrade, Close" }, http11: true }), {
    reusable: false,
  });
  assert.deepEqual(keepAlive({ status: 200, headers: {}, http11: false }), { reusable: false });
  assert.deepEqual(
    keepAlive({
      status: 200,
      headers: { connection: "keep-alive", "keep-alive": "timeout=5, max=100" },
      http11: false,
    }),
    { reusable: true, serverTimeoutMs: 5_000 },
  );
});

Deno.test("assertHttpStart() accepts any prefix of HTTP/ and names TLS bytes or other text at once", () => {
  assertHttpStart(bytes("HT"));
  assertHttpStart(bytes("HTTP/"));
  assert.throws(() => assertHttpStart(new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02])), /answered in TLS/);
  assert.throws(
    () => assertHttpStart(bytes("SSH-2")),
    /invalid HTTP version: the answer starts with "SSH-2"/,
  );
  assert.throws(() => assertHttpStart(new Uint8Array([0x48, 0x00])), /starts with "H\?"/);
});

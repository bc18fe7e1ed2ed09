import assert from "node:assert/strict";
import { encodeRequest } from "../../../src/vault/http1/request_bytes.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("encodeRequest() writes the head and the UTF-8 body with its byte length, dropping framing headers it sets itself", () => {
  const bytes = encodeRequest({
    method: "POST",
    target: "/v1/vaults/v/t",
    host: "vault:8443",
    headers: {
      Authorization: "Bearer t",
      "Content-Length": "1",
      "Transfer-Encoding": "chunked",
      Host: "evil",
    },
    body: "ÄÖ",
  });
  assert.equal(
    text(bytes),
    "POST /v1/vaults/v/t HTTP/1.1\r\nhost: vault:8443\r\nAuthorization: Bearer t\r\ncontent-length: 4\r\n\r\nÄÖ",
  );
  const raw = encodeRequest({
    method: "POST",
    target: "/",
    host: "h",
    headers: {},
    body: new Uint8Array([1, 2]),
  });
  assert.deepEqual([...raw.subarray(raw.length - 2)], [1, 2]);
});

Deno.test("encodeRequest() sends Content-Length 0 for a POST without a body and none for a GET", () => {
  assert.match(
    text(encodeRequest({ method: "POST", target: "/", host: "h", headers: {} })),
    /content-length: 0\r\n\r\n$/,
  );
  assert.doesNotMatch(
    text(encodeRequest({ method: "GET", target: "/", host: "h", headers: {} })),
    /content-length/,
  );
});

Deno.test("encodeRequest() refuses a header whose value holds a line break (no header injection)", () => {
  assert.throws(
    () =>
      encodeRequest({
        method: "GET",
        target: "/",
        host: "h",
        headers: { Authorization: "Bearer t\r\nX: 1" },
      }),
    /invalid header: Authorization/,
  );
});

Deno.test("encodeRequest() encodes into the buffer it is given when there is room, and into a bigger one when not", () => {
  const request = { method: "POST", target: "/", host: "h", headers: {}, body: '{"a":"b"}' };
  const into = new Uint8Array(4096);
  const reused = encodeRequest(request, into);
  assert.equal(reused.buffer, into.buffer);
  assert.equal(text(reused), 'POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 9\r\n\r\n{"a":"b"}');
  const wide = { ...request, body: "✓".repeat(1000) }; // 3 bytes a character: past `into`'s room
  const grown = encodeRequest(wide, new Uint8Array(1200));
  assert.notEqual(grown.buffer.byteLength, 1200);
  assert.equal(text(grown), `POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 3000\r\n\r\n${"✓".repeat(1000)}`);
});

import assert from "node:assert/strict";
import {
  errorMessage,
  isExpiredTokenMessage,
  isTooLargeMessage,
  parseRetryAfter,
  tryJson,
} from "../../src/vault/envelope.ts";
import { EXPIRED_TOKEN_MESSAGE } from "../../src/vault/simulator/mod.ts";

Deno.test("errorMessage() reads the message of Skyflow's error envelope", () => {
  const body = JSON.stringify({
    error: { grpc_code: 5, http_code: 404, http_status: "Not Found", message: "Token not found for 1234" },
  });
  assert.equal(errorMessage(404, body), "Token not found for 1234");
});

Deno.test("errorMessage() reads a plain string error", () => {
  assert.equal(
    errorMessage(400, '{"error":"Insert failed. Table name card is invalid."}'),
    "Insert failed. Table name card is invalid.",
  );
});

Deno.test("errorMessage() reads a top-level message", () => {
  assert.equal(errorMessage(400, '{"message":"bad thing"}'), "bad thing");
});

Deno.test("errorMessage() keeps a non-JSON text body on one line", () => {
  assert.equal(errorMessage(502, "upstream\n  connect error\r\n"), "upstream connect error");
});

Deno.test("errorMessage() falls back to the status for HTML, empty and shapeless bodies", () => {
  assert.equal(errorMessage(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"), "HTTP 502");
  assert.equal(errorMessage(503, "  <!DOCTYPE html><p>x</p>"), "HTTP 503");
  assert.equal(errorMessage(500, ""), "HTTP 500");
  assert.equal(errorMessage(500, "   "), "HTTP 500");
  assert.equal(errorMessage(400, '{"error":{"code":7}}'), "HTTP 400");
  assert.equal(errorMessage(400, "[1,2]"), "HTTP 400");
});

Deno.test("errorMessage() shortens a very long message", () => {
  const message = errorMessage(400, JSON.stringify({ error: "x".repeat(1000) }));
  assert.equal(message.length, 300);
  assert.ok(message.endsWith("..."));
});

Deno.test("tryJson() returns undefined for empty and malformed text", () => {
  assert.equal(tryJson(""), undefined);
  assert.equal(tryJson("{nope"), undefined);
  assert.deepEqual(tryJson('{"a":1}'), { a: 1 });
});

Deno.test("parseRetryAfter() reads delta-seconds", () => {
  assert.equal(parseRetryAfter("3", 0), 3000);
  assert.equal(parseRetryAfter(" 1 ", 0), 1000);
  assert.equal(parseRetryAfter("0.5", 0), 500);
  assert.equal(parseRetryAfter("0", 0), 0);
});

Deno.test("parseRetryAfter() reads an HTTP-date relative to now", () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);
  assert.equal(parseRetryAfter("Fri, 02 Jan 2026 03:04:07 GMT", now), 2000);
  assert.equal(parseRetryAfter("Fri, 02 Jan 2026 03:04:00 GMT", now), 0, "a past date means now");
});

Deno.test("parseRetryAfter() returns undefined when absent or unreadable", () => {
  assert.equal(parseRetryAfter(undefined, 0), undefined);
  assert.equal(parseRetryAfter("soon", 0), undefined);
  assert.equal(parseRetryAfter("", 0), undefined);
});

Deno.test("isExpiredTokenMessage() recognises the simulator's exact expired-token message", () => {
  assert.equal(isExpiredTokenMessage(EXPIRED_TOKEN_MESSAGE), true);
  assert.equal(
    isExpiredTokenMessage(errorMessage(401, JSON.stringify({ error: { message: EXPIRED_TOKEN_MESSAGE } }))),
    true,
  );
  assert.equal(isExpiredTokenMessage("Authentication failed. Bearer token is invalid."), false);
});

Deno.test("isTooLargeMessage() recognises the simulator's too-many-records message", () => {
  assert.equal(isTooLargeMessage("Insert failed. Too many records: at most 50 per request."), true);
  assert.equal(isTooLargeMessage("Insert failed. Invalid value for column name."), false);
});

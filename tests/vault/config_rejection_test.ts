import assert from "node:assert/strict";
import { configRejection, isProtocolMismatch, rejectionSubject } from "../../src/vault/config_rejection.ts";

const envelope = (status: number, message: string) =>
  JSON.stringify({ error: { grpc_code: 3, http_code: status, http_status: "Bad Request", message } });

Deno.test("rejectionSubject tells a table or column the vault lacks from a data error that names a column", () => {
  assert.equal(
    rejectionSubject("Insert failed. Table name card_detail is invalid. Specify a valid table name."),
    "table",
  );
  assert.equal(rejectionSubject("Invalid field present in JSON namee"), "column");
  assert.equal(rejectionSubject("Insert failed. Invalid value for column name."), undefined);
  assert.equal(rejectionSubject("Insert failed. Value for unique column name already exists."), undefined);
});

Deno.test("configRejection reads a 400 envelope and a Batch answer whose every record names the table", () => {
  const table = "Insert failed. Table name x is invalid. Specify a valid table name.";
  assert.equal(configRejection(400, envelope(400, table)), table);
  assert.equal(
    configRejection(400, envelope(400, "Insert failed. Invalid value for column ssn.")),
    undefined,
  );
  assert.equal(configRejection(200, envelope(400, table)), undefined, "a 2xx other than 207 is never one");
  const entry = { Status: 400, Body: { error: table } };
  assert.equal(configRejection(207, JSON.stringify({ responses: [entry, entry] })), table);
  const mixed = { responses: [entry, { Status: 200, Body: { records: [] } }] };
  assert.equal(configRejection(207, JSON.stringify(mixed)), undefined);
  assert.equal(
    configRejection(400, JSON.stringify({ responses: [entry] })),
    table,
    "all failed: a 4xx with responses",
  );
});

Deno.test("isProtocolMismatch recognises TLS spoken to a plain-HTTP port, and not a refused connection", () => {
  assert.ok(
    isProtocolMismatch("client error (Connect): received corrupt message of type InvalidContentType"),
  );
  assert.ok(isProtocolMismatch("write EPROTO 140:error:0A00010B:SSL routines::wrong version number"));
  assert.ok(!isProtocolMismatch("client error (Connect): tcp connect error: Connection refused"));
});

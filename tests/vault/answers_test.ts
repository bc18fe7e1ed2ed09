import assert from "node:assert/strict";
import { batchEntries, insertAccounted } from "../../src/vault/answers.ts";

Deno.test("insertAccounted() accepts one records[] entry with a skyflow_id per record sent", () => {
  assert.equal(insertAccounted('{"records":[{"skyflow_id":"a"},{"skyflow_id":"b","tokens":{}}]}', 2), true);
});

Deno.test("insertAccounted() refuses HTML, {}, a short list, and entries without a skyflow_id", () => {
  assert.equal(insertAccounted("<html><body>OK</body></html>", 1), false);
  assert.equal(insertAccounted("{}", 1), false);
  assert.equal(insertAccounted("", 1), false);
  assert.equal(insertAccounted('{"records":[{"skyflow_id":"a"}]}', 2), false);
  assert.equal(insertAccounted('{"records":[{"skyflow_id":"a"},{"tokens":{}}]}', 2), false);
  assert.equal(insertAccounted('{"records":[{"skyflow_id":""}]}', 1), false);
});

Deno.test("batchEntries() reads each record's status and own message, whatever the HTTP status", () => {
  const body = JSON.stringify({
    vaultID: "v",
    responses: [
      { Status: 200, Body: { records: [{ skyflow_id: "a" }] } },
      { Status: 400, Body: { error: "Insert failed.\n Invalid value." } },
      { Status: 409, Body: {} },
    ],
  });
  assert.deepEqual(batchEntries(body, 3), [
    { status: 200, message: "" },
    { status: 400, message: "Insert failed. Invalid value." },
    { status: 409, message: "HTTP 409" },
  ]);
});

Deno.test("batchEntries() gives undefined for a body that does not account for every record", () => {
  assert.equal(batchEntries("<html></html>", 1), undefined);
  assert.equal(batchEntries("{}", 1), undefined);
  assert.equal(batchEntries('{"responses":[{"Status":200}]}', 2), undefined);
  assert.equal(batchEntries('{"responses":[{"Status":200},{"Body":{}}]}', 2), undefined);
});

Deno.test("insertAccounted() reads a formatted body as well as a compact one", () => {
  const formatted = JSON.stringify({ records: [{ skyflow_id: "a" }, { skyflow_id: "b" }] }, null, 2);
  assert.equal(insertAccounted(formatted, 2), true);
  assert.equal(insertAccounted(formatted, 3), false);
  assert.equal(
    insertAccounted('{"records":[{"skyflow_id":"a","tokens":{"name":"\\"skyflow_id\\":\\"x"}}]}', 1),
    true,
  );
  assert.equal(insertAccounted('{"records":[{"skyflow_id":"a"}],"x":{"skyflow_id":"b"}}', 1), true);
});

Deno.test("insertAccounted() counts only skyflow_id keys, not other keys ending in _id", () => {
  const entry = (id: string) => `{"request_id":"r","skyflow_id":"${id}","tokens":{"name_id":"t"}}`;
  assert.equal(insertAccounted(`{"records":[${entry("a")},${entry("b")}]}`, 2), true);
  assert.equal(insertAccounted(`{"records":[${entry("a")},{"vault_id":"b"}]}`, 2), false);
  assert.equal(insertAccounted(`{"records":[{"xskyflow_id":"a"},{"skyflow_id":"b"}]}`, 2), false);
  assert.equal(insertAccounted(`{"records":[{"_id":"a"},{"skyflow_id":"b"}]}`, 2), false);
});

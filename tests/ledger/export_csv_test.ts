import assert from "node:assert/strict";
import { writeFailuresCsv } from "../../src/ledger/mod.ts";

Deno.test("writeFailuresCsv() writes value,token,status,message,request_id with RFC 4180 quoting and mode 0600", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-csv-" });
  const path = `${dir}/failures_NAME_20260102_030405.csv`;
  const rows = writeFailuresCsv({
    path,
    rows: [
      { value: "MARY SMITH", token: "tok-1", status: 400, message: "Invalid value", requestId: "req-1" },
      { value: 'say "hi", now', token: "tok,2", status: 0, message: "network:\nreset" },
    ],
  });
  assert.equal(rows, 2);
  assert.equal(
    Deno.readTextFileSync(path),
    "value,token,status,message,request_id\n" +
      "MARY SMITH,tok-1,400,Invalid value,req-1\n" +
      '"say ""hi"", now","tok,2",0,"network:\nreset",\n',
  );
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["failures_NAME_20260102_030405.csv"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("writeFailuresCsv() replaces an existing file and can end lines with CRLF", () => {
  const dir = Deno.makeTempDirSync({ prefix: "byot-csv-" });
  const path = `${dir}/out.csv`;
  Deno.writeTextFileSync(path, "old content that is longer than the new one\n", { mode: 0o644 });
  writeFailuresCsv({ path, rows: [], lineEnding: "\r\n" });
  assert.equal(Deno.readTextFileSync(path), "value,token,status,message,request_id\r\n");
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  Deno.removeSync(dir, { recursive: true });
});

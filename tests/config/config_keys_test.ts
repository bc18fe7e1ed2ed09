import assert from "node:assert/strict";
import { unknownConfigKeys } from "../../src/config/config_keys.ts";

Deno.test("unknownConfigKeys() knows every section byot reads, metrics included", () => {
  const config = {
    skyflow: { vault_url: "u", vaults: [{ name: "NAME", id: "v", column: "name", table: "name" }] },
    csv: { data_directory: "d" },
    performance: { batch_size: 25, max_concurrency: 8 },
    snowflake: { user: "u", queries: { NAME: { sql: "select 1" } } },
    metrics: { addr: "127.0.0.1:9464", sample_interval_s: 10 },
  };
  assert.deepEqual(unknownConfigKeys(config), []);
});

Deno.test("unknownConfigKeys() names a misspelt key with the key it most likely meant", () => {
  assert.deepEqual(unknownConfigKeys({ metrics: { adr: "x" }, performance: { batchsize: 50 } }), [
    { path: "metrics.adr", suggestion: "metrics.addr" },
    { path: "performance.batchsize", suggestion: "performance.batch_size" },
  ]);
});

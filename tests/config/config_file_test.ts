import assert from "node:assert/strict";
import { ConfigError } from "../../src/common/errors.ts";
import { parseConfigText, readConfigFile } from "../../src/config/config_file.ts";
import { findJsonErrorOffset } from "../../src/config/_json_error.ts";

/** The Go loader's config.example.json, byte for byte. */
const GO_EXAMPLE = `{
  "skyflow": {
    "vault_url": "https://YOUR_VAULT_URL.vault.skyflowapis.com",
    "bearer_token": "",
    "vaults": [
      {
        "name": "NAME",
        "id": "YOUR_NAME_VAULT_ID",
        "column": "name"
      },
      {
        "name": "ID",
        "id": "YOUR_ID_VAULT_ID",
        "column": "id"
      },
      {
        "name": "DOB",
        "id": "YOUR_DOB_VAULT_ID",
        "column": "dob"
      },
      {
        "name": "SSN",
        "id": "YOUR_SSN_VAULT_ID",
        "column": "ssn"
      }
    ]
  },
  "snowflake": {
    "user": "",
    "password": "",
    "authenticator": "",
    "account": "YOUR_ACCOUNT_IDENTIFIER",
    "warehouse": "YOUR_WAREHOUSE",
    "database": "YOUR_DATABASE",
    "schema": "PUBLIC",
    "role": "YOUR_ROLE",
    "fetch_size": 100000,
    "query_mode": "simple"
  },
  "csv": {
    "data_directory": "data"
  },
  "performance": {
    "batch_size": 25,
    "max_concurrency": 32,
    "max_records": 100,
    "append_suffix": true,
    "base_delay_ms": 0
  }
}
`;

const SECRET = "tok_FAKE_SECRET_7f3a9c";

function configError(text: string): ConfigError {
  try {
    parseConfigText(text, "config.json");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("readConfigFile() parses the Go loader's example config unchanged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/config.json`;
    await Deno.writeTextFile(path, GO_EXAMPLE);
    const config = await readConfigFile(path);
    assert.equal(config.path, path);
    assert.deepEqual(config.skyflow, {
      vaultUrl: "https://YOUR_VAULT_URL.vault.skyflowapis.com",
      bearerToken: "",
      vaults: [
        { name: "NAME", id: "YOUR_NAME_VAULT_ID", column: "name" },
        { name: "ID", id: "YOUR_ID_VAULT_ID", column: "id" },
        { name: "DOB", id: "YOUR_DOB_VAULT_ID", column: "dob" },
        { name: "SSN", id: "YOUR_SSN_VAULT_ID", column: "ssn" },
      ],
      continueOnError: undefined,
      byotMode: undefined,
      credentialsFile: undefined,
      roles: undefined,
    });
    assert.deepEqual(config.csv, {
      dataDirectory: "data",
      file: undefined,
      valueColumn: undefined,
      tokenColumn: undefined,
    });
    assert.deepEqual(config.performance, {
      batchSize: 25,
      maxConcurrency: 32,
      maxRecords: 100,
      appendSuffix: true,
      baseDelayMs: 0,
      upsert: undefined,
      maxAttempts: undefined,
      requestTimeoutMs: undefined,
      concurrencyAuto: undefined,
      maxRps: undefined,
    });
    assert.deepEqual(config.snowflake, {
      user: "",
      password: "",
      authenticator: "",
      account: "YOUR_ACCOUNT_IDENTIFIER",
      warehouse: "YOUR_WAREHOUSE",
      database: "YOUR_DATABASE",
      schema: "PUBLIC",
      role: "YOUR_ROLE",
      fetchSize: 100000,
      queryMode: "simple",
      raw: {},
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readConfigFile() parses the repository's config.example.json", async () => {
  const config = await readConfigFile(new URL("../../config.example.json", import.meta.url).pathname);
  assert.deepEqual(config.skyflow.vaults.map((v) => `${v.name}/${v.column}`), [
    "NAME/name",
    "ID/id",
    "DOB/dob",
    "SSN/ssn",
  ]);
  assert.equal(config.skyflow.bearerToken, "");
  assert.equal(config.performance.batchSize, 25);
  assert.equal(config.performance.maxConcurrency, 32);
});

Deno.test("parseConfigText() reads byot's additions and keeps unknown snowflake keys raw", () => {
  const config = parseConfigText(
    JSON.stringify({
      comment: "unknown top-level keys are ignored",
      skyflow: {
        vaults: [{ name: "SSN", id: "v1", column: "ssn", table: "persons", extra: 1 }],
        continue_on_error: true,
        byot_mode: "ENABLE_STRICT",
      },
      csv: { file: "pairs.csv", value_column: "v", token_column: "t" },
      performance: { upsert: true, max_attempts: 3, request_timeout_ms: 5000, later: "x" },
      snowflake: {
        access_url: "http://localhost:1",
        private_key_path: "key.p8",
        private_key_passphrase: "pp",
        token: "pat",
        table: "DB.S.T",
        union: { database: "D" },
      },
    }),
    "c.json",
  );
  assert.deepEqual(config.skyflow.vaults, [{ name: "SSN", id: "v1", column: "ssn", table: "persons" }]);
  assert.equal(config.skyflow.continueOnError, true);
  assert.equal(config.skyflow.byotMode, "ENABLE_STRICT");
  assert.deepEqual(config.csv, {
    dataDirectory: undefined,
    file: "pairs.csv",
    valueColumn: "v",
    tokenColumn: "t",
  });
  assert.equal(config.performance.upsert, true);
  assert.equal(config.performance.maxAttempts, 3);
  assert.equal(config.performance.requestTimeoutMs, 5000);
  assert.equal(config.snowflake.accessUrl, "http://localhost:1");
  assert.equal(config.snowflake.privateKeyPath, "key.p8");
  assert.equal(config.snowflake.privateKeyPassphrase, "pp");
  assert.equal(config.snowflake.token, "pat");
  assert.deepEqual(config.snowflake.raw, { table: "DB.S.T", union: { database: "D" } });
});

Deno.test("parseConfigText() treats null and missing sections as absent", () => {
  const config = parseConfigText('{"skyflow": null, "performance": {"batch_size": null}}', "c.json");
  assert.deepEqual(config.skyflow.vaults, []);
  assert.equal(config.performance.batchSize, undefined);
  assert.deepEqual(parseConfigText("{}", "c.json").snowflake, { raw: {} });
});

Deno.test("parseConfigText() accepts a UTF-8 byte order mark", () => {
  assert.equal(parseConfigText('\uFEFF{"csv": {"data_directory": "d"}}', "c.json").csv.dataDirectory, "d");
});

Deno.test("parseConfigText() names the file and key path of a value of the wrong type", () => {
  const cases: [string, string][] = [
    [
      '{"performance": {"batch_size": "abc"}}',
      'config.json: performance.batch_size must be a number (got "abc")',
    ],
    [
      '{"performance": {"upsert": "yes"}}',
      'config.json: performance.upsert must be true or false (got "yes")',
    ],
    ['{"skyflow": {"vault_url": 42}}', "config.json: skyflow.vault_url must be a string (got 42)"],
    [
      '{"skyflow": {"vaults": {"name": "x"}}}',
      'config.json: skyflow.vaults must be an array (got {"name":"x"})',
    ],
    ['{"skyflow": {"vaults": ["NAME"]}}', 'config.json: skyflow.vaults[0] must be an object (got "NAME")'],
    [
      '{"skyflow": {"vaults": [{"name": "A", "id": "a", "column": "a"}, {"name": "B", "id": 5}]}}',
      "config.json: skyflow.vaults[1].id must be a string (got 5)",
    ],
    ['{"csv": "data"}', 'config.json: csv must be an object (got "data")'],
    [
      '{"snowflake": {"fetch_size": "100"}}',
      'config.json: snowflake.fetch_size must be a number (got "100")',
    ],
    ["[1, 2]", "config.json: the top level must be an object (got [1,2])"],
    ['{"performance": {"batch_size": "' + "x".repeat(80) + '"}}', "config.json: performance.batch_size"],
  ];
  for (const [text, message] of cases) {
    const error = configError(text);
    assert.ok(error.message.startsWith(message), `${error.message}\n  expected: ${message}`);
    assert.ok(error.message.length < 140, error.message);
  }
});

Deno.test("parseConfigText() never quotes a secret of the wrong type", () => {
  for (
    const text of [
      `{"skyflow": {"bearer_token": ["${SECRET}"]}}`,
      `{"skyflow": {"bearer_token": {"value": "${SECRET}"}}}`,
      `{"snowflake": {"password": ["${SECRET}"]}}`,
      `{"snowflake": {"private_key_passphrase": ["${SECRET}"]}}`,
      `{"snowflake": {"token": ["${SECRET}"]}}`,
    ]
  ) {
    const error = configError(text);
    assert.match(error.message, /must be a string \(got an? (array|object)\)$/);
    assert.ok(!error.message.includes(SECRET), error.message);
  }
  assert.equal(
    configError('{"skyflow": {"bearer_token": 1234567}}').message,
    "config.json: skyflow.bearer_token must be a string (got a number)",
  );
});

Deno.test("parseConfigText() reports invalid JSON with its line and column, without quoting the file", () => {
  const cases: [string, string][] = [
    [
      '{\n  "a": 1,\n}',
      "config.json: invalid JSON at line 3, column 1: expected double-quoted property name",
    ],
    [
      '{\n  "a": 1\n  "b": 2\n}',
      "config.json: invalid JSON at line 3, column 3: expected ',' or '}' after property value",
    ],
    ["", "config.json: invalid JSON at line 1, column 1: unexpected end of JSON input"],
    [
      '{"a": 1} x',
      "config.json: invalid JSON at line 1, column 10: unexpected non-whitespace character after JSON",
    ],
    [
      `{"skyflow": {\n  "bearer_token": ${SECRET}\n}}`,
      "config.json: invalid JSON at line 2, column 19: unexpected token",
    ],
  ];
  for (const [text, message] of cases) {
    const error = configError(text);
    assert.equal(error.message, message);
    assert.ok(!error.message.includes(SECRET.slice(1)));
  }
});

Deno.test("findJsonErrorOffset() finds the first syntax error of a JSON text", () => {
  const cases: [string, number][] = [
    ['{"a": [1, 2, true, null, "x\\n"]}', 32],
    ['{"a": tru}', 6],
    ['{"a": 01}', 7],
    ['{"a" 1}', 5],
    ['["\\x"]', 3],
    ['["a', 3],
    ["[1] 2", 4],
  ];
  for (const [text, offset] of cases) assert.equal(findJsonErrorOffset(text), offset, text);
});

Deno.test("readConfigFile() rejects a missing file with a ConfigError naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readConfigFile(`${dir}/none.json`), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `config file "${dir}/none.json" not found`);
      assert.ok(error.cause instanceof Deno.errors.NotFound);
      return true;
    });
    await assert.rejects(readConfigFile(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^cannot read config file "/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { ConfigError } from "../../../src/common/errors.ts";
import type { VaultSpec } from "../../../src/common/types.ts";
import type { SnowflakeSettings } from "../../../src/config/settings.ts";
import {
  baseQueryText,
  orderedQuery,
  qualifyTable,
  queryModeOf,
  resultScanQuery,
  snowflakeQueryText,
} from "../../../src/sources/snowflake/queries.ts";

const vault = (column: string, name = column.toUpperCase()): VaultSpec => ({
  name,
  id: "v1",
  column,
  table: column,
});

function throwsConfig(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

// The Go loader's queries (legacy-go-loader.md §5.2), verbatim.
const LEGACY_SIMPLE_NAME = `SELECT DISTINCT UPPER(full_name) AS full_name, full_name_token
        FROM ELEVANCE.PUBLIC.PATIENTS
        WHERE full_name IS NOT NULL AND full_name_token IS NOT NULL`;
const LEGACY_SIMPLE_DOB = `SELECT DISTINCT TO_VARCHAR(dob) AS dob, dob_token
        FROM ELEVANCE.PUBLIC.PATIENTS
        WHERE dob IS NOT NULL AND dob_token IS NOT NULL`;
const LEGACY_GENERIC_ID = `SELECT ID, ID_TOKEN
FROM (
  SELECT SRC_ENRLMNT_ID AS ID, SRC_ENRLMNT_ID_TOKEN AS ID_TOKEN FROM DB.SCHEMA.CLAIMS GROUP BY 1, 2
  UNION SELECT SRC_ENRLMNT_ID AS ID, SRC_ENRLMNT_ID_TOKEN AS ID_TOKEN FROM DB.SCHEMA.MEMBERS GROUP BY 1, 2
  UNION SELECT SRC_HC_ID AS ID, SRC_HC_ID_TOKEN AS ID_TOKEN FROM DB.SCHEMA.CLAIMS GROUP BY 1, 2
  UNION SELECT HC_ID AS ID, HC_ID_TOKEN AS ID_TOKEN FROM DB.SCHEMA.MEMBERS GROUP BY 1, 2
  UNION SELECT SRC_SBSCRBR_ID AS ID, SRC_SBSCRBR_ID_TOKEN AS ID_TOKEN FROM DB.SCHEMA.CLAIMS GROUP BY 1, 2
  UNION SELECT SBSCRBR_ID AS ID, SBSCRBR_ID_TOKEN AS ID_TOKEN FROM DB.SCHEMA.MEMBERS GROUP BY 1, 2
) DT
GROUP BY 1, 2`;
const LEGACY_GENERIC_DOB = `SELECT BRTH_DT, BRTH_DT_TOKEN
FROM (
  SELECT SRC_MBR_BRTH_DT AS BRTH_DT, SRC_MBR_BRTH_DT_TOKEN AS BRTH_DT_TOKEN FROM DB.SCHEMA.CLM
  UNION SELECT BRTH_DT, BRTH_DT_TOKEN FROM DB.SCHEMA.MBR
) DT
GROUP BY 1, 2`;
const LEGACY_UNION_NAME = `SELECT NAME, T01_PROTEGRITY.SCRTY_ACS_CNTRL.SKFL_MBR_NAME_DETOK(NAME) AS name_token
FROM (
  SELECT SRC_MBR_FRST_NM AS NAME FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT FRST_NM AS NAME FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
  UNION SELECT SRC_MBR_LAST_NM AS NAME FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT LAST_NM AS NAME FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
  UNION SELECT SRC_MBR_MID_INIT_NM AS NAME FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT MID_INIT_NM AS NAME FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
) DT
GROUP BY 1, 2`;
const LEGACY_UNION_ID = `SELECT ID, T01_PROTEGRITY.SCRTY_ACS_CNTRL.SKFL_MBR_IDENTIFIERS_DETOK(ID) AS id_token
FROM (
  SELECT SRC_ENRLMNT_ID AS ID FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT SRC_ENRLMNT_ID AS ID FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
  UNION SELECT SRC_HC_ID AS ID FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT HC_ID AS ID FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
  UNION SELECT SRC_SBSCRBR_ID AS ID FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT SBSCRBR_ID AS ID FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
) DT
GROUP BY 1, 2`;
const LEGACY_UNION_DOB =
  `SELECT BRTH_DT, T01_PROTEGRITY.SCRTY_ACS_CNTRL.SKFL_BIRTHDATE_DETOK(BRTH_DT) AS dob_token
FROM (
  SELECT SRC_MBR_BRTH_DT AS BRTH_DT FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM
  UNION SELECT BRTH_DT FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR
) DT
GROUP BY 1, 2`;
const LEGACY_UNION_SSN = `SELECT SSN, T01_PROTEGRITY.SCRTY_ACS_CNTRL.SKFL_SSN_DETOK(SSN) AS ssn_token
FROM (
  SELECT SRC_MBR_SSN AS SSN FROM D01_SKYFLOW_POC.SKYFLOW_POC.CLM GROUP BY 1
  UNION SELECT SSN FROM D01_SKYFLOW_POC.SKYFLOW_POC.MBR GROUP BY 1
) DT
GROUP BY 1, 2`;

Deno.test("baseQueryText() gives the Go loader's simple-mode queries verbatim, default table included", () => {
  assert.equal(baseQueryText({}, vault("name")), LEGACY_SIMPLE_NAME);
  assert.equal(baseQueryText({ queryMode: "simple" }, vault("dob")), LEGACY_SIMPLE_DOB);
  assert.equal(
    baseQueryText({ table: "PATIENTS", database: "D", schema: "S" }, vault("id")),
    "SELECT DISTINCT TO_VARCHAR(id) AS id, id_token\n        FROM D.S.PATIENTS\n" +
      "        WHERE id IS NOT NULL AND id_token IS NOT NULL",
  );
  assert.match(baseQueryText({}, vault("email")), /TO_VARCHAR\(email\) AS email, email_token/);
  throwsConfig(() => baseQueryText({}, vault("e-mail")), /mode "simple" cannot query column "e-mail"/);
});

Deno.test("baseQueryText() gives the Go loader's generic and union queries verbatim", () => {
  const generic: SnowflakeSettings = {
    queryMode: "generic",
    database: "DB",
    schema: "SCHEMA",
    clmTable: "CLAIMS",
    mbrTable: "MEMBERS",
  };
  assert.equal(baseQueryText(generic, vault("id")), LEGACY_GENERIC_ID);
  assert.equal(
    baseQueryText({ queryMode: "generic", database: "DB", schema: "SCHEMA" }, vault("dob")),
    LEGACY_GENERIC_DOB,
  );
  assert.equal(baseQueryText({ queryMode: "union" }, vault("name")), LEGACY_UNION_NAME);
  assert.equal(baseQueryText({ queryMode: "UNION" }, vault("id")), LEGACY_UNION_ID);
  assert.equal(baseQueryText({ queryMode: "union" }, vault("dob")), LEGACY_UNION_DOB);
  assert.equal(baseQueryText({ queryMode: "union", database: "IGNORED" }, vault("ssn")), LEGACY_UNION_SSN);
});

Deno.test("baseQueryText() takes union-mode names from config instead of the hard-coded ones", () => {
  const settings: SnowflakeSettings = {
    queryMode: "union",
    union: { database: "PROD", schema: "PII", clmTable: "CLAIMS", udfPrefix: "SEC.UDF" },
  };
  const sql = baseQueryText(settings, vault("ssn"));
  assert.equal(
    sql,
    LEGACY_UNION_SSN.replace("T01_PROTEGRITY.SCRTY_ACS_CNTRL", "SEC.UDF")
      .replace("D01_SKYFLOW_POC.SKYFLOW_POC.CLM", "PROD.PII.CLAIMS")
      .replace("D01_SKYFLOW_POC.SKYFLOW_POC.MBR", "PROD.PII.MBR"),
  );
  assert.doesNotMatch(sql, /IS NOT NULL/, "union mode yields NULL rows as skipped items instead");
});

Deno.test("baseQueryText() refuses a column that generic or union mode cannot serve, naming both", () => {
  throwsConfig(
    () => baseQueryText({ queryMode: "union" }, vault("email")),
    /mode "union" has no query for column "email"/,
  );
  throwsConfig(() => baseQueryText({ queryMode: "generic" }, vault("phone")), /mode "generic" .* "phone"/);
  throwsConfig(() => queryModeOf({ queryMode: "fancy" }), /unknown Snowflake query mode "fancy"/);
});

Deno.test("baseQueryText() builds custom queries from a table and columns or wraps full SQL", () => {
  const settings: SnowflakeSettings = {
    queryMode: "custom",
    database: "DB",
    schema: "S",
    queries: {
      name: { table: "PEOPLE", valueColumn: "FULL_NAME", tokenColumn: "NAME_TOK" },
      Ssn: { sql: "SELECT ssn, tok FROM x WHERE ok ;  " },
      DOB: { table: "OTHER.DOBS" },
    },
  };
  assert.equal(
    baseQueryText(settings, vault("name", "NAME")),
    "SELECT FULL_NAME, NAME_TOK\nFROM DB.S.PEOPLE",
  );
  assert.equal(
    baseQueryText(settings, vault("ssn", "SSN")),
    "SELECT * FROM (\nSELECT ssn, tok FROM x WHERE ok\n)",
  );
  assert.equal(baseQueryText(settings, vault("dob", "dob")), "SELECT dob, dob_token\nFROM DB.OTHER.DOBS");
  throwsConfig(() => baseQueryText(settings, vault("id", "ID")), /mode "custom" has no query for vault "ID"/);
  throwsConfig(
    () => baseQueryText({ queryMode: "custom", queries: { ID: {} } }, vault("id")),
    /snowflake.queries.ID: set "table"/,
  );
});

Deno.test("snowflakeQueryText() always orders by (value, token) and pushes a range down only after it", () => {
  const plain = snowflakeQueryText({}, vault("name"));
  assert.equal(plain, `${LEGACY_SIMPLE_NAME}\nORDER BY 1, 2`);
  assert.doesNotMatch(plain, /LIMIT|OFFSET/);
  assert.equal(
    snowflakeQueryText({}, vault("name"), { startRecord: 10, maxRecords: 5 }),
    `${LEGACY_SIMPLE_NAME}\nORDER BY 1, 2\nLIMIT 5 OFFSET 10`,
  );
  assert.equal(
    orderedQuery("SELECT 1, 2", { startRecord: 7 }),
    "SELECT 1, 2\nORDER BY 1, 2\nLIMIT NULL OFFSET 7",
  );
  assert.equal(
    orderedQuery("SELECT 1, 2", { maxRecords: 3 }),
    "SELECT 1, 2\nORDER BY 1, 2\nLIMIT 3 OFFSET 0",
  );
  for (const mode of ["simple", "generic", "union"]) {
    const sql = snowflakeQueryText({ queryMode: mode }, vault("ssn"), { maxRecords: 1 });
    assert.ok(sql.indexOf("ORDER BY 1, 2") < sql.indexOf("LIMIT"), `${mode}: ORDER BY before LIMIT`);
  }
  throwsConfig(() => orderedQuery("SELECT 1", { startRecord: -1 }), /start record must be a non-negative/);
});

Deno.test("qualifyTable() prepends the configured database and schema to partial names only", () => {
  const ds = { database: "DB", schema: "S" };
  assert.equal(qualifyTable("T", ds), "DB.S.T");
  assert.equal(qualifyTable("X.T", ds), "DB.X.T");
  assert.equal(qualifyTable("A.B.T", ds), "A.B.T");
  assert.equal(qualifyTable('"my.table"', ds), 'DB.S."my.table"');
  assert.equal(qualifyTable("T", {}), "T");
  assert.equal(qualifyTable("T", { schema: "S" }), "S.T");
});

Deno.test("resultScanQuery() re-reads a stored result in the same order and rejects odd ids", () => {
  assert.equal(
    resultScanQuery("01b71944-0001-b181-0000-0129032279f6"),
    "SELECT * FROM TABLE(RESULT_SCAN('01b71944-0001-b181-0000-0129032279f6'))\nORDER BY 1, 2",
  );
  throwsConfig(() => resultScanQuery("x'); DROP TABLE t; --"), /not a Snowflake query id/);
});

Deno.test("snowflakeQueryText() keeps only the shard's rows after the ordered range", () => {
  const vault = { name: "SSN", id: "v", column: "ssn", table: "ssn" };
  const sql = snowflakeQueryText({ database: "DB", schema: "S" }, vault, {
    startRecord: 10,
    maxRecords: 100,
    shard: { index: 2, count: 8 },
  });
  assert.match(
    sql,
    /^SELECT \* FROM \(\n[\s\S]*ORDER BY 1, 2\nLIMIT 100 OFFSET 10\n\)\nWHERE MOD\(ABS\(HASH\(\$1, \$2\)\), 8\) = 2\nORDER BY 1, 2$/,
  );
  assert.doesNotMatch(snowflakeQueryText({}, vault, { shard: { index: 0, count: 1 } }), /HASH/);
});

/**
 * The Go loader's queries (`main.go:557-703`), verbatim but for names config can now change. Pure
 * text builders; `queries.ts` picks one per mode and adds byot's ORDER BY and range.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { SnowflakeUnionNames } from "../../config/settings.ts";

/** The columns the legacy generic and union modes have queries for. */
export const LEGACY_COLUMNS = ["name", "id", "dob", "ssn"] as const;
/** One of {@linkcode LEGACY_COLUMNS}. */
export type LegacyColumn = typeof LEGACY_COLUMNS[number];

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

function wrap(select: string, branches: string[]): string {
  return [select, "FROM (", `  ${branches.join("\n  UNION ")}`, ") DT", "GROUP BY 1, 2"].join("\n");
}

/**
 * Legacy simple mode (`main.go:557-571`), generalised from `id` to any plain column name. Keeps the
 * legacy NULL filter. `name` is read as `UPPER(full_name) AS full_name`, exactly as the Go loader
 * did: this changes the values loaded (upper case), and with DISTINCT one value can get several
 * tokens.
 *
 * @throws {ConfigError} when `column` is not a plain identifier.
 */
export function legacySimpleQuery(table: string, column: string): string {
  if (column.toLowerCase() === "name") {
    return [
      "SELECT DISTINCT UPPER(full_name) AS full_name, full_name_token",
      `        FROM ${table}`,
      "        WHERE full_name IS NOT NULL AND full_name_token IS NOT NULL",
    ].join("\n");
  }
  if (!PLAIN_IDENTIFIER.test(column)) {
    throw new ConfigError(
      `Snowflake query mode "simple" cannot query column "${column}" (not a plain column name); ` +
        `use query_mode "custom"`,
    );
  }
  return [
    `SELECT DISTINCT TO_VARCHAR(${column}) AS ${column}, ${column}_token`,
    `        FROM ${table}`,
    `        WHERE ${column} IS NOT NULL AND ${column}_token IS NOT NULL`,
  ].join("\n");
}

/** Legacy generic mode (`main.go:587-639`) over the qualified CLM and MBR tables. */
export function legacyGenericQuery(clm: string, mbr: string, column: LegacyColumn): string {
  const pair = (src: string, as: string, table: string) =>
    `SELECT ${src} AS ${as}, ${src}_TOKEN AS ${as}_TOKEN FROM ${table} GROUP BY 1, 2`;
  switch (column) {
    case "name":
      return wrap("SELECT NAME, NAME_TOKEN", [
        pair("SRC_MBR_FRST_NM", "NAME", clm),
        pair("FRST_NM", "NAME", mbr),
        pair("SRC_MBR_LAST_NM", "NAME", clm),
        pair("LAST_NM", "NAME", mbr),
        pair("SRC_MBR_MID_INIT_NM", "NAME", clm),
        pair("MID_INIT_NM", "NAME", mbr),
      ]);
    case "id":
      return wrap("SELECT ID, ID_TOKEN", [
        pair("SRC_ENRLMNT_ID", "ID", clm),
        pair("SRC_ENRLMNT_ID", "ID", mbr),
        pair("SRC_HC_ID", "ID", clm),
        pair("HC_ID", "ID", mbr),
        pair("SRC_SBSCRBR_ID", "ID", clm),
        pair("SBSCRBR_ID", "ID", mbr),
      ]);
    case "dob":
      return wrap("SELECT BRTH_DT, BRTH_DT_TOKEN", [
        `SELECT SRC_MBR_BRTH_DT AS BRTH_DT, SRC_MBR_BRTH_DT_TOKEN AS BRTH_DT_TOKEN FROM ${clm}`,
        `SELECT BRTH_DT, BRTH_DT_TOKEN FROM ${mbr}`,
      ]);
    case "ssn":
      return wrap("SELECT SSN, SSN_TOKEN", [
        `SELECT SRC_MBR_SSN AS SSN, SRC_MBR_SSN_TOKEN AS SSN_TOKEN FROM ${clm} GROUP BY 1, 2`,
        `SELECT SSN, SSN_TOKEN FROM ${mbr} GROUP BY 1, 2`,
      ]);
  }
}

/** Legacy union mode (`main.go:651-703`) with configurable names. */
export function legacyUnionQuery(names: Required<SnowflakeUnionNames>, c: LegacyColumn): string {
  const clm = `${names.database}.${names.schema}.${names.clmTable}`;
  const mbr = `${names.database}.${names.schema}.${names.mbrTable}`;
  const udf = (name: string) => `${names.udfPrefix}.${name}`;
  const one = (src: string, as: string, table: string) => `SELECT ${src} AS ${as} FROM ${table} GROUP BY 1`;
  switch (c) {
    case "name":
      return wrap(`SELECT NAME, ${udf("SKFL_MBR_NAME_DETOK")}(NAME) AS name_token`, [
        one("SRC_MBR_FRST_NM", "NAME", clm),
        one("FRST_NM", "NAME", mbr),
        one("SRC_MBR_LAST_NM", "NAME", clm),
        one("LAST_NM", "NAME", mbr),
        one("SRC_MBR_MID_INIT_NM", "NAME", clm),
        one("MID_INIT_NM", "NAME", mbr),
      ]);
    case "id":
      return wrap(`SELECT ID, ${udf("SKFL_MBR_IDENTIFIERS_DETOK")}(ID) AS id_token`, [
        one("SRC_ENRLMNT_ID", "ID", clm),
        one("SRC_ENRLMNT_ID", "ID", mbr),
        one("SRC_HC_ID", "ID", clm),
        one("HC_ID", "ID", mbr),
        one("SRC_SBSCRBR_ID", "ID", clm),
        one("SBSCRBR_ID", "ID", mbr),
      ]);
    case "dob":
      return wrap(`SELECT BRTH_DT, ${udf("SKFL_BIRTHDATE_DETOK")}(BRTH_DT) AS dob_token`, [
        `SELECT SRC_MBR_BRTH_DT AS BRTH_DT FROM ${clm}`,
        `SELECT BRTH_DT FROM ${mbr}`,
      ]);
    case "ssn":
      return wrap(`SELECT SSN, ${udf("SKFL_SSN_DETOK")}(SSN) AS ssn_token`, [
        `SELECT SRC_MBR_SSN AS SSN FROM ${clm} GROUP BY 1`,
        `SELECT SSN FROM ${mbr} GROUP BY 1`,
      ]);
  }
}

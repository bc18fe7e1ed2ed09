/**
 * The legacy Go loader's error-log JSON: read back and served as a source (`--source error-log`),
 * and written in the same shape by `byot failures export --format legacy`.
 *
 * @module
 */
export * from "./reader.ts";
export * from "./writer.ts";

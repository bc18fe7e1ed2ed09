/**
 * A local Skyflow-compatible vault for byot's tests, demo and benchmarks, and for users who want to
 * rehearse a load: Insert, Batch, Get, Delete, Detokenize and the service-account token endpoint,
 * with BYOT and uniqueness rules, and injectable faults (rate limit with `Retry-After`, 5xx,
 * apply-then-drop, apply-then-hang, latency, expired tokens).
 *
 * @example Start, load one record, check it, stop
 * ```ts
 * import { startSimulator } from "./mod.ts";
 *
 * const sim = await startSimulator();
 * await fetch(`${sim.url}/v1/vaults/v1/name`, {
 *   method: "POST",
 *   headers: { authorization: "Bearer test", "content-type": "application/json" },
 *   body: JSON.stringify({ records: [{ fields: { name: "MARY" }, tokens: { name: "t1" } }], byot: "ENABLE" }),
 * }).then((r) => r.body?.cancel());
 * sim.store.pairs("v1", "name", "name").get("MARY"); // "t1"
 * await sim.shutdown();
 * ```
 *
 * @module
 */
export { type Simulator, startSimulator } from "./server.ts";
export { type ResolvedSimulatorOptions, type RetryAfterFormat, type SimulatorOptions } from "./options.ts";
export { type InsertCounter, type SimulatorEndpoint, SimulatorStats } from "./stats.ts";
export {
  type DuplicateInsertListener,
  type StoredRecord,
  type TableData,
  type VaultData,
  VaultStore,
} from "./store.ts";
export {
  type ColumnSchema,
  invalidColumnMessage,
  invalidTableMessage,
  parseSchema,
  schemaOf,
  type SimulatorSchema,
  type TableSchema,
  type VaultSchema,
} from "./schema.ts";
export { EXPIRED_TOKEN_MESSAGE, JWT_BEARER_GRANT } from "./auth.ts";
export { mulberry32 } from "./faults.ts";

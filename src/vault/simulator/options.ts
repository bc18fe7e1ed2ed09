/**
 * Options of the vault simulator, their defaults, and how they are resolved. The resolved object
 * is kept on the running simulator and read on every request, so tests may change faults while it
 * runs.
 *
 * @module
 */
import { systemClock } from "../../common/clock.ts";
import { mulberry32 } from "./faults.ts";
import type { SimulatorSchema } from "./schema.ts";

/** How a 429's `Retry-After` header is written. */
export type RetryAfterFormat = "seconds" | "date";

/** Options of {@linkcode startSimulator}. Every field is optional. */
export interface SimulatorOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * PEM certificate chain and private key: serve HTTPS instead of plain HTTP (the official SDKs
   * refuse a vault URL that is not https). @default undefined
   */
  tls?: { cert: string; key: string };
  /** Delay added to every vault request, in ms. @default 0 */
  latencyMs?: number;
  /** Extra random delay in `[0, jitterMs)` added to every vault request. @default 0 */
  jitterMs?: number;
  /**
   * Requests each vault works on at once (its delay is spent holding a slot); the rest wait in line.
   * 0 = unlimited. @default 0
   */
  capacity?: number;
  /** Vault requests (insert, batch, get, detokenize, delete) per second per vault id before 429s; 0 turns it off. @default 0 */
  rateLimit?: number;
  /** Write `Retry-After` as whole seconds or as an HTTP-date. @default "seconds" */
  retryAfterFormat?: RetryAfterFormat;
  /** Probability that a data request answers 500/502/503 without being applied. @default 0 */
  errorRate?: number;
  /** Probability that a data request is applied and its connection then cut. @default 0 */
  dropRate?: number;
  /** Probability that a data request is applied and never answered (until shutdown). @default 0 */
  hangRate?: number;
  /** A record whose value contains this text is rejected with 400. @default "__REJECT__" */
  rejectMarker?: string;
  /** Records per insert or batch request above which the request answers 413; 0 = no limit. @default 0 */
  maxRecordsPerRequest?: number;
  /**
   * Status of a duplicate value or token ("already exists"), 400 or 409. Skyflow documents none;
   * the default is 400 because that is what the official SDKs point to: skyflow-python v2 counts
   * only a per-record `Status` of 400 as an error and skyflow-go's test doubles answer record errors
   * with 400, while nothing found supports 409 (see the README's simulator section). @default 400
   */
  duplicateStatus?: 400 | 409;
  /** Seed of the fault generator, so fault sequences repeat. @default 1 */
  seed?: number;
  /** Source of randomness in `[0, 1)`; overrides `seed`. @default mulberry32(seed) */
  random?: () => number;
  /**
   * The only bearer token accepted, besides tokens this simulator issued. When unset, any non-empty
   * bearer token is accepted. @default undefined
   */
  bearerToken?: string;
  /** Lifetime of the access tokens the token endpoint issues, in seconds. @default 3600 */
  tokenTtlSeconds?: number;
  /**
   * PEM (SPKI) public key that service-account assertions must be signed with (RS256). When unset,
   * only the claims and their expiry are checked. @default undefined
   */
  serviceAccountPublicKey?: string;
  /**
   * The service account's `clientID`: assertions must carry it as `iss` and `sub`. When unset, any
   * is accepted. @default undefined
   */
  serviceAccountClientId?: string;
  /** The service account's `keyID`: assertions must carry it as `key`. When unset, any is accepted. @default undefined */
  serviceAccountKeyId?: string;
  /** Vault ids that exist; others answer 404. When unset, any id is accepted. @default undefined */
  vaultIds?: string[];
  /**
   * Vaults, tables, columns and unique columns that exist; anything else answers like the real API
   * (400 naming the table or column, 404 for the vault). When unset, any vault, table and column is
   * accepted and every column is unique. @default undefined
   */
  schema?: SimulatorSchema;
  /**
   * Refuse reads (Get and Detokenize) with 403, like a service account whose role may only insert.
   * @default false
   */
  forbidRead?: boolean;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Waits `ms`, rejecting when `signal` aborts. @default setTimeout-based */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** {@linkcode SimulatorOptions} with every default filled in. Mutable while the simulator runs. */
export interface ResolvedSimulatorOptions extends
  Required<
    Omit<
      SimulatorOptions,
      | "bearerToken"
      | "serviceAccountPublicKey"
      | "serviceAccountClientId"
      | "serviceAccountKeyId"
      | "vaultIds"
      | "schema"
      | "tls"
    >
  > {
  /** See {@linkcode SimulatorOptions.bearerToken}. */
  bearerToken?: string;
  /** See {@linkcode SimulatorOptions.serviceAccountPublicKey}. */
  serviceAccountPublicKey?: string;
  /** See {@linkcode SimulatorOptions.serviceAccountClientId}. */
  serviceAccountClientId?: string;
  /** See {@linkcode SimulatorOptions.serviceAccountKeyId}. */
  serviceAccountKeyId?: string;
  /** See {@linkcode SimulatorOptions.vaultIds}. */
  vaultIds?: string[];
  /** See {@linkcode SimulatorOptions.schema}. */
  schema?: SimulatorSchema;
  /** See {@linkcode SimulatorOptions.tls}. */
  tls?: { cert: string; key: string };
}

/**
 * Fills in the defaults of {@linkcode SimulatorOptions}.
 *
 * @example
 * ```ts
 * const options = resolveSimulatorOptions({ rateLimit: 50 });
 * options.errorRate; // 0
 * ```
 */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const seed = options.seed ?? 1;
  return {
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    tls: options.tls,
    latencyMs: options.latencyMs ?? 0,
    jitterMs: options.jitterMs ?? 0,
    capacity: options.capacity ?? 0,
    rateLimit: options.rateLimit ?? 0,
    retryAfterFormat: options.retryAfterFormat ?? "seconds",
    errorRate: options.errorRate ?? 0,
    dropRate: options.dropRate ?? 0,
    hangRate: options.hangRate ?? 0,
    rejectMarker: options.rejectMarker ?? "__REJECT__",
    maxRecordsPerRequest: options.maxRecordsPerRequest ?? 0,
    duplicateStatus: options.duplicateStatus ?? 400,
    seed,
    random: options.random ?? mulberry32(seed),
    bearerToken: options.bearerToken,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    serviceAccountPublicKey: options.serviceAccountPublicKey,
    serviceAccountClientId: options.serviceAccountClientId,
    serviceAccountKeyId: options.serviceAccountKeyId,
    vaultIds: options.vaultIds,
    schema: options.schema,
    forbidRead: options.forbidRead ?? false,
    now: options.now ?? (() => Date.now()),
    sleep: options.sleep ?? systemClock.sleep,
  };
}

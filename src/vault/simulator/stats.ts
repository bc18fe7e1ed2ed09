/**
 * Counters the simulator keeps while it runs, for tests' exact checks and the `simulate` summary.
 * Everything is a plain number or a Map update: cheap enough for thousands of requests a second.
 *
 * @module
 */

/** The routes the simulator counts requests for. */
export type SimulatorEndpoint =
  | "insert"
  | "batch"
  | "get"
  | "update"
  | "delete"
  | "detokenize"
  | "query"
  | "tokenize"
  | "token"
  | "unknown";

/** Counts successful inserts of a token in a column (the store keeps that history). */
export type InsertCounter = (vaultId: string, column: string, token: string) => number;

/**
 * Live counters of a simulator.
 *
 * @example
 * ```ts ignore
 * const store = new VaultStore();
 * const stats = new SimulatorStats((v, c, t) => store.insertCount(v, c, t));
 * stats.inserts("v1", "name", "tok-1"); // 0
 * ```
 */
export class SimulatorStats {
  /** Requests received, by endpoint. */
  readonly requests: Record<SimulatorEndpoint, number> = {
    insert: 0,
    batch: 0,
    get: 0,
    update: 0,
    delete: 0,
    detokenize: 0,
    query: 0,
    tokenize: 0,
    token: 0,
    unknown: 0,
  };
  /** Answers sent, by HTTP status (cut and hung requests are not answers). */
  readonly responses: Record<number, number> = {};
  /** Data requests answered 429. */
  rateLimited = 0;
  /** Data requests applied and then cut. */
  dropped = 0;
  /** Data requests applied and then left unanswered. */
  hung = 0;
  /** Data requests answered with an injected 5xx. */
  serverErrors = 0;
  /** Access tokens the token endpoint issued. */
  tokensIssued = 0;
  /** Data requests being processed now (hung ones count until shutdown releases them). */
  inFlight = 0;
  /** Highest `inFlight` seen. */
  maxInFlight = 0;
  /** Successful inserts of a token that had already been inserted once (must stay 0). */
  duplicateInserts = 0;
  /** Data requests per second, keyed by the epoch second they arrived in. */
  readonly perSecond = new Map<number, number>();
  #insertCounter: InsertCounter;

  /**
   * Creates zeroed counters.
   *
   * @param insertCounter answers {@linkcode SimulatorStats.inserts}; the simulator passes its store's.
   */
  constructor(insertCounter: InsertCounter = () => 0) {
    this.#insertCounter = insertCounter;
  }

  /** Successful inserts of `token` in `column` of `vaultId`, upsert rewrites not counted. */
  inserts(vaultId: string, column: string, token: string): number {
    return this.#insertCounter(vaultId, column, token);
  }

  /** Counts an answer with `status`. */
  recordResponse(status: number): void {
    this.responses[status] = (this.responses[status] ?? 0) + 1;
  }

  /** Marks the start of a data request arriving at `now` (ms). */
  dataStarted(now: number): void {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    const second = Math.floor(now / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
  }

  /** Marks the end of a data request. */
  dataFinished(): void {
    this.inFlight--;
  }

  /** Total requests received. */
  get totalRequests(): number {
    let total = 0;
    for (const n of Object.values(this.requests)) total += n;
    return total;
  }

  /** One line for humans, without values or tokens. */
  summary(): string {
    const r = this.requests;
    const statuses = Object.entries(this.responses).map(([s, n]) => `${s}:${n}`).join(" ");
    return `${this.totalRequests} requests (insert ${r.insert}, batch ${r.batch}, get ${r.get}, ` +
      `update ${r.update}, delete ${r.delete}, detokenize ${r.detokenize}, query ${r.query}, ` +
      `tokenize ${r.tokenize}, token ${r.token}); responses ${statuses || "none"}; ` +
      `429 ${this.rateLimited}, 5xx injected ${this.serverErrors}, dropped ${this.dropped}, ` +
      `hung ${this.hung}, max in flight ${this.maxInFlight}, duplicate inserts ${this.duplicateInserts}`;
  }
}

/**
 * A {@linkcode VaultSource} over the unresolved failures of one run and vault, for `byot failures
 * retry`: records keep their original positions, so the retry's sink (with `resolveSucceeded`)
 * resolves or re-records the very rows they came from. Read page by page in position order.
 *
 * @module
 */
import type { SourceCursor, SourceItem, VaultSource } from "../common/types.ts";
import type { Store } from "./_store.ts";
import { listFailures } from "./failures.ts";

/** Options of {@linkcode failuresRetrySource}. */
export interface FailuresRetrySourceOptions {
  /** Run id. */
  runId: string;
  /** Vault name (`VaultSpec.name`). */
  vault: string;
  /** Only failures with this HTTP status (0 = network). @default every status */
  statusCode?: number;
  /** Rows per page (and per yielded chunk). @default 1000 */
  pageSize?: number;
}

/**
 * The unresolved, unpurged failures of `runId`/`vault` as a source. The cursor is `{ position }`;
 * reading from a cursor starts at the first failure at or after that position.
 */
export function failuresRetrySource(store: Store, options: FailuresRetrySourceOptions): VaultSource {
  const pageSize = Math.max(1, options.pageSize ?? 1000);
  return {
    label: `failed records of run ${options.runId}, vault ${options.vault}`,
    async *read(opts: { from?: SourceCursor; signal?: AbortSignal } = {}): AsyncIterable<SourceItem[]> {
      let position = (opts.from?.position ?? 0) - 1;
      while (true) {
        opts.signal?.throwIfAborted();
        const page = listFailures(store, {
          runId: options.runId,
          vault: options.vault,
          statusCode: options.statusCode,
          after: { runId: options.runId, vault: options.vault, position },
          limit: pageSize,
        });
        if (page.length === 0) return;
        yield page.map((f): SourceItem => ({
          position: f.position,
          value: f.value ?? "",
          token: f.token ?? "",
          cursor: { position: f.position },
        }));
        if (page.length < pageSize) return;
        position = page[page.length - 1].position;
        await Promise.resolve();
      }
    },
  };
}

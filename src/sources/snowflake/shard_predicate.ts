/**
 * {@linkcode snowflakeShardPredicate}: the SQL condition that gives a Snowflake query one shard's rows.
 *
 * @module
 */
import { checkShard, formatShard, type Shard } from "../../config/shard.ts";

/**
 * A Snowflake SQL condition selecting the rows of `shard` by a hash of the row's value and token:
 * `MOD(ABS(HASH(<value>, <token>)), n) = i`. Snowflake's `HASH` is deterministic and never NULL (NULL
 * inputs hash too), so the `n` conditions are disjoint and together cover every row; a rerun of the
 * same query selects the same rows (the shard's resume depends on it). The expressions are inserted
 * as given: pass column references or expressions byot built, never user text.
 *
 * @example
 * ```ts
 * snowflakeShardPredicate('"SSN"', '"SSN_TOKEN"', { index: 3, count: 8 });
 * // 'MOD(ABS(HASH("SSN", "SSN_TOKEN")), 8) = 3'
 * ```
 */
export function snowflakeShardPredicate(valueExpr: string, tokenExpr: string, shard: Shard): string {
  checkShard(shard.index, shard.count, `shard ${formatShard(shard)}`);
  return `MOD(ABS(HASH(${valueExpr}, ${tokenExpr})), ${shard.count}) = ${shard.index}`;
}

/**
 * Record outcomes that not every collector knows yet.
 *
 * @module
 */
import type { VaultMetrics } from "./metrics.ts";

/**
 * Records of `m` the vault already held under their own token (counted among `loaded`), or 0 when
 * the metrics do not track them. The `already_present` outcome is read through this one function
 * so exporters and samples agree on it.
 */
export function alreadyPresentOf(m: VaultMetrics): number {
  const present = (m as { alreadyPresent?: unknown }).alreadyPresent;
  return typeof present === "number" && Number.isFinite(present) ? present : 0;
}

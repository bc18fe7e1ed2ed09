/**
 * The plumbing between a vault's observer and its {@linkcode AdaptiveController}: every answer and
 * retry reaches the controller as well.
 *
 * @module
 */
import type { VaultObserver } from "../../common/types.ts";
import type { AdaptiveController } from "./adaptive.ts";

/** An observer that passes every event to `inner` and the vault's answers and retries to `controller`. */
export function withController(inner: VaultObserver, controller: AdaptiveController): VaultObserver {
  return {
    request(e) {
      inner.request(e);
      controller.onRequest(e);
    },
    retry(e) {
      inner.retry(e);
      controller.onRetry(e);
    },
    replay: (e) => inner.replay(e),
    split: (e) => inner.split(e),
    build: (e) => inner.build(e),
  };
}

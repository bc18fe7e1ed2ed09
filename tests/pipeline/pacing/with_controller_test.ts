import assert from "node:assert/strict";
import type { VaultObserver } from "../../../src/common/types.ts";
import { AdaptiveController } from "../../../src/pipeline/pacing/adaptive.ts";
import { Limiter } from "../../../src/pipeline/pacing/concurrency_limiter.ts";
import { RateLimiter } from "../../../src/pipeline/pacing/rate_limiter.ts";
import { withController } from "../../../src/pipeline/pacing/with_controller.ts";
import { FakeClock } from "../../_fixtures/clock.ts";

function setup() {
  const clock = new FakeClock(100_000);
  const limiter = new Limiter(64);
  const controller = new AdaptiveController({
    limiter,
    rate: new RateLimiter({ clock }),
    maxConcurrency: 64,
    clock,
  });
  return { controller, limiter };
}

Deno.test("withController() passes every event on and feeds answers and retries to the controller", async () => {
  const { controller, limiter } = setup();
  const seen: string[] = [];
  const inner: VaultObserver = {
    request: (e) => void seen.push(`request ${e.status}`),
    retry: (e) => void seen.push(`retry ${e.reason}`),
    replay: (e) => void seen.push(`replay ${e.path}`),
    split: (e) => void seen.push(`split ${e.reason}`),
    build: () => void seen.push("build"),
  };
  const observer = withController(inner, controller);
  for (let i = 0; i < 4; i++) {
    observer.request({ vault: "SSN", kind: "insert", status: 200, latencyMs: 10, records: 300 });
  }
  observer.retry({ vault: "SSN", reason: "429", delayMs: 1000 });
  observer.replay({ vault: "SSN", path: "readback", records: 1 });
  observer.split({ vault: "SSN", reason: "bisect" });
  observer.build({ vault: "SSN", ms: 1 });
  assert.equal(limiter.limit, 8);
  assert.deepEqual(seen, [
    "request 200",
    "request 200",
    "request 200",
    "request 200",
    "retry 429",
    "replay readback",
    "split bisect",
    "build",
  ]);
  await Promise.resolve();
});

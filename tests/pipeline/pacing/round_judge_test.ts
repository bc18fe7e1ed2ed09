import assert from "node:assert/strict";
import {
  MARGINAL_GAIN,
  type Round,
  RoundJudge,
  UNPAID_ROUNDS,
} from "../../../src/pipeline/pacing/round_judge.ts";

const judge = () => new RoundJudge({ windowMs: 30_000, tolerance: 1.1, slackMs: 5, decrease: 0.7 });

/** A round at `limit` whose answers took `latencyMs` each and arrived `latencyMs / limit` apart × `slow`. */
const round = (limit: number, latencyMs: number, slow = 1): Round => ({
  limit,
  ok: limit,
  latencySum: limit * latencyMs,
  ms: latencyMs * slow,
});

Deno.test("RoundJudge lets a limit grow while its latency rise buys answers per second", () => {
  const j = judge();
  assert.equal(j.judge(1_000, round(32, 100)), "grow");
  // 64 in flight at 160 ms: 1.6× the latency, 1.25× the answers per second (the floor is 1.15×)
  for (let t = 2_000; t < 10_000; t += 200) assert.equal(j.judge(t, round(64, 160)), "grow");
  assert.equal(j.bestLatencyMs(10_000), 100);
});

Deno.test("RoundJudge holds a limit for one unpaid round and cuts it after three in a row", () => {
  const j = judge();
  j.judge(1_000, round(32, 100));
  // 64 in flight at 200 ms: twice the latency, the same answers per second
  const verdicts = [2_000, 2_200, 2_400].map((t) => j.judge(t, round(64, 200)));
  assert.deepEqual(verdicts, ["hold", "hold", "decrease"]);
  assert.equal(UNPAID_ROUNDS, 3);
  assert.equal(j.judge(2_600, round(64, 200)), "hold", "the count starts again after a decrease");
  j.reset();
  assert.equal(j.judge(2_800, round(64, 200)), "hold");
  assert.equal(j.judge(3_000, round(64, 200)), "hold");
});

Deno.test("RoundJudge ignores fewer answers per second when latency did not rise (the source is the limit)", () => {
  const j = judge();
  j.judge(1_000, round(32, 100));
  const slowerSource = { limit: 64, ok: 32, latencySum: 32 * 102, ms: 200 };
  for (let t = 2_000; t < 3_000; t += 200) assert.equal(j.judge(t, slowerSource), "grow");
});

Deno.test("RoundJudge compares with the limit nearest to where a decrease would go back to", () => {
  const j = judge();
  j.judge(1_000, round(8, 100)); // far below: 64 would look paid against it
  j.judge(1_100, round(44, 100));
  // 64 at 145 ms answers 441/s; 44 answered 440/s: unpaid (needs 440 × (1 + 0.15 × 0.45) ≈ 470)
  assert.ok(MARGINAL_GAIN === 0.15);
  assert.equal(j.judge(2_000, round(64, 145)), "hold");
});

Deno.test("RoundJudge forgets measurements older than its window", () => {
  const j = judge();
  j.judge(1_000, round(32, 100));
  assert.equal(j.judge(40_000, round(64, 200)), "grow", "nothing to compare with after 30 s");
  assert.equal(j.bestLatencyMs(40_000), 200);
});

Deno.test("RoundJudge grows after a round that took no time or had no 2xx answer", () => {
  const j = judge();
  assert.equal(j.judge(1_000, { limit: 4, ok: 4, latencySum: 40, ms: 0 }), "grow");
  assert.equal(j.judge(1_000, { limit: 4, ok: 0, latencySum: 0, ms: 10 }), "grow");
  assert.equal(j.bestLatencyMs(1_000), 10);
});

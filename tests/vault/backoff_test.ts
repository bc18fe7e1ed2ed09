import assert from "node:assert/strict";
import { FakeClock } from "../_fixtures/clock.ts";
import { backoffDelay, PauseGate } from "../../src/vault/backoff.ts";

Deno.test("backoffDelay() stays within full-jitter bounds that double per retry", () => {
  for (let retry = 1; retry <= 6; retry++) {
    const ceiling = 100 * 2 ** (retry - 1);
    assert.equal(backoffDelay(retry, { baseMs: 100, capMs: 100_000, random: () => 0.999999 }), ceiling - 1);
    assert.equal(backoffDelay(retry, { baseMs: 100, capMs: 100_000, random: () => 0.5 }), ceiling / 2);
    assert.equal(
      backoffDelay(retry, { baseMs: 100, capMs: 100_000, random: () => 0 }),
      1,
      "never below 1 ms",
    );
  }
});

Deno.test("backoffDelay() never exceeds the cap", () => {
  for (let retry = 1; retry <= 60; retry++) {
    const delay = backoffDelay(retry, { baseMs: 250, capMs: 1_000, random: () => 0.999999 });
    assert.ok(delay <= 1_000, `retry ${retry}: ${delay}`);
  }
  assert.equal(backoffDelay(40, { baseMs: 250, capMs: 1_000, random: () => 0.5 }), 500);
});

Deno.test("backoffDelay() with a real random stays in [1, ceiling]", () => {
  for (let i = 0; i < 500; i++) {
    const delay = backoffDelay(3, { baseMs: 10, capMs: 1_000 });
    assert.ok(delay >= 1 && delay <= 40, String(delay));
  }
});

Deno.test("PauseGate.wait() resolves at once when the gate is open", async () => {
  const clock = new FakeClock(1_000);
  const gate = new PauseGate(clock);
  assert.equal(gate.openAt, 0);
  assert.equal(gate.isOpen, true);
  assert.equal(await gate.wait(), 0);
});

Deno.test("PauseGate.close() keeps the gate shut until the time has passed", async () => {
  const clock = new FakeClock(1_000);
  const gate = new PauseGate(clock);
  gate.close(500);
  assert.equal(gate.openAt, 1_500);
  let opened = false;
  const waiting = gate.wait().then((waited) => {
    opened = true;
    return waited;
  });
  await clock.tick(499);
  assert.equal(opened, false);
  assert.equal(gate.isOpen, false);
  await clock.tick(1);
  assert.equal(gate.isOpen, true);
  assert.equal(await waiting, 500);
  assert.equal(opened, true);
});

Deno.test("PauseGate.close() never shortens a closure: a later deadline wins", async () => {
  const clock = new FakeClock(0);
  const gate = new PauseGate(clock);
  gate.close(800);
  gate.close(100);
  assert.equal(gate.openAt, 800);
  let opened = false;
  const waiting = gate.wait().then(() => opened = true);
  await clock.tick(300);
  gate.close(1_000); // extended while a worker waits: opens at 1300
  await clock.tick(500);
  assert.equal(opened, false, "still shut at 800: the later deadline applies");
  await clock.tick(500);
  await waiting;
  assert.equal(opened, true);
  assert.equal(clock.now(), 1_300);
});

Deno.test("PauseGate.wait() rejects with the signal's reason when aborted", async () => {
  const clock = new FakeClock(0);
  const gate = new PauseGate(clock);
  gate.close(1_000);
  const controller = new AbortController();
  const waiting = gate.wait(controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
});

Deno.test("PauseGate keeps a 429 pause to its length when the wall clock steps back 60 s or forward a day", async () => {
  for (const step of [-60_000, 86_400_000]) {
    const clock = new FakeClock(1_700_000_000_000);
    const gate = new PauseGate(clock);
    gate.close(1_000);
    let waited: number | undefined;
    const waiting = gate.wait().then((ms) => (waited = ms));
    await clock.tick(400);
    clock.stepWall(step);
    assert.equal(gate.isOpen, false, `still paused 400 ms in after a ${step} ms step`);
    await clock.tick(600);
    await waiting;
    assert.equal(waited, 1_000);
    assert.equal(gate.isOpen, true);
    assert.equal(clock.pending, 0, "nothing sleeps on");
  }
});

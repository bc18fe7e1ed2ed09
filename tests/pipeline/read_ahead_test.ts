import assert from "node:assert/strict";
import { ReadAhead } from "../../src/pipeline/read_ahead.ts";

/** An async source of 0..n-1 that counts how far it was read and whether it was closed. */
function counting(n: number, options: { failAt?: number } = {}) {
  const state = { read: 0, closed: false };
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        await Promise.resolve();
        if (i === options.failAt) throw new Error(`source broke at ${i}`);
        state.read = i + 1;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { source: gen(), state };
}

/** Lets the read-ahead pump run until it stops. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("ReadAhead hands out every item once, in source order, then done", async () => {
  const { source } = counting(10);
  const ahead = new ReadAhead(source, { capacity: 3 });
  const taken = await Promise.all(Array.from({ length: 12 }, () => ahead.next()));
  assert.deepEqual(taken.filter((r) => !r.done).map((r) => r.value), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(taken.slice(10), [{ done: true, value: undefined }, { done: true, value: undefined }]);
});

Deno.test("ReadAhead reads at most `capacity` items beyond what was taken", async () => {
  const { source, state } = counting(100);
  const ahead = new ReadAhead(source, { capacity: 4 });
  await ahead.next();
  await settle();
  assert.equal(state.read, 5, "1 taken + 4 ready");
  assert.equal(ahead.buffered, 4);
  await ahead.next();
  await ahead.next();
  await settle();
  assert.equal(state.read, 7, "3 taken + 4 ready");
  await ahead.return();
});

Deno.test("ReadAhead gives a source error to the next taker after the items read before it", async () => {
  const { source } = counting(10, { failAt: 3 });
  const ahead = new ReadAhead(source, { capacity: 8 });
  assert.deepEqual(await ahead.next(), { done: false, value: 0 });
  assert.deepEqual(await ahead.next(), { done: false, value: 1 });
  assert.deepEqual(await ahead.next(), { done: false, value: 2 });
  await assert.rejects(ahead.next(), /source broke at 3/);
  assert.deepEqual(await ahead.next(), { done: true, value: undefined }, "the error is handed out once");
});

Deno.test("ReadAhead rejects a taker already waiting when the source fails", async () => {
  const { source } = counting(10, { failAt: 0 });
  const ahead = new ReadAhead(source, { capacity: 2 });
  const [first, second] = [ahead.next(), ahead.next()];
  await assert.rejects(first, /source broke at 0/);
  assert.deepEqual(await second, { done: true, value: undefined });
});

Deno.test("ReadAhead.return() drops what was read, closes the source and ends waiting takers", async () => {
  const { source, state } = counting(100);
  const ahead = new ReadAhead(source, { capacity: 5 });
  await ahead.next();
  await settle();
  assert.equal(ahead.buffered, 5);
  await ahead.return();
  assert.equal(state.closed, true);
  assert.equal(ahead.buffered, 0);
  assert.deepEqual(await ahead.next(), { done: true, value: undefined });
  assert.equal(state.read, 6, "nothing read after return()");
});

/**
 * Child process of the twin-open test: opens (and closes) `<dir>/fresh-<i>.db` for i = 0..rounds-1,
 * each at wall time `start + i * slotMs`, so several children hit every fresh ledger together.
 * Prints one line per failure and exits 1 if any open failed.
 *
 * Usage: deno run -A _open_child.ts DIR START_MS ROUNDS SLOT_MS
 */
import { Ledger } from "../../src/ledger/mod.ts";

const [dir, start, rounds, slot] = [
  Deno.args[0],
  Number(Deno.args[1]),
  Number(Deno.args[2]),
  Number(Deno.args[3]),
];
let failed = 0;
for (let i = 0; i < rounds; i++) {
  while (Date.now() < start + i * slot) {
    // spin: a timer would add milliseconds of jitter
  }
  try {
    Ledger.open(`${dir}/fresh-${i}.db`).close();
  } catch (error) {
    failed++;
    Deno.stdout.writeSync(new TextEncoder().encode(`round ${i}: ${(error as Error).message}\n`));
  }
}
Deno.exit(failed > 0 ? 1 : 0);

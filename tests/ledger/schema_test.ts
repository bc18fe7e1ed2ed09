import assert from "node:assert/strict";
import { Ledger } from "../../src/ledger/mod.ts";

const CHILD = new URL("./_open_child.ts", import.meta.url).pathname;

Deno.test("processes opening the same fresh ledger at the same instant all succeed (25 rounds, 6 processes)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot-twin-open-" });
  try {
    const rounds = 25;
    const start = Date.now() + 2500; // every child has started by then
    const children = Array.from({ length: 6 }, () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", CHILD, dir, String(start), String(rounds), "100"],
        stdout: "piped",
        stderr: "piped",
      }).output());
    const results = await Promise.all(children);
    const out = results.map((r) => new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr));
    assert.deepEqual(results.map((r) => r.code), [0, 0, 0, 0, 0, 0], out.join("\n"));
    for (let i = 0; i < rounds; i++) {
      const ledger = Ledger.open(`${dir}/fresh-${i}.db`);
      try {
        assert.deepEqual(ledger.listRuns(), []);
      } finally {
        ledger.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import type { VaultSpec } from "../../../src/common/types.ts";
import { openSnowflake } from "../../../src/sources/snowflake/mod.ts";
import { startFakeSnowflake, textRows } from "./_double.ts";

const ROWS = 1_000_000;
const MB = 1024 * 1024;

/** Live heap in MB after a full garbage collection (V8 collects lazily, so raw figures saw-tooth). */
function liveHeapMb(): number {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
  return Deno.memoryUsage().heapUsed / MB;
}

Deno.test("source.read() streams a chunked 1M-row result in order with flat memory", async () => {
  const double = await startFakeSnowflake({
    onQuery: () => textRows(ROWS),
    inlineRows: 1000,
    chunkRows: 50_000,
  });
  const session = await openSnowflake(
    { user: "u", password: "p", account: "acme", accessUrl: double.url },
    { timeoutMs: 10_000, loginRetries: 0 },
  );
  try {
    const vault: VaultSpec = { name: "ID", id: "v", column: "id", table: "id" };
    const heapBefore = liveHeapMb();
    const rssBefore = Deno.memoryUsage().rss / MB;
    const heapSamples: number[] = [];
    let rssPeak = rssBefore;
    let count = 0;
    let ordered = true;
    let last = "";
    for await (const items of session.source(vault).read()) {
      for (const item of items) {
        if (item.position !== count) ordered = false;
        count++;
      }
      last = items[items.length - 1].token;
      rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss / MB);
      if (count % 200_000 < items.length) heapSamples.push(liveHeapMb());
    }
    assert.equal(count, ROWS);
    assert.ok(ordered, "positions are 0..n-1 in order");
    assert.equal(last, `tok_${ROWS - 1}`);
    assert.equal(double.chunkGets(), Math.ceil((ROWS - 1000) / 50_000));
    const live = heapSamples.map((h) => Math.round(h - heapBefore));
    const detail = `live heap growth per 200k rows: ${live.join(", ")} MB; RSS +${
      Math.round(rssPeak - rssBefore)
    } MB`;
    assert.ok(Math.max(...live) < 100, `live heap stays bounded: ${detail}`);
    assert.ok(live.at(-1)! - live[0] < 30, `live heap does not grow with rows read: ${detail}`);
    assert.ok(rssPeak - rssBefore < 400, `RSS stays bounded (V8 collects lazily): ${detail}`);
  } finally {
    await session.close();
    await double.close();
  }
});

import assert from "node:assert/strict";
import { Ledger } from "../../../src/ledger/mod.ts";
import { promtoolCheck, systemTool } from "../../_fixtures/tools.ts";
import { workspace } from "../../_fixtures/workspace.ts";

const promtool = systemTool("promtool", "apt-get install -y prometheus");

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

Deno.test({
  name: "byot failures retry serves /metrics while it resends, and its samples join the run's",
  ignore: promtool.ignore,
  async fn() {
    await using ws = await workspace({ count: 500, rejectEvery: 97, columns: ["ssn"] });
    assert.equal((await ws.load(["--sample-interval", "1"])).code, 3);
    ws.sim.options.latencyMs = 250;
    const port = freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const retrying = ws.byot([
      ...["failures", "retry", "--yes", "--config", ws.configPath, "--state", ws.statePath],
      ...[
        "--batch-size",
        "1",
        "--concurrency",
        "1",
        "--metrics-addr",
        `127.0.0.1:${port}`,
        "--sample-interval",
        "1",
      ],
    ]);
    const failed = 'byot_records_total{vault="SSN",outcome="failed"}';
    const scrapes: string[] = [];
    for (let i = 0; i < 400 && scrapes.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const text = await fetch(url).then((r) => r.text(), () => undefined);
      if (text === undefined || !(value(text, failed) > 0)) continue;
      if (scrapes.length === 0 || value(text, failed) > value(scrapes[0], failed)) scrapes.push(text);
    }
    const retry = await retrying;
    assert.equal(retry.code, 3, retry.err);
    assert.equal(scrapes.length, 2, "two scrapes during the retry, the second with more failures");
    assert.match(
      scrapes[1],
      /byot_run_info\{version="[^"]+",run_id="r\w+",source="ledger",command="failures retry"\} 1/,
    );
    assert.deepEqual(await promtoolCheck(promtool.path ?? "promtool", scrapes[1]), { code: 0, output: "" });

    const ledger = Ledger.open(ws.statePath, { readOnly: true });
    try {
      const samples = ledger.samples(ledger.listRuns(1)[0].id);
      assert.equal(samples.reduce((n, s) => n + s.failed, 0), 10, "5 failures of the load, 5 of the retry");
    } finally {
      ledger.close();
    }
  },
});

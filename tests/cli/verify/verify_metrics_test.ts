import assert from "node:assert/strict";
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
  name: "byot verify serves /metrics while it reads the vault back, and byot report charts the verify run",
  ignore: promtool.ignore,
  async fn() {
    await using ws = await workspace({ count: 200, columns: ["name"] });
    assert.equal((await ws.load()).code, 0);
    ws.sim.options.latencyMs = 100;
    const port = freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const verifying = ws.byot([
      ...["verify", "--config", ws.configPath, "--state", ws.statePath],
      ...[
        "--batch-size",
        "10",
        "--concurrency",
        "1",
        "--metrics-addr",
        `127.0.0.1:${port}`,
        "--sample-interval",
        "1",
      ],
    ]);
    const verified = 'byot_records_total{vault="NAME",outcome="loaded"}';
    const scrapes: string[] = [];
    for (let i = 0; i < 400 && scrapes.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const text = await fetch(url).then((r) => r.text(), () => undefined);
      if (text === undefined || !(value(text, verified) > 0)) continue;
      if (scrapes.length === 0 || value(text, verified) > value(scrapes[0], verified)) scrapes.push(text);
    }
    const run = await verifying;
    assert.equal(run.code, 0, run.err);
    assert.equal(scrapes.length, 2, "two scrapes during the verify, the second with more records checked");
    assert.match(
      scrapes[1],
      /byot_run_info\{version="[^"]+",run_id="r\w+",source="csv",command="verify"\} 1/,
    );
    assert.deepEqual(await promtoolCheck(promtool.path ?? "promtool", scrapes[1]), { code: 0, output: "" });

    const out = `${ws.dir}/verify.html`;
    const report = await ws.byot(["report", "--state", ws.statePath, "--out", out]);
    assert.equal(report.code, 0, report.err);
    assert.match(report.err, /\(finished, [1-9]\d* samples\)/);
    assert.match(await Deno.readTextFile(out), /verify:csv/);
  },
});

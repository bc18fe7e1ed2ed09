import assert from "node:assert/strict";
import { denoRunArgs } from "../../../src/cli/shared/runtime.ts";
import process from "node:process";
import {
  childCommand,
  childSecretEnv,
  DETACHED_ENV,
  detachedChild,
  detachFiles,
  detachLoad,
} from "../../../src/cli/load/detach.ts";
import { ConfigError } from "../../../src/common/errors.ts";
import { captureIo } from "../../_fixtures/io.ts";
import type { LoadSettings } from "../../../src/config/settings.ts";
import { assertLedger, runByot } from "../../recovery/_child.ts";
import { workspace } from "../../_fixtures/workspace.ts";

/** The fields of the settings that detaching reads. */
function settings(partial: Partial<LoadSettings>): LoadSettings {
  return { bearerToken: "", tokenOrigin: "env", snowflake: {}, ...partial } as LoadSettings;
}

Deno.test("childCommand() drops the detach, restart and secret flags and re-runs main.ts under deno", () => {
  const argv = [
    "load",
    "--config",
    "c.json",
    "--detach",
    "--offline",
    "--restart",
    "--token",
    "s3cret",
    "--token-file",
    "t.txt",
    "--sf-password=pw",
    "--batch-size",
    "50",
  ];
  const deno = childCommand(argv, { execPath: "/usr/bin/deno", mainPath: "/app/main.ts" });
  assert.deepEqual(deno, {
    command: "/usr/bin/deno",
    args: [...denoRunArgs("/app/main.ts"), "load", "--config", "c.json", "--batch-size", "50"],
  });
  const compiled = childCommand(["load", "--token-file", "t.txt", "--detach"], {
    execPath: "/opt/byot",
    mainPath: "/unused/main.ts",
  });
  assert.deepEqual(compiled, { command: "/opt/byot", args: ["load", "--token-file", "t.txt"] });
});

Deno.test("childSecretEnv() passes only the secrets the child cannot find again", () => {
  assert.deepEqual(childSecretEnv(settings({ bearerToken: "p", tokenOrigin: "prompt" })), {
    SKYFLOW_BEARER_TOKEN: "p",
  });
  assert.deepEqual(childSecretEnv(settings({ bearerToken: "f", tokenOrigin: "flag" })), {
    SKYFLOW_BEARER_TOKEN: "f",
  });
  assert.deepEqual(childSecretEnv(settings({ bearerToken: "e", tokenOrigin: "env" })), {});
  assert.deepEqual(childSecretEnv(settings({ snowflake: { password: "pw" } })), { SNOWFLAKE_PASSWORD: "pw" });
});

Deno.test("detachFiles() names the log by run and UTC time and the pid file by run", () => {
  const files = detachFiles("r20260101000000abcd", "/var/byot", Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.deepEqual(files, {
    log: "/var/byot/byot-r20260101000000abcd-20260102-030405.log",
    pid: "/var/byot/byot-r20260101000000abcd.pid",
  });
});

Deno.test("detachLoad() starts the child with the secret in its environment and writes private files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot-detach-" });
  try {
    const io = captureIo();
    let started: { command: string; args: string[]; env: Record<string, string> } | undefined;
    const code = await detachLoad({
      runId: "r1",
      statePath: `${dir}/state.db`,
      argv: ["load", "--detach", "--vault", "ssn"],
      command: "load --detach --vault ssn",
      settings: settings({ bearerToken: "typed", tokenOrigin: "prompt" }),
      io,
      execPath: "/opt/byot",
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
      spawn: (command, args, options) => {
        started = { command, args, env: options.env };
        return Promise.resolve(4242);
      },
    });
    assert.equal(code, 0);
    assert.deepEqual(started, {
      command: "/opt/byot",
      args: ["load", "--vault", "ssn"],
      env: { SKYFLOW_BEARER_TOKEN: "typed", [DETACHED_ENV]: `${dir}/byot-r1.pid` },
    });
    const log = `${dir}/byot-r1-20260102-030405.log`;
    assert.equal(await Deno.readTextFile(`${dir}/byot-r1.pid`), "4242\n");
    for (const file of [log, `${dir}/byot-r1.pid`]) {
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    }
    assert.match(await Deno.readTextFile(log), /run r1, started 2026-01-02T03:04:05.000Z\n.*--vault ssn/);
    assert.ok(!(await Deno.readTextFile(log)).includes("typed"), "the secret is not in the log");
    assert.match(io.err, /pid 4242/);
    assert.match(io.err, new RegExp(`tail -f ${log}`));
    assert.match(io.err, new RegExp(`byot status --state ${dir}/state.db`));
    assert.match(io.err, new RegExp(`kill \\$\\(cat ${dir}/byot-r1.pid\\)`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("detachLoad() refuses a run whose pid file names a live process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot-detach-" });
  try {
    await Deno.writeTextFile(`${dir}/byot-r1.pid`, `${Deno.pid}\n`);
    await assert.rejects(
      detachLoad({
        runId: "r1",
        statePath: `${dir}/state.db`,
        argv: ["load", "--detach"],
        settings: settings({}),
        io: captureIo(),
        spawn: () => Promise.reject(new Error("must not start")),
      }),
      (error) => error instanceof ConfigError && /already runs in the background/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("detachedChild() ignores SIGHUP and removes only its own pid file", async () => {
  assert.equal(detachedChild(captureIo()), undefined);
  const dir = await Deno.makeTempDir({ prefix: "byot-detach-" });
  try {
    const pidFile = `${dir}/byot-r1.pid`;
    const io = captureIo({ env: { [DETACHED_ENV]: pidFile } });
    const handlers = new Set<() => void>();
    const options = {
      pid: 77,
      addListener: (_: "SIGHUP", h: () => void) => void handlers.add(h),
      removeListener: (_: "SIGHUP", h: () => void) => void handlers.delete(h),
    };
    await Deno.writeTextFile(pidFile, "78\n");
    detachedChild(io, options)!.dispose();
    assert.equal(await Deno.readTextFile(pidFile), "78\n", "another process's pid file stays");
    await Deno.writeTextFile(pidFile, "77\n");
    {
      using _child = detachedChild(io, options);
      assert.equal(handlers.size, 1);
      for (const h of handlers) h();
    }
    assert.equal(handlers.size, 0);
    await assert.rejects(Deno.stat(pidFile), Deno.errors.NotFound);
    assert.match(io.err, /SIGHUP is ignored/);
    assert.match(io.err, /SIGHUP \(terminal closed\?\): ignored/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("byot load --detach returns at once and two background loads finish exactly, ignoring SIGHUP", async () => {
  const shared = await Deno.makeTempDir({ prefix: "byot-detach-" });
  await using a = await workspace({ count: 1000, columns: ["name"], simulator: { latencyMs: 40 } });
  await using b = await workspace({
    count: 1000,
    columns: ["name"],
    simulator: { latencyMs: 40, bearerToken: "secret-b" },
  });
  try {
    const args = (ws: typeof a, state: string, flag: string) => [
      "load",
      "--config",
      ws.configPath,
      "--state",
      state,
      "--batch-size",
      "20",
      "--concurrency",
      "2",
      flag,
    ];
    const [pa, pb] = await Promise.all([
      runByot(args(a, `${shared}/a.db`, "--detach")),
      // legacy spelling, and a token on the command line that must not reach the child's argv
      runByot([...args(b, `${shared}/b.db`, "-offline"), "--token", "secret-b"], {
        env: { SKYFLOW_BEARER_TOKEN: "" },
      }),
    ]);
    const started = [pa, pb].map((p, i) => {
      assert.equal(p.code, 0, p.err);
      assert.ok(p.ms < 15_000, `parent ${i} took ${p.ms} ms`);
      assert.match(p.err, /tail -f .*\.log\n/);
      assert.match(p.err, /byot status --state /);
      const pid = Number(/continues in the background \(pid (\d+)\)/.exec(p.err)?.[1]);
      const runId = /run (r\w+) continues/.exec(p.err)?.[1];
      assert.ok(pid > 0 && runId, p.err);
      const pidFile = `${shared}/byot-${runId}.pid`;
      assert.match(p.err, new RegExp(`kill \\$\\(cat ${pidFile}\\)`));
      return { pid, runId, pidFile };
    });
    assert.notEqual(started[0].pidFile, started[1].pidFile);
    for (const s of started) process.kill(s.pid, 0); // the parents are gone, the loads still run
    const logs: string[] = [];
    for (const s of started) {
      assert.equal(await Deno.readTextFile(s.pidFile), `${s.pid}\n`, "each run has its own pid file");
      let log: string | undefined;
      for await (const entry of Deno.readDir(shared)) {
        if (entry.name.startsWith(`byot-${s.runId}-`) && entry.name.endsWith(".log")) log = entry.name;
      }
      assert.ok(log, `log of ${s.runId}`);
      logs.push(`${shared}/${log}`);
      for (const file of [s.pidFile, `${shared}/${log}`]) {
        assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600, file);
      }
    }
    if (Deno.build.os === "linux") {
      const cmdline = await Deno.readTextFile(`/proc/${started[1].pid}/cmdline`).catch(() => "");
      assert.ok(!cmdline.includes("secret-b") && !cmdline.includes("offline"), "child argv is clean");
    }
    // SIGHUP once the child listens: it must keep going
    await until(
      "the child's first line",
      async () => /SIGHUP is ignored/.test(await Deno.readTextFile(logs[0])),
    );
    process.kill(started[0].pid, "SIGHUP");
    await until(
      "both children to end",
      async () => !(await exists(started[0].pidFile)) && !(await exists(started[1].pidFile)),
    );
    for (const log of logs) {
      const text = await Deno.readTextFile(log);
      assert.match(text, /resuming run/);
      assert.match(text, /All 1,000 records loaded\./, text);
    }
    assert.match(await Deno.readTextFile(logs[0]), /SIGHUP \(terminal closed\?\): ignored/);
    a.assertExact("name");
    b.assertExact("name");
    assertLedger(`${shared}/a.db`, [{ vault: "NAME", rows: 1000, failed: new Set() }]);
    assertLedger(`${shared}/b.db`, [{ vault: "NAME", rows: 1000, failed: new Set() }]);
  } finally {
    await Deno.remove(shared, { recursive: true });
  }
});

Deno.test("kill $(cat <pid file>) stops a detached load cleanly and the same command resumes it", async () => {
  await using ws = await workspace({ count: 2000, columns: ["name"], simulator: { latencyMs: 40 } });
  const args = [
    "load",
    "--config",
    ws.configPath,
    "--state",
    ws.statePath,
    "--batch-size",
    "20",
    "--concurrency",
    "2",
  ];
  const parent = await runByot([...args, "--detach"]);
  assert.equal(parent.code, 0, parent.err);
  const pidFile = /kill \$\(cat (\S+)\)/.exec(parent.err)?.[1];
  assert.ok(pidFile, parent.err);
  const pid = Number((await Deno.readTextFile(pidFile)).trim());
  await until("some batches to settle", () => ws.sim.store.count("vault-name", "name") >= 200);
  process.kill(pid, "SIGTERM");
  await until("the child to end", async () => !(await exists(pidFile)));
  const log = pidFile.replace(/\.pid$/, "");
  let text = "";
  for await (const entry of Deno.readDir(ws.dir)) {
    if (`${ws.dir}/${entry.name}`.startsWith(`${log}-`)) {
      text = await Deno.readTextFile(`${ws.dir}/${entry.name}`);
    }
  }
  assert.match(text, /SIGTERM: stopping: finishing in-flight batches/);
  assert.match(text, /Stopped \(exit 143\)/);
  assert.match(text, /To resume, run again: byot load --config/);
  assert.ok(ws.sim.store.count("vault-name", "name") < 2000, "stopped before the end");

  const resumed = await runByot(args);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming run/);
  ws.assertExact("name");
  assertLedger(ws.statePath, [{ vault: "NAME", rows: 2000, failed: new Set() }]);
});

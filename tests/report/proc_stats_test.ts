import assert from "node:assert/strict";
import { cpuPercentBetween, ProcMonitor, readProcSample } from "../../src/report/proc_stats.ts";

Deno.test("readProcSample() of this process reports sane CPU time, RSS, threads and start time", async () => {
  const s = await readProcSample(Deno.pid);
  assert.ok(s, "this process is running");
  assert.equal(s.pid, Deno.pid);
  assert.ok(s.rssBytes > 4 * 1024 * 1024 && s.rssBytes < 16 * 1024 ** 3, `rss ${s.rssBytes}`);
  assert.ok(s.threads >= 1, `threads ${s.threads}`);
  assert.ok(s.cpuMs > 0, `cpu ${s.cpuMs}`);
  assert.ok(
    s.startedAt <= Date.now() + 1000 && s.startedAt > Date.now() - 24 * 3600_000,
    `start ${s.startedAt}`,
  );
  assert.ok(s.sockets !== undefined && s.tcpEstablished !== undefined);
});

/**
 * A child Deno process that opens a loopback TCP connection to itself on "open" and closes it on
 * "close", answering each command with a line. A child, because tests in parallel share this
 * process and open and close their own sockets while we count.
 */
const SOCKET_CHILD = `
const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
let pair = [];
const out = new TextEncoder();
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  for (const command of chunk.split("\\n").filter((c) => c)) {
    if (command === "open") {
      const client = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      pair = [client, await server.accept()];
    } else for (const c of pair.splice(0)) c.close();
    await Deno.stdout.write(out.encode(command + "ed\\n"));
  }
}
`;

Deno.test("readProcSample() counts the open TCP connections of a process as established", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", SOCKET_CHILD],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const send = async (command: string) => {
    await writer.write(new TextEncoder().encode(`${command}\n`));
    let text = "";
    while (!text.includes("\n")) text += (await lines.read()).value ?? "";
    assert.equal(text.trim(), `${command}ed`);
    return await readProcSample(child.pid);
  };
  try {
    const before = await send("close");
    const during = await send("open");
    const after = await send("close");
    const counts = (s: typeof before) => [s!.tcpEstablished, s!.sockets];
    // both ends of the loopback connection belong to the child
    assert.deepEqual(
      counts(during),
      [before!.tcpEstablished! + 2, before!.sockets! + 2],
      JSON.stringify(during),
    );
    assert.deepEqual(counts(after), counts(before));
  } finally {
    await writer.close();
    await lines.cancel();
    await child.status;
  }
});

Deno.test("ProcMonitor.sample() reports the CPU share of busy work between two samples", async () => {
  const monitor = new ProcMonitor();
  const first = await monitor.sample(Deno.pid);
  assert.ok(first && first.cpuPercent >= 0);
  const until = Date.now() + 150;
  let spin = 0;
  while (Date.now() < until) spin++;
  const second = await monitor.sample(Deno.pid);
  assert.ok(spin > 0);
  // a busy loop on a shared 2-core machine: well above idle, at most all cores
  const cpu = second!.cpuPercent;
  assert.ok(cpu > 10 && cpu <= 100 * navigator.hardwareConcurrency + 20, `cpu ${cpu}%`);
});

Deno.test("readProcSample() returns undefined for a pid that does not exist, or is invalid", async () => {
  assert.equal(await readProcSample(2 ** 31 - 1), undefined);
  assert.equal(await readProcSample(0), undefined);
  assert.equal(await readProcSample(-5), undefined);
});

Deno.test("readProcSample() parses a command name with spaces and parentheses, and treats zombies as gone", async () => {
  const root = await Deno.makeTempDir({ prefix: "byot-proc-" });
  try {
    await Deno.writeTextFile(`${root}/stat`, "cpu  1 2 3\nbtime 1700000000\n");
    await Deno.mkdir(`${root}/42/fd`, { recursive: true });
    await Deno.mkdir(`${root}/42/net`);
    const fields = (state: string) =>
      `42 (deno (main) x) ${state} 1 1 1 0 -1 0 0 0 0 0 250 150 0 0 20 0 9 0 500 100 200 0\n`;
    await Deno.writeTextFile(`${root}/42/stat`, fields("S"));
    await Deno.writeTextFile(`${root}/42/status`, "Name:\tdeno\nThreads:\t9\nVmRSS:\t  204800 kB\n");
    await Deno.symlink("socket:[777]", `${root}/42/fd/5`);
    await Deno.symlink("socket:[778]", `${root}/42/fd/6`);
    await Deno.symlink("/dev/null", `${root}/42/fd/0`);
    await Deno.writeTextFile(
      `${root}/42/net/tcp`,
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
        "   0: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 777 1 0\n" +
        "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 778 1 0\n",
    );
    const s = await readProcSample(42, { procRoot: root, now: () => 1_700_000_010_000 });
    assert.deepEqual(s, {
      pid: 42,
      at: 1_700_000_010_000,
      startedAt: 1_700_000_005_000, // boot + 500 ticks
      cpuMs: 4000, // (250 + 150) ticks
      rssBytes: 204800 * 1024,
      threads: 9,
      sockets: 2,
      tcpEstablished: 1,
    });
    // 4 s of CPU over the 5 s since start
    assert.equal(cpuPercentBetween(undefined, s), 80);
    await Deno.writeTextFile(`${root}/42/stat`, fields("Z"));
    assert.equal(await readProcSample(42, { procRoot: root }), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

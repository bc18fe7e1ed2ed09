/**
 * The HTML run report: one self-contained page (inline CSS and SVG, no script, no external
 * resource; a Content-Security-Policy forbids fetching anything) with the run's facts, its
 * per-vault tables and charts over time.
 *
 * @module
 */
import { formatDuration, formatEta, formatInt, formatMs, formatRate } from "../format.ts";
import type { ReportVault, RunReportData } from "./data.ts";
import { escapeHtml } from "./escape.ts";
import { runCharts } from "./series.ts";

const CSS = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5f6b7a; --line: #e3e7ee; --bg: #fff; --panel: #f6f8fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; vertical-align: 3px; }
.badge.finished { background: #e3f4e8; color: #1f7a3f; } .badge.running { background: #e4eefb; color: #1f5fa8; }
.badge.interrupted, .badge.failed, .badge.abandoned { background: #fdecea; color: #a8322a; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; padding: 12px 16px; background: var(--panel); border-radius: 8px; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { color: var(--muted); font-weight: 600; font-size: 12px; }
tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
.scroll { overflow-x: auto; }
figure.chart { margin: 0 0 22px; padding: 12px 12px 6px; border: 1px solid var(--line); border-radius: 8px; }
figure.chart figcaption { font-weight: 600; margin: 0 0 6px; }
figure.chart svg { width: 100%; height: auto; display: block; }
.grid { stroke: var(--line); stroke-width: 1; }
.tick, .unit { fill: var(--muted); font-size: 11px; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; padding: 0; font-size: 12px; color: var(--muted); }
ul.legend li { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.empty { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

/** Renders the whole report page. */
export function renderRunReport(data: RunReportData): string {
  const run = data.run;
  const status = escapeHtml(run.status);
  const vaultNames = data.vaults.map((v) => v.name);
  const charts = runCharts(data.samples, vaultNames);
  const interval = typicalIntervalMs(data);
  const facts: Array<[string, string]> = [
    ["Run", `<code>${escapeHtml(run.id)}</code>`],
    ["Source", escapeHtml(run.sourceKind) + (run.shard ? `, shard ${escapeHtml(run.shard)}` : "")],
    ["Started", utc(run.createdAt)],
    [run.finishedAt !== undefined ? "Finished" : "Last update", utc(run.finishedAt ?? run.updatedAt)],
    ["Vaults", escapeHtml(vaultNames.join(", ") || "none")],
  ];
  if (run.command) facts.push(["Command", `<code>byot ${escapeHtml(run.command)}</code>`]);
  facts.push([
    "Samples",
    data.samples.length === 0
      ? "none (the run was made by a byot without samples, or has not reached its first interval)"
      : `${formatInt(perVault(data))} per vault, one every ${formatDuration(interval)}`,
  ]);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>byot run ${escapeHtml(run.id)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>byot run <code>${escapeHtml(run.id)}</code> <span class="badge ${status}">${status}</span></h1>
<p class="sub">Report of ${escapeHtml(data.stateFile)}, written ${utc(data.generatedAt)}${
    run.status === "running" ? " while the run was still going: write it again for newer figures" : ""
  }.</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
<h2>Records</h2>
${recordsTable(data)}
<h2>Requests</h2>
${requestsTable(data)}
<h2>Records still failing</h2>
${failuresTable(data)}
<h2>Over time</h2>
${charts.join("\n")}
<footer>Written by byot ${
    escapeHtml(data.version)
  }. Times are UTC. Self-contained: no network needed to view it.</footer>
</main>
</body>
</html>
`;
}

function recordsTable(data: RunReportData): string {
  const head = [
    "Vault",
    "Total",
    "Loaded",
    "Already present",
    "Failed",
    "Still failing",
    "Skipped",
    "Pending",
    "Rec/s",
    "Elapsed",
    "ETA",
  ];
  const row = (v: ReportVault, total = false) =>
    `<tr${total ? ' class="total"' : ""}>${
      [
        escapeHtml(v.name),
        opt(v.total),
        formatInt(v.loaded),
        formatInt(v.alreadyPresent),
        formatInt(v.failed),
        formatInt(v.unresolvedFailures),
        formatInt(v.skipped),
        opt(v.pending),
        formatRate(v.recordsPerSecond),
        formatDuration(v.elapsedMs),
        v.finished ? "done" : formatEta(v.etaMs),
      ].map((c) => `<td>${c}</td>`).join("")
    }</tr>`;
  return table(
    head,
    data.vaults.map((v) => row(v)).join("") + (data.vaults.length > 1 ? row(data.totals, true) : ""),
  );
}

function requestsTable(data: RunReportData): string {
  const head = ["Vault", "Requests", "429 answers", "Retries", "Latency p50", "Latency p99 (worst interval)"];
  const row = (v: ReportVault, total = false) =>
    `<tr${total ? ' class="total"' : ""}>${
      [
        escapeHtml(v.name),
        formatInt(v.requests),
        formatInt(v.rateLimited),
        formatInt(v.retries),
        v.latencyP50Ms === undefined ? "–" : formatMs(v.latencyP50Ms),
        v.latencyP99Ms === undefined ? "–" : formatMs(v.latencyP99Ms),
      ].map((c) => `<td>${c}</td>`).join("")
    }</tr>`;
  return table(
    head,
    data.vaults.map((v) => row(v)).join("") + (data.vaults.length > 1 ? row(data.totals, true) : ""),
  );
}

function failuresTable(data: RunReportData): string {
  if (data.failuresByStatus.length === 0) return `<p class="empty">None.</p>`;
  const rows = data.failuresByStatus.map((f) =>
    `<tr><td>${f.status === 0 ? "no answer (network, timeout)" : `HTTP ${f.status}`}</td><td>${
      formatInt(f.count)
    }</td></tr>`
  ).join("");
  return table(["Last answer", "Records"], rows) +
    `<p class="sub">List, export or retry them: <code>byot failures list --run ${
      escapeHtml(data.run.id)
    }</code>, <code>byot failures retry --run ${escapeHtml(data.run.id)}</code>.</p>`;
}

function table(head: string[], body: string): string {
  return `<div class="scroll"><table><thead><tr>${
    head.map((h) => `<th>${h}</th>`).join("")
  }</tr></thead><tbody>${body}</tbody></table></div>`;
}

function opt(n: number | undefined): string {
  return n === undefined ? "–" : formatInt(n);
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

function perVault(data: RunReportData): number {
  const counts = new Map<string, number>();
  for (const s of data.samples) counts.set(s.vault, (counts.get(s.vault) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

function typicalIntervalMs(data: RunReportData): number {
  const sorted = data.samples.map((s) => s.intervalMs).sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
}

import assert from "node:assert/strict";
import {
  formatDecimal,
  formatDuration,
  formatEta,
  formatInt,
  formatMs,
  formatPercent,
  formatRate,
  roundTo,
  safeDiv,
  truncate,
} from "../../src/report/format.ts";

Deno.test("formatInt() adds thousands separators and rounds", () => {
  assert.equal(formatInt(0), "0");
  assert.equal(formatInt(999), "999");
  assert.equal(formatInt(1234567.4), "1,234,567");
  assert.equal(formatInt(-1500), "-1,500");
});

Deno.test("formatInt() prints 0 for NaN, Infinity and -0", () => {
  assert.equal(formatInt(NaN), "0");
  assert.equal(formatInt(Infinity), "0");
  assert.equal(formatInt(-0.2), "0");
});

Deno.test("formatDecimal() keeps the requested decimals with separators", () => {
  assert.equal(formatDecimal(12345.678, 1), "12,345.7");
  assert.equal(formatDecimal(-0.04, 1), "0.0");
  assert.equal(formatDecimal(-2.5, 2), "-2.50");
  assert.equal(formatDecimal(NaN, 1), "0.0");
});

Deno.test("formatPercent() is 0.0% when the whole is 0", () => {
  assert.equal(formatPercent(1, 3), "33.3%");
  assert.equal(formatPercent(5, 0), "0.0%");
  assert.equal(formatPercent(0, 0), "0.0%");
  assert.equal(formatPercent(120_000, 400_000), "30.0%");
});

Deno.test("formatRate() shows one decimal below 10 and integers above", () => {
  assert.equal(formatRate(8450.4), "8,450");
  assert.equal(formatRate(2.46), "2.5");
  assert.equal(formatRate(0), "0");
  assert.equal(formatRate(NaN), "0");
});

Deno.test("formatDuration() picks ms, seconds, minutes or hours by size", () => {
  assert.equal(formatDuration(0), "0ms");
  assert.equal(formatDuration(850), "850ms");
  assert.equal(formatDuration(12_345), "12.3s");
  assert.equal(formatDuration(59_949), "59.9s");
  assert.equal(formatDuration(59_950), "1m00s");
  assert.equal(formatDuration(245_000), "4m05s");
  assert.equal(formatDuration(3_723_000), "1h02m03s");
});

Deno.test("formatDuration() prints 0ms for negative and non-finite durations", () => {
  assert.equal(formatDuration(-5), "0ms");
  assert.equal(formatDuration(NaN), "0ms");
  assert.equal(formatDuration(Infinity), "0ms");
});

Deno.test("formatEta() rounds to seconds and prints -- when unknown", () => {
  assert.equal(formatEta(32_600), "33s");
  assert.equal(formatEta(0), "0s");
  assert.equal(formatEta(3_723_000), "1h02m03s");
  assert.equal(formatEta(undefined), "--");
  assert.equal(formatEta(Infinity), "--");
  assert.equal(formatEta(-1), "--");
});

Deno.test("formatMs() scales precision with the latency", () => {
  assert.equal(formatMs(0.4211), "0.42ms");
  assert.equal(formatMs(12.46), "12.5ms");
  assert.equal(formatMs(134.6), "135ms");
  assert.equal(formatMs(12_345), "12.3s");
  assert.equal(formatMs(NaN), "0.00ms");
});

Deno.test("truncate() cuts with an ellipsis only when needed", () => {
  assert.equal(truncate("abcdef", 10), "abcdef");
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abcdef", 0), "");
});

Deno.test("safeDiv() and roundTo() never return NaN or Infinity", () => {
  assert.equal(safeDiv(10, 0), 0);
  assert.equal(safeDiv(0, 0), 0);
  assert.equal(safeDiv(10, 4), 2.5);
  assert.equal(roundTo(1.23456, 2), 1.23);
  assert.equal(roundTo(NaN, 2), 0);
  assert.ok(Object.is(roundTo(-0.0001, 2), 0));
});

Deno.test("formatInt() and formatDecimal() group thousands exactly as en-US Intl.NumberFormat does", () => {
  const intl = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  for (const n of [0, 1, 12, 123, 999, 1000, 1001, 99_999, 100_000, 123_456_789, 500_000_000, 2 ** 53 - 1]) {
    assert.equal(formatInt(n), intl.format(n), `${n}`);
    assert.equal(formatInt(-n), intl.format(-n === 0 ? 0 : -n), `-${n}`);
    if (n < 2 ** 40) assert.equal(formatDecimal(n + 0.5, 1), `${intl.format(n)}.5`, `${n}.5`);
  }
});

/**
 * `HOST:PORT` addresses for byot's own listeners (the Prometheus endpoint, `--metrics-addr`).
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import { quote } from "./rules.ts";

/** Where to listen: a host name or IP literal (brackets removed) and a TCP port. */
export interface ListenAddress {
  /** Host name or IP address to bind; `0.0.0.0` when the address began with `:`. */
  hostname: string;
  /** TCP port, 0–65535 (0 = any free port). */
  port: number;
}

/**
 * Parses `HOST:PORT`, `:PORT` (every IPv4 interface) or `[IPv6]:PORT`.
 *
 * @param value the address as written.
 * @param label where it came from (`--metrics-addr`, a config key), for the message.
 * @throws {ConfigError} `--metrics-addr must be HOST:PORT, e.g. 0.0.0.0:9464 (got "x")`.
 * @example
 * ```ts
 * parseListenAddress("127.0.0.1:9464", "--metrics-addr"); // { hostname: "127.0.0.1", port: 9464 }
 * parseListenAddress("[::1]:9464", "--metrics-addr"); // { hostname: "::1", port: 9464 }
 * ```
 */
export function parseListenAddress(value: string, label: string): ListenAddress {
  const text = value.trim();
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigError(`${label} must be HOST:PORT, e.g. 0.0.0.0:9464 (got ${quote(value)})`);
  }
  const hostname = match[1] ?? (match[2] === "" ? "0.0.0.0" : match[2]);
  return { hostname, port };
}

/** The address as `HOST:PORT` (IPv6 in brackets), for messages. */
export function formatListenAddress(address: ListenAddress): string {
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}

/**
 * Which proxy a request goes through, from `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (either case),
 * as Deno's `fetch` and curl read them.
 *
 * @module
 */

/** The proxy settings of a client. */
export interface ProxySettings {
  /** Proxy of `http:` URLs (`http://user:pass@proxy:3128`). */
  httpProxy?: string;
  /** Proxy of `https:` URLs, reached with `CONNECT`. */
  httpsProxy?: string;
  /** Hosts reached directly: comma- or space-separated names, `.suffix`, `*.suffix`, `host:port`, or `*`. */
  noProxy?: string;
}

/**
 * The proxy settings in the environment; empty when none is set or the environment cannot be read
 * (Deno's `fetch` would not see a proxy either).
 *
 * @example
 * ```ts
 * const settings = proxySettingsFromEnv({ HTTPS_PROXY: "http://proxy:3128" });
 * settings.httpsProxy; // "http://proxy:3128"
 * ```
 */
export function proxySettingsFromEnv(
  env: Record<string, string | undefined> = readProxyEnv(),
): ProxySettings {
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  return { httpProxy: pick("HTTP_PROXY"), httpsProxy: pick("HTTPS_PROXY"), noProxy: pick("NO_PROXY") };
}

function readProxyEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  try {
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]) {
      env[name] = Deno.env.get(name);
      env[name.toLowerCase()] = Deno.env.get(name.toLowerCase());
    }
  } catch {
    // no env permission: no proxy
  }
  return env;
}

/**
 * The proxy `url` goes through, or `undefined` to connect directly.
 *
 * @throws {TypeError} when the proxy URL is not an `http://` URL.
 * @example
 * ```ts
 * proxyFor(new URL("https://a.vault.skyflowapis.com/v1"), { httpsProxy: "http://proxy:3128" })?.host; // "proxy:3128"
 * proxyFor(new URL("https://a.vault.test/v1"), { httpsProxy: "http://proxy:3128", noProxy: ".test" }); // undefined
 * ```
 */
export function proxyFor(url: URL, settings: ProxySettings): URL | undefined {
  const configured = url.protocol === "https:" ? settings.httpsProxy : settings.httpProxy;
  if (!configured || bypasses(url, settings.noProxy ?? "")) return undefined;
  const proxy = new URL(configured.includes("://") ? configured : `http://${configured}`);
  if (proxy.protocol !== "http:") {
    throw new TypeError(`proxy ${proxy.protocol}// URLs are not supported (use an http:// proxy URL)`);
  }
  return proxy;
}

function bypasses(url: URL, noProxy: string): boolean {
  const host = bareHostname(url).toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const hostPort = bracketed === null ? /^([^:]+):(\d+)$/.exec(entry) : null;
    if (bracketed !== null) [, entry, entryPort] = bracketed;
    else if (hostPort !== null) [, entry, entryPort] = hostPort;
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, ".");
    if (entry.startsWith(".")) {
      if (host.endsWith(entry) || host === entry.slice(1)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/**
 * A URL's host name without the brackets of an IPv6 literal (`[::1]` → `::1`), as sockets take it.
 *
 * @example
 * ```ts
 * bareHostname(new URL("http://[::1]:8080/")); // "::1"
 * ```
 */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** `Proxy-Authorization` of a proxy URL with a user name, or `undefined`. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === "") return undefined;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  const bytes = new TextEncoder().encode(credentials);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

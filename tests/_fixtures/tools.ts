/**
 * Tests that need a system tool (promtool, chromium): they run when it is installed, always under
 * `CI` (where its absence is a failure, not a skip), and are ignored with a clear message only on a
 * developer machine without it.
 *
 * @module
 */

/** Where a system tool is, and whether a test needing it should be ignored. */
export interface SystemTool {
  /** Absolute path of the tool, when found on `PATH` (or at `fallback`). */
  path?: string;
  /** True only when the tool is missing and `CI` is not set. */
  ignore: boolean;
}

/** Finds `name` on `PATH`; says once on stderr why a test is ignored when it is missing outside CI. */
export function systemTool(name: string, install: string): SystemTool {
  let path: string | undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) {
        path = `${dir}/${name}`;
        break;
      }
    } catch {
      // not here
    }
  }
  const ci = (Deno.env.get("CI") ?? "") !== "";
  const ignore = path === undefined && !ci;
  if (ignore) {
    // deno-lint-ignore no-console
    console.error(
      `${name} not found: the tests that need it are ignored (install it: ${install}; under CI=true they run)`,
    );
  }
  return { path, ignore };
}

/** Runs `promtool check metrics` on `text`; returns its exit code and output. */
export async function promtoolCheck(
  promtool: string,
  text: string,
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(promtool, {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

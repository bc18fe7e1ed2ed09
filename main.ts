/**
 * byot entry point: `deno run -A main.ts <command> ...` (or the compiled `byot` binary).
 *
 * @module
 */
import { main } from "./src/cli/main.ts";
import { denoIo } from "./src/common/io.ts";
import { adoptLaunchDirectory } from "./src/cli/shared/launch_dir.ts";

if (import.meta.main) {
  if (import.meta.dirname) adoptLaunchDirectory(import.meta.dirname);
  const code = await main(Deno.args, denoIo());
  Deno.exit(code);
}

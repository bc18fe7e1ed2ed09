/**
 * byot entry point: `deno run -A main.ts <command> ...` (or the compiled `byot` binary).
 *
 * @module
 */
import { main } from "./src/cli/main.ts";
import { denoIo } from "./src/common/io.ts";

if (import.meta.main) {
  const code = await main(Deno.args, denoIo());
  Deno.exit(code);
}

import assert from "node:assert/strict";
import { resolveStatePath } from "../../../src/cli/shared/state_file.ts";

const env = (vars: Record<string, string>) => ({ env: (name: string) => vars[name] });

Deno.test("resolveStatePath() takes --state, else BYOT_STATE, else byot-state.db", () => {
  assert.equal(resolveStatePath("a.db", env({ BYOT_STATE: "b.db" })), "a.db");
  assert.equal(resolveStatePath(undefined, env({ BYOT_STATE: "b.db" })), "b.db");
  assert.equal(resolveStatePath(undefined, env({})), "byot-state.db");
});

Deno.test("resolveStatePath() treats an empty --state or BYOT_STATE as not given", () => {
  assert.equal(resolveStatePath(undefined, env({ BYOT_STATE: "" })), "byot-state.db");
  assert.equal(resolveStatePath("", env({ BYOT_STATE: "b.db" })), "b.db");
  assert.equal(resolveStatePath("", env({ BYOT_STATE: "" })), "byot-state.db");
});

/**
 * Shared fixtures of the config resolution tests: a temp workspace with a legacy config, fake
 * secrets that must never show up in a message, and an assertion for ConfigErrors.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../src/common/errors.ts";
import { type CapturedIo, captureIo } from "../_fixtures/io.ts";
import type { LoadFlags } from "../../src/config/load_flags.ts";
import { type ResolveInput, resolveLoadSettings } from "../../src/config/resolve.ts";
import type { LoadSettings } from "../../src/config/settings.ts";

export const CONFIG_TOKEN = "cfg-FAKE-TOKEN-1b2c3d";
export const ENV_TOKEN = "env-FAKE-TOKEN-4e5f6a";
export const FLAG_TOKEN = "flag-FAKE-TOKEN-7b8c9d";
export const SF_PASSWORD = "sf-FAKE-PASSWORD-0e1f";
export const NOW = 1_700_000_000_123;

export interface Workspace extends AsyncDisposable {
  dir: string;
  configPath: string;
  dataDir: string;
}

export type Json = Record<string, unknown>;

export function baseConfig(dataDir: string): Json {
  return {
    skyflow: {
      vault_url: "https://config.vault.test/",
      bearer_token: CONFIG_TOKEN,
      vaults: [
        { name: "NAME", id: "v-name", column: "name" },
        { name: "ID", id: "v-id", column: "id" },
        { name: "DOB", id: "v-dob", column: "dob" },
        { name: "SSN", id: "v-ssn", column: "ssn", table: "persons" },
      ],
    },
    snowflake: { account: "cfg-account", user: "cfg-user", password: SF_PASSWORD, fetch_size: 1000 },
    csv: { data_directory: dataDir },
    performance: { batch_size: 40, max_concurrency: 12 },
  };
}

/** A temp dir with a data dir and a config file; `edit` changes the base config first. */
export async function workspace(edit: (config: Json, dir: string) => void = () => {}): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "byot_resolve_" });
  const dataDir = `${dir}/data`;
  await Deno.mkdir(dataDir);
  const config = baseConfig(dataDir);
  edit(config, dir);
  const configPath = `${dir}/config.json`;
  await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2));
  return {
    dir,
    configPath,
    dataDir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

export async function resolve(
  ws: Workspace,
  flags: LoadFlags = {},
  env: Record<string, string> = {},
  extra: Partial<ResolveInput> = {},
): Promise<{ settings: LoadSettings; io: CapturedIo }> {
  const io = captureIo({ env });
  const settings = await resolveLoadSettings({
    flags: { config: ws.configPath, ...flags },
    io,
    now: () => NOW,
    random: () => 0,
    ...extra,
  });
  return { settings, io };
}

/** Expects a ConfigError (exit code 2) that mentions no secret; returns its message. */
export async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.exitCode, 2);
    for (const secret of [CONFIG_TOKEN, ENV_TOKEN, FLAG_TOKEN, SF_PASSWORD]) {
      assert.ok(!error.message.includes(secret), `secret in message: ${error.message}`);
    }
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  }
  assert.fail("expected a ConfigError");
}

/** The i-th entry of `skyflow.vaults`. */
export function vault(config: Json, i: number): Json {
  return ((config.skyflow as Json).vaults as Json[])[i];
}

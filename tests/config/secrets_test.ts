import assert from "node:assert/strict";
import { ConfigError } from "../../src/common/errors.ts";
import { captureIo } from "../_fixtures/io.ts";
import {
  NO_TOKEN_MESSAGE,
  readSecretFile,
  resolveBearerToken,
  resolveVaultAuth,
  TOKEN_FLAG_WARNING,
} from "../../src/config/secrets.ts";

const TOKEN = "sky-FAKE-BEARER-9d8c7b6a";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "byot_secrets_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function configError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes(TOKEN), error.message);
    return error.message;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("resolveBearerToken() prefers --token, then --token-file, then env, then config, then the prompt", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/token`;
    await Deno.writeTextFile(file, "  file-token\n");
    const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "env-token" } });
    io.stdinIsTerminal = true;
    const promptSecret = () => Promise.resolve("prompt-token");
    const all = { flag: "flag-token", file, config: "config-token", io, promptSecret };
    assert.deepEqual(await resolveBearerToken(all), { token: "flag-token", origin: "flag" });
    assert.deepEqual(await resolveBearerToken({ ...all, flag: undefined }), {
      token: "file-token",
      origin: "file",
    });
    const noFile = { ...all, flag: undefined, file: undefined };
    assert.deepEqual(await resolveBearerToken(noFile), { token: "env-token", origin: "env" });
    const noEnv = { ...noFile, io: Object.assign(captureIo(), { stdinIsTerminal: true }) };
    assert.deepEqual(await resolveBearerToken(noEnv), { token: "config-token", origin: "config" });
    assert.deepEqual(await resolveBearerToken({ ...noEnv, config: "" }), {
      token: "prompt-token",
      origin: "prompt",
    });
  });
});

Deno.test("resolveBearerToken() prints one warning when the token comes from --token", async () => {
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "env-token" } });
  await resolveBearerToken({ flag: TOKEN, io });
  assert.equal(io.err, TOKEN_FLAG_WARNING);
  assert.equal(
    io.err,
    "warning: --token is visible to other users in the process list; prefer SKYFLOW_BEARER_TOKEN or --token-file\n",
  );
  const quiet = captureIo({ env: { SKYFLOW_BEARER_TOKEN: TOKEN } });
  await resolveBearerToken({ io: quiet });
  assert.equal(quiet.err, "");
});

Deno.test("resolveBearerToken() prompts with a hidden-input label only when stdin is a terminal", async () => {
  const labels: string[] = [];
  const promptSecret = (label: string) => {
    labels.push(label);
    return Promise.resolve(` ${TOKEN}\n`);
  };
  assert.equal(await configError(resolveBearerToken({ io: captureIo(), promptSecret })), NO_TOKEN_MESSAGE);
  assert.deepEqual(labels, []);
  const io = Object.assign(captureIo(), { stdinIsTerminal: true });
  assert.deepEqual(await resolveBearerToken({ io, promptSecret }), { token: TOKEN, origin: "prompt" });
  assert.deepEqual(labels, ["Skyflow bearer token: "]);
  assert.equal(io.out + io.err, "", "the prompt function owns the terminal; nothing is echoed");
});

Deno.test("resolveBearerToken() fails with the how-to message when no origin has a token", async () => {
  const io = Object.assign(captureIo({ env: { SKYFLOW_BEARER_TOKEN: " " } }), { stdinIsTerminal: true });
  const message = await configError(
    resolveBearerToken({ config: "  ", io, promptSecret: () => Promise.resolve("") }),
  );
  assert.equal(
    message,
    "no bearer token: set SKYFLOW_BEARER_TOKEN, pass --token-file FILE, or put skyflow.bearer_token in the config",
  );
});

Deno.test("resolveBearerToken() rejects an empty --token instead of falling back", async () => {
  const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: TOKEN } });
  assert.equal(await configError(resolveBearerToken({ flag: "", io })), "--token is empty");
});

Deno.test("readSecretFile() trims the secret and names the file when it is missing or empty", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ok`, `\n${TOKEN}\r\n`);
    assert.equal(await readSecretFile(`${dir}/ok`, "--token-file"), TOKEN);
    await Deno.writeTextFile(`${dir}/blank`, " \n\t\n");
    assert.equal(
      await configError(readSecretFile(`${dir}/blank`, "--token-file")),
      `--token-file "${dir}/blank" is empty`,
    );
    assert.equal(
      await configError(readSecretFile(`${dir}/none`, "--sf-private-key")),
      `--sf-private-key "${dir}/none": not found`,
    );
    assert.equal(
      await configError(readSecretFile(dir, "--token-file")),
      `--token-file "${dir}": is a directory`,
    );
    const readFile = () => Promise.reject(new Deno.errors.PermissionDenied(`denied: ${TOKEN}`));
    assert.equal(
      await configError(readSecretFile("x", "--token-file", readFile)),
      '--token-file "x": permission denied',
    );
  });
});

Deno.test("resolveBearerToken() reads --token-file and never quotes its content", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/token`, `${TOKEN}\n`);
    const io = captureIo();
    assert.deepEqual(await resolveBearerToken({ file: `${dir}/token`, io }), {
      token: TOKEN,
      origin: "file",
    });
    const missing = await configError(resolveBearerToken({ file: `${dir}/gone`, io }));
    assert.equal(missing, `--token-file "${dir}/gone": not found`);
    assert.equal(io.err, "");
  });
});

Deno.test("resolveVaultAuth() takes a --token-file without reading credentials configured elsewhere", async () => {
  await withTempDir(async (dir) => {
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, `${TOKEN}\n`);
    const io = captureIo({ env: { SKYFLOW_CREDENTIALS: `${dir}/gone.json` } });
    const config = { credentialsFile: `${dir}/also-gone.json` };
    const auth = await resolveVaultAuth({ flags: { tokenFile }, io, config });
    assert.deepEqual([auth.bearerToken, auth.tokenOrigin, auth.credentials], [
      TOKEN,
      "file",
      undefined,
    ]);
    const message = await configError(resolveVaultAuth({ flags: {}, io, config }));
    assert.match(
      message,
      /SKYFLOW_CREDENTIALS/,
      "without a token flag the credentials are used, and must exist",
    );
  });
});

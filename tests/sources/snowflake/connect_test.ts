import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { ConfigError } from "../../../src/common/errors.ts";
import type { SnowflakeSettings } from "../../../src/config/settings.ts";
import { connectionOptions } from "../../../src/sources/snowflake/connect.ts";
import { openSnowflake } from "../../../src/sources/snowflake/mod.ts";
import { type FakeSnowflake, startFakeSnowflake, writeRsaKey } from "./_double.ts";

const FAST = { timeoutMs: 5000, loginRetries: 0 };

async function withDouble(
  options: Parameters<typeof startFakeSnowflake>[0],
  fn: (double: FakeSnowflake) => Promise<void>,
): Promise<void> {
  const double = await startFakeSnowflake(options);
  try {
    await fn(double);
  } finally {
    await double.close();
  }
}

async function rejectsConfig(fn: () => Promise<unknown>, check: (message: string) => void): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    assert.equal(error.message.includes("\n"), false, "one line");
    check(error.message);
    return true;
  });
}

Deno.test("openSnowflake() logs in with a password and logs out on close", async () => {
  await withDouble({}, async (double) => {
    const settings: SnowflakeSettings = {
      user: "u",
      password: "p",
      account: "acme",
      accessUrl: double.url,
      database: "DB",
      warehouse: "WH",
    };
    const session = await openSnowflake(settings, FAST);
    assert.equal(session.label, 'Snowflake user "u" on account "acme"');
    await session.close();
    await session.close();
    const [login] = double.logins;
    assert.equal(login.LOGIN_NAME, "u");
    assert.equal(login.PASSWORD, "p");
    assert.equal(login.ACCOUNT_NAME, "acme");
    assert.equal(login.TOKEN, undefined);
    assert.ok(double.requests.some((r) => r.method === "POST" && r.path === "/session"), "session deleted");
  });
});

Deno.test("openSnowflake() sends a programmatic access token as TOKEN with its authenticator", async () => {
  await withDouble({ token: "pat-123" }, async (double) => {
    const settings: SnowflakeSettings = {
      user: "u",
      authenticator: "programmatic_access_token",
      token: "pat-123",
      account: "acme",
      accessUrl: double.url,
    };
    const session = await openSnowflake(settings, FAST);
    await session.close();
    const [login] = double.logins;
    assert.equal(login.AUTHENTICATOR, "PROGRAMMATIC_ACCESS_TOKEN");
    assert.equal(login.TOKEN, "pat-123");
    assert.equal(login.PASSWORD, undefined);
  });
});

Deno.test("openSnowflake() signs a key-pair JWT the double verifies, with an encrypted key too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "byot_sf_key_" });
  try {
    const plain = join(dir, "rsa_key.p8");
    const publicKey = await writeRsaKey(plain);
    const encrypted = join(dir, "rsa_key_enc.p8");
    const pem = createPrivateKey(await Deno.readTextFile(plain))
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "open sesame" });
    await Deno.writeTextFile(encrypted, String(pem));
    await withDouble({ jwtPublicKey: publicKey }, async (double) => {
      const base: SnowflakeSettings = {
        user: "u",
        authenticator: "SNOWFLAKE_JWT",
        account: "acme",
        accessUrl: double.url,
      };
      await (await openSnowflake({ ...base, privateKeyPath: plain }, FAST)).close();
      await (await openSnowflake(
        { ...base, privateKeyPath: encrypted, privateKeyPassphrase: "open sesame" },
        FAST,
      )).close();
      assert.equal(double.logins.length, 2);
      for (const login of double.logins) {
        assert.equal(login.AUTHENTICATOR, "SNOWFLAKE_JWT");
        assert.equal(String(login.TOKEN).split(".").length, 3);
      }
      await rejectsConfig(
        () => openSnowflake({ ...base, privateKeyPath: join(dir, "missing.p8") }, FAST),
        (m) => assert.match(m, /private key: file not found: .*missing\.p8/),
      );
      await rejectsConfig(
        () => openSnowflake({ ...base, privateKeyPath: encrypted, privateKeyPassphrase: "wrong one" }, FAST),
        (m) => {
          assert.match(m, /private key .*rsa_key_enc\.p8 cannot be used \(wrong or missing passphrase/);
          assert.doesNotMatch(m, /wrong one/);
        },
      );
      assert.equal(double.logins.length, 2, "a key that cannot be read never reaches Snowflake");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openSnowflake() turns a rejected login into one ConfigError line without the password", async () => {
  await withDouble({}, async (double) => {
    const settings: SnowflakeSettings = {
      user: "u",
      password: "hunter2-secret",
      account: "acme",
      accessUrl: double.url,
    };
    await rejectsConfig(() => openSnowflake(settings, FAST), (message) => {
      assert.equal(
        message,
        'Snowflake login failed for user "u" on account "acme": ' +
          "Incorrect username or password was specified. (code 390100)",
      );
      assert.doesNotMatch(message, /hunter2/);
    });
    assert.equal(double.logins.length, 1, "a rejected login is not retried");
  });
});

Deno.test("openSnowflake() fails fast with a ConfigError when nothing listens at the address", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const settings: SnowflakeSettings = {
    user: "u",
    password: "p",
    accessUrl: `http://127.0.0.1:${port}`,
    account: "a",
  };
  const t0 = performance.now();
  await rejectsConfig(
    () => openSnowflake(settings, FAST),
    (m) => assert.match(m, /^Snowflake login failed for user "u"/),
  );
  assert.ok(performance.now() - t0 < 5000);
});

Deno.test("connectionOptions() maps each auth method to the driver's option names", () => {
  const base = { user: "u", account: "acme", warehouse: "WH", role: "R" };
  const password = connectionOptions({ ...base, password: "p" }) as Record<string, unknown>;
  assert.equal(password.authenticator, "SNOWFLAKE");
  assert.equal(password.username, "u");
  assert.equal(password.password, "p");
  assert.equal(password.warehouse, "WH");
  assert.equal(password.role, "R");
  assert.equal(password.representNullAsStringNull, false);
  assert.equal(password.sfRetryMaxLoginRetries, 1);
  const pat = connectionOptions({
    ...base,
    authenticator: "programmatic_access_token",
    password: "tok",
  }) as Record<
    string,
    unknown
  >;
  assert.deepEqual([pat.authenticator, pat.token, pat.password], [
    "PROGRAMMATIC_ACCESS_TOKEN",
    "tok",
    undefined,
  ]);
  const jwt = connectionOptions({
    ...base,
    authenticator: "snowflake_jwt",
    privateKeyPath: "k.p8",
    privateKeyPassphrase: "pp",
  }) as Record<string, unknown>;
  assert.deepEqual([jwt.authenticator, jwt.privateKeyPath, jwt.privateKeyPass], [
    "SNOWFLAKE_JWT",
    "k.p8",
    "pp",
  ]);
  assert.throws(() => connectionOptions({ ...base }), /password login needs a password/);
  assert.throws(() => connectionOptions({ ...base, authenticator: "snowflake_jwt" }), /needs a private key/);
  assert.throws(() => connectionOptions({ account: "a", password: "p" }), /needs a user/);
  assert.throws(
    () => connectionOptions({ ...base, authenticator: "externalbrowser" }),
    /unknown Snowflake authenticator "externalbrowser": use snowflake, programmatic_access_token or SNOWFLAKE_JWT$/,
  );
});

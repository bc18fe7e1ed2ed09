/**
 * Runs the official Skyflow Node SDK (`skyflow-node`, the version npm serves) against a vault URL and
 * prints one JSON document with what each call answered. `sdk_test.ts` runs it as a child process
 * with `NODE_EXTRA_CA_CERTS` naming the test CA, because the SDK accepts only an https vault URL.
 *
 * Usage: NODE_EXTRA_CA_CERTS=tests/fixtures/tls/ca.pem deno run -A _sdk_client.ts CREDENTIALS VAULT_URL VAULT_ID
 */
import { generateBearerToken, isExpired, LogLevel, setLogLevel, Skyflow } from "skyflow-node";

const [credentialsFile, vaultURL, vaultID] = Deno.args;
setLogLevel(LogLevel.OFF);

let bearerToken = "";
let exchanges = 0;
const skyflow = Skyflow.init({
  vaultID,
  vaultURL,
  getBearerToken: async () => {
    if (bearerToken === "" || isExpired(bearerToken)) {
      exchanges++;
      bearerToken = (await generateBearerToken(credentialsFile)).accessToken;
    }
    return bearerToken;
  },
});

/** JSON of `value`, with the own properties of errors (the SDK's SkyflowError hides them). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => {
    if (!(v instanceof Error)) return v;
    const own: Record<string, unknown> = {};
    for (const name of Object.getOwnPropertyNames(v)) if (name !== "stack") own[name] = (v as never)[name];
    return own;
  }));
}

/** The call's answer, or what it rejected with, as plain JSON. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: plain(await call()) };
  } catch (error) {
    return { error: plain(error) };
  }
}

const out: Record<string, unknown> = {};
out.insert = await outcome(() =>
  skyflow.insert({
    records: [
      { table: "persons", fields: { name: "MARY SMITH", ssn: "123-45-6789" } },
      { table: "persons", fields: { name: "JOHN DOE", ssn: "987-65-4321" } },
    ],
  }, { tokens: true })
);
type Inserted = { records: { fields: Record<string, string> }[] };
const inserted = ((out.insert as { ok?: Inserted }).ok?.records ?? []).map((r) => r.fields);
const ids = inserted.map((f) => f.skyflow_id);
out.getById = await outcome(() =>
  skyflow.getById({ records: [{ ids, table: "persons", redaction: Skyflow.RedactionType.PLAIN_TEXT }] })
);
out.getByColumn = await outcome(() =>
  skyflow.get({
    records: [{
      table: "persons",
      columnName: "name",
      columnValues: ["JOHN DOE"],
      redaction: Skyflow.RedactionType.MASKED,
    }],
  })
);
out.getTokens = await outcome(() =>
  skyflow.get({ records: [{ ids: [ids[0]], table: "persons" }] }, { tokens: true })
);
out.detokenize = await outcome(() =>
  skyflow.detokenize({
    records: [{ token: inserted[0]?.name }, {
      token: inserted[1]?.ssn,
      redaction: Skyflow.RedactionType.DEFAULT,
    }],
  })
);
out.update = await outcome(() =>
  skyflow.update({ records: [{ id: ids[1], table: "persons", fields: { name: "JOHN Q DOE" } }] }, {
    tokens: true,
  })
);
out.delete = await outcome(() => skyflow.delete({ records: [{ id: ids[0], table: "persons" }] }));
out.getDeleted = await outcome(() =>
  skyflow.getById({
    records: [{ ids: [ids[0]], table: "persons", redaction: Skyflow.RedactionType.PLAIN_TEXT }],
  })
);
out.exchanges = exchanges;
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify({ inserted, ...out }) + "\n"));

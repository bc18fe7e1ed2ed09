import assert from "node:assert/strict";
import { MASK, maskValue, redactMessage } from "../../../src/cli/shared/redact.ts";

Deno.test("maskValue() shows the same mask for every value: no character, no length", () => {
  const masks = ["1", "123-45-6789", "JOHN SMITH", "a-much-longer-token-value-0123456789"].map(maskValue);
  assert.deepEqual(masks, [MASK, MASK, MASK, MASK]);
  for (const digit of "0123456789") assert.ok(!MASK.includes(digit));
  assert.equal(maskValue(null), "(purged)");
});

Deno.test("redactMessage() masks the value and the token wherever they appear in a message", () => {
  const message = 'Insert failed. Duplicate value "123-45-6789" for token tok-9f8e';
  const out = redactMessage(message, { value: "123-45-6789", token: "tok-9f8e" });
  assert.equal(out, `Insert failed. Duplicate value "${MASK}" for token ${MASK}`);
});

import { createHmac } from "node:crypto";

/** The generic 3PL scheme: `sha256=` + hex HMAC-SHA256 of the raw body, keyed with the UTF-8 secret. */
export function sign3pl(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", Buffer.from(secret, "utf8")).update(body, "utf8").digest("hex")}`;
}

/**
 * Onfleet's scheme: hex HMAC-SHA512 of the raw body. Onfleet hands out the webhook secret as a
 * hex string and signs with the bytes it encodes, not with its text.
 */
export function signOnfleet(body: string, secretHex: string): string {
  return createHmac("sha512", Buffer.from(secretHex, "hex")).update(body, "utf8").digest("hex");
}

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

/**
 * The generic 3PL signs a timestamp with the body: `x-3pl-timestamp` (Unix seconds) and
 * `x-3pl-signature: sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`. Each attempt is signed
 * anew, so a retry an hour later is fresh while a captured request replayed an hour later is stale.
 */
export function signed3plHeaders(body: string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(timestampSeconds);
  return { "x-3pl-timestamp": timestamp, "x-3pl-signature": sign3pl(`${timestamp}.${body}`, secret) };
}

import { createHmac, timingSafeEqual } from "node:crypto";
import { SignatureInvalidError } from "../../canonical/errors/index.ts";
import type { PartnerEntry } from "../../config/partner-registry.ts";

function hmacHex(algorithm: "sha256" | "sha512", key: Buffer, body: Buffer): Buffer {
	return Buffer.from(createHmac(algorithm, key).update(body).digest("hex"), "utf8");
}

function hmacBase64(key: Buffer, body: Buffer): Buffer {
	return Buffer.from(createHmac("sha256", key).update(body).digest("base64"), "utf8");
}

/** Shopify and Frappe (ERPNext) send base64 HMAC-SHA256 of the raw body, keyed with the secret as UTF-8. */
const BASE64_SCHEMES: ReadonlySet<string> = new Set(["shopify-hmac-sha256-base64", "frappe-hmac-sha256-base64"]);

/** Hex is compared case-insensitively; base64 is case-sensitive and compared as sent. */
function equalConstantTime(expected: Buffer, given: string, base64 = false): boolean {
	const candidate = Buffer.from(base64 ? given.trim() : given.trim().toLowerCase(), "utf8");
	return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

/**
 * Checks a partner webhook's signature over the raw bytes, before anything parses them.
 * Any of the configured secrets may match (two are active during a rotation).
 */
export function verifyWebhook(entry: PartnerEntry, secrets: string[], headers: Record<string, string | string[] | undefined>, body: Buffer): void {
	const webhook = entry.webhook;
	if (!webhook) return;
	if (secrets.length === 0) throw new SignatureInvalidError(entry.partner, `no secret configured (${webhook.secretEnv}); refusing unsigned traffic`);
	const raw = headers[webhook.signatureHeader];
	const header = Array.isArray(raw) ? raw[0] : raw;
	if (!header) throw new SignatureInvalidError(entry.partner, `missing ${webhook.signatureHeader} header`);
	let given = header;
	if (webhook.signaturePrefix) {
		if (!header.startsWith(webhook.signaturePrefix)) throw new SignatureInvalidError(entry.partner, `signature must start with '${webhook.signaturePrefix}'`);
		given = header.slice(webhook.signaturePrefix.length);
	}
	const base64 = BASE64_SCHEMES.has(webhook.scheme);
	const matches = secrets.some((secret) => {
		if (base64) return equalConstantTime(hmacBase64(Buffer.from(secret, "utf8"), body), given, true);
		const expected =
			webhook.scheme === "onfleet-hmac-sha512"
				? hmacHex("sha512", Buffer.from(secret, "hex"), body) // Onfleet keys with the hex-decoded secret.
				: webhook.scheme === "easypost-hmac-sha256"
					? hmacHex("sha256", Buffer.from(secret.normalize("NFKD"), "utf8"), body) // EasyPost keys with the NFKD-normalised secret.
					: hmacHex("sha256", Buffer.from(secret, "utf8"), body);
		return equalConstantTime(expected, given);
	});
	if (!matches) throw new SignatureInvalidError(entry.partner, "signature does not match the body");
}

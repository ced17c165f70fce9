import { createHmac, timingSafeEqual } from "node:crypto";
import { SignatureInvalidError, SignatureStaleError } from "../../canonical/errors/index.ts";
import type { PartnerEntry, WebhookVerification } from "../../config/partner-registry.ts";

type Headers = Record<string, string | string[] | undefined>;

function hmac(algorithm: "sha256" | "sha512", key: Buffer, content: Buffer, encoding: "hex" | "base64"): Buffer {
	return Buffer.from(createHmac(algorithm, key).update(content).digest(encoding), "utf8");
}

/** Shopify and Frappe (ERPNext) send base64 HMAC-SHA256 of the raw body, keyed with the secret as UTF-8. */
const BASE64_SCHEMES: ReadonlySet<string> = new Set(["shopify-hmac-sha256-base64", "frappe-hmac-sha256-base64", "standard-webhooks"]);

/** Hex is compared case-insensitively; base64 is case-sensitive and compared as sent. */
function equalConstantTime(expected: Buffer, given: string, base64: boolean): boolean {
	const candidate = Buffer.from(base64 ? given.trim() : given.trim().toLowerCase(), "utf8");
	return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

function headerValue(headers: Headers, name: string): string | undefined {
	const raw = headers[name];
	return Array.isArray(raw) ? raw[0] : raw;
}

/** The key bytes each scheme uses: Onfleet hex-decodes the secret, EasyPost NFKD-normalises it, Standard Webhooks base64-decodes after `whsec_`. */
function keyOf(scheme: WebhookVerification["scheme"], secret: string): Buffer {
	if (scheme === "onfleet-hmac-sha512") return Buffer.from(secret, "hex");
	if (scheme === "easypost-hmac-sha256") return Buffer.from(secret.normalize("NFKD"), "utf8");
	if (scheme === "standard-webhooks") return Buffer.from(secret.replace(/^whsec_/, ""), "base64");
	return Buffer.from(secret, "utf8");
}

/**
 * The signed timestamp, checked against the window before any signature is computed: a request
 * captured and sent again later is refused even though its signature is genuine.
 */
function signedTimestamp(entry: PartnerEntry, headers: Headers, header: string, toleranceSeconds: number, now: number): string {
	const value = headerValue(headers, header);
	if (!value || !/^\d{1,12}$/.test(value.trim())) throw new SignatureInvalidError(entry.partner, `missing or malformed ${header} header (Unix seconds)`);
	const age = Math.round(now / 1000 - Number(value));
	if (Math.abs(age) > toleranceSeconds) throw new SignatureStaleError(entry.partner, age, toleranceSeconds);
	return value.trim();
}

/** What the partner signed: the body, or `<timestamp>.<body>`, or for Standard Webhooks `<id>.<timestamp>.<body>`. */
function signedContent(entry: PartnerEntry, webhook: WebhookVerification, headers: Headers, body: Buffer, now: number): Buffer {
	if (webhook.scheme === "standard-webhooks") {
		const id = headerValue(headers, "webhook-id");
		if (!id) throw new SignatureInvalidError(entry.partner, "missing webhook-id header");
		const timestamp = signedTimestamp(entry, headers, "webhook-timestamp", webhook.timestamp?.toleranceSeconds ?? 300, now);
		return Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
	}
	if (!webhook.timestamp) return body;
	const timestamp = signedTimestamp(entry, headers, webhook.timestamp.header, webhook.timestamp.toleranceSeconds, now);
	return Buffer.concat([Buffer.from(`${timestamp}.`), body]);
}

/** The signatures the header carries: Standard Webhooks sends a space-separated `v1,<sig>` list (one per active secret). */
function givenSignatures(entry: PartnerEntry, webhook: WebhookVerification, header: string): string[] {
	if (webhook.scheme === "standard-webhooks") return header.split(" ").filter((s) => s.startsWith("v1,")).map((s) => s.slice(3));
	if (!webhook.signaturePrefix) return [header];
	if (!header.startsWith(webhook.signaturePrefix)) throw new SignatureInvalidError(entry.partner, `signature must start with '${webhook.signaturePrefix}'`);
	return [header.slice(webhook.signaturePrefix.length)];
}

/**
 * Checks a partner webhook's signature over the raw bytes, before anything parses them, in
 * constant time. Any of the configured secrets may match (two are active during a rotation).
 */
export function verifyWebhook(entry: PartnerEntry, secrets: string[], headers: Headers, body: Buffer, now = Date.now()): void {
	const webhook = entry.webhook;
	if (!webhook) throw new SignatureInvalidError(entry.partner, "this partner sends no webhooks");
	if (secrets.length === 0) throw new SignatureInvalidError(entry.partner, `no secret configured (${webhook.secretEnv}); refusing unsigned traffic`);
	const header = headerValue(headers, webhook.signatureHeader);
	if (!header) throw new SignatureInvalidError(entry.partner, `missing ${webhook.signatureHeader} header`);
	const given = givenSignatures(entry, webhook, header);
	const content = signedContent(entry, webhook, headers, body, now);
	const base64 = BASE64_SCHEMES.has(webhook.scheme);
	const algorithm = webhook.scheme === "onfleet-hmac-sha512" ? "sha512" : "sha256";
	const matches = secrets.some((secret) => {
		const expected = hmac(algorithm, keyOf(webhook.scheme, secret), content, base64 ? "base64" : "hex");
		// Every candidate is compared (no early exit on the first): the time does not tell which one matched.
		return given.map((candidate) => equalConstantTime(expected, candidate, base64)).includes(true);
	});
	if (!matches) throw new SignatureInvalidError(entry.partner, "signature does not match the body");
}

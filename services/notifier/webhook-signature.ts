import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks (https://www.standardwebhooks.com), symmetric scheme: HMAC-SHA256 over
 * `${id}.${timestamp}.${body}`, keyed with the base64-decoded part of a `whsec_` secret, sent as
 * `v1,<base64>`. Written on node:crypto rather than the `standardwebhooks` package: it is these
 * few lines, and node's HMAC and constant-time compare are native.
 */
export const SECRET_PREFIX = "whsec_";
/** The spec asks for 24 to 64 random bytes. */
const SECRET_BYTES = 32;
const SIGNATURE_VERSION = "v1";

export interface WebhookHeaders {
	"webhook-id": string;
	"webhook-timestamp": string;
	"webhook-signature": string;
}

/** A fresh secret as subscribers are shown it: `whsec_` and 32 random bytes in base64. */
export function generateSecret(): string {
	return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

/** The key bytes of a secret, with or without its `whsec_` prefix. */
export function secretKey(secret: string): Buffer {
	const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
	if (key.length === 0) throw new TypeError("a webhook secret must be base64 after its whsec_ prefix");
	return key;
}

/** `v1,<base64 HMAC-SHA256>` of one message. `timestamp` is in seconds since the epoch. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
	const mac = createHmac("sha256", secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
	return `${SIGNATURE_VERSION},${mac}`;
}

/** The three headers of one attempt: the id stays the same across retries, the timestamp is the attempt's. */
export function signedHeaders(secret: string, id: string, body: string, now = new Date()): WebhookHeaders {
	const timestamp = Math.floor(now.getTime() / 1000);
	return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": sign(secret, id, timestamp, body) };
}

/**
 * What a receiver does: true when one of the space-separated `v1` signatures matches and the
 * timestamp is within `toleranceSeconds` of now (replay protection). Constant-time comparison.
 */
export function verify(secret: string, headers: Record<string, string | undefined>, body: string, options: { now?: Date; toleranceSeconds?: number } = {}): boolean {
	const id = headers["webhook-id"];
	const timestamp = Number(headers["webhook-timestamp"]);
	const signatures = headers["webhook-signature"];
	if (!id || !Number.isInteger(timestamp) || !signatures) return false;
	const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
	if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
	const expected = Buffer.from(sign(secret, id, timestamp, body).slice(SIGNATURE_VERSION.length + 1), "base64");
	return signatures.split(" ").some((candidate) => {
		const [version, mac] = candidate.split(",", 2);
		if (version !== SIGNATURE_VERSION || !mac) return false;
		const given = Buffer.from(mac, "base64");
		return given.length === expected.length && timingSafeEqual(given, expected);
	});
}

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `wb_<id>_<secret>`: the id finds the key's record, the secret (32 random
 * bytes) is checked against the SHA-256 stored in it. A slow password hash buys nothing for a
 * 256-bit random secret and would cost every request; the plain key is shown once and never stored.
 */
const KEY_PATTERN = /^wb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
	id: string;
	secret: string;
}

export function parseApiKey(presented: string): ParsedKey | undefined {
	const match = KEY_PATTERN.exec(presented.trim());
	return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function hashSecret(secret: string): string {
	return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
	const given = Buffer.from(hashSecret(secret), "hex");
	const stored = Buffer.from(storedHash, "hex");
	return given.length === stored.length && timingSafeEqual(given, stored);
}

/** A new key: the plain text (to hand over once) and what is stored of it. */
export function generateApiKey(): { key: string; id: string; hash: string } {
	const id = randomBytes(8).toString("hex");
	const secret = randomBytes(32).toString("base64url");
	return { key: `wb_${id}_${secret}`, id, hash: hashSecret(secret) };
}

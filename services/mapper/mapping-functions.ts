import { createHash } from "node:crypto";

/**
 * Functions JSONata lacks, bound in every inbound mapping beside `$tables`. Pure and
 * deterministic: a mapping evaluated twice on the same document yields the same facts.
 */
export const MAPPING_FUNCTIONS = Object.freeze({
	/** The first 32 hex digits of the text's SHA-256: a short, stable id for a key too long to carry (partner event ids stop at 256). */
	digest: (text: unknown): string | undefined => (typeof text === "string" ? createHash("sha256").update(text).digest("hex").slice(0, 32) : undefined),
});

import { isoTime } from "./entities/common.ts";

/** What an operator or administrator can do that changes the platform rather than an order's flow. */
export const OPERATOR_ACTIONS = ["api-key.issued", "api-key.revoked", "edi.interchange.resent"] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/**
 * An operator's action, for the ledger: who (the credential's name and key id, as the gateway
 * authenticated it, never a header the caller chose), what, on what. Replays and case resolutions
 * have facts of their own that carry `by` the same way.
 */
export const operatorActedSchema = {
	$$strict: "remove",
	action: { type: "enum", values: [...OPERATOR_ACTIONS] },
	by: { type: "string", min: 1, max: 200 },
	/** What it was done to: a key id, a partner and group control number. */
	target: { type: "string", min: 1, max: 200 },
	detail: { type: "record", optional: true, key: { type: "string" }, value: { type: "any" } },
	at: isoTime,
} as const;

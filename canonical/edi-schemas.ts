import { idSchema, isoTime, optionalIsoTime } from "./entities/common.ts";

/** EDI hygiene as messages: a partner's 997 verdicts on what Waybill sent, and the 997s Waybill owes. */
const orderRef = { orderId: idSchema } as const;

/** One transaction set a 997 answered: accepted or not, with the partner's reasons. */
const acknowledgedSetSchema = {
	type: "object",
	props: {
		set: { type: "string", pattern: /^\d{3}$/ },
		controlNumber: { type: "string", min: 1, max: 9 },
		/** Absent while no 997 has answered. */
		accepted: "boolean|optional",
		problems: { type: "array", optional: true, max: 100, items: { type: "string", max: 500 } },
	},
} as const;

/** A 997 for, or the missing 997 of, an interchange Waybill sent to an X12 partner. */
export const ediAcknowledgementSchema = {
	$$strict: "remove",
	...orderRef,
	partner: { type: "string", min: 1, max: 64 },
	/** GS06 of the group the 997 answers (AK102), or that awaits an answer. */
	groupControl: { type: "string", min: 1, max: 9 },
	functionalId: { type: "string", min: 2, max: 2 },
	interchangeControl: { type: "string", optional: true, max: 9 },
	/** AK901: A accepted, E accepted with errors, P partially accepted, R rejected; absent when overdue. */
	status: { type: "string", optional: true, max: 1 },
	sets: { type: "array", max: 1000, items: acknowledgedSetSchema },
	dueAt: optionalIsoTime,
	at: isoTime,
} as const;

/** The 997 Waybill sends for an interchange it received: the document itself, already written. */
export const functionalAckSendSchema = {
	$$strict: "remove",
	partner: { type: "string", min: 1, max: 64 },
	/** ISA13 of the interchange acknowledged. */
	interchangeControl: { type: "string", min: 1, max: 9 },
	groups: {
		type: "array",
		min: 1,
		max: 1000,
		items: { type: "object", props: { functionalId: { type: "string", max: 2 }, groupControl: { type: "string", max: 9 }, status: { type: "string", max: 1 } } },
	},
	/** The 997 interchange as X12 text. */
	document: { type: "string", min: 106, max: 1_000_000 },
} as const;

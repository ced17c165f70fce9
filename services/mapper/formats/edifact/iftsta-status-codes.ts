import { LASTMILE_FACTS } from "../../../../canonical/message-types.ts";

/**
 * IFTSTA STS status codes (C555 4405, which EANCOM takes from UN/ECE Recommendation 24) that
 * Waybill turns into last-mile facts. Deliberately small: a code is here only when its meaning is
 * one of Waybill's facts without stretching it. Anything else yields no fact and is reported, so
 * a partner's new code is noticed instead of guessed at.
 *
 * Judgement calls, written down:
 * - 31 "En route" and 13/24/27 (collected, departed, despatched) all mean the goods have left:
 *   dispatched, not out-for-delivery, which would overstate how close delivery is.
 * - 17 "Customs clearance, refused" holds the goods without ending the delivery: a delay.
 * - 49 "Lost" ends the delivery of what was lost: reported as a failed attempt, so the order
 *   leaves the happy path and customer service hears of it, with "lost" as the reason.
 * - 1 "Arrival, completed" maps to arrived, which the order flow records as a note only.
 */
export interface StatusMapping {
	type: string;
	/** The Recommendation 24 name, carried into the fact's reason where one is useful. */
	label: string;
}

const F = LASTMILE_FACTS;

export const IFTSTA_STATUS_TABLE: Readonly<Record<string, StatusMapping>> = Object.freeze({
	"1": { type: F.ARRIVED, label: "Arrival, completed" },
	"13": { type: F.DISPATCHED, label: "Collection/pick-up, completed" },
	"17": { type: F.DELAY_DETECTED, label: "Customs clearance, refused" },
	"20": { type: F.DELAY_DETECTED, label: "Delayed, in the course of transportation" },
	"21": { type: F.DELIVERED, label: "Delivery, completed" },
	"22": { type: F.DELIVERED, label: "Delivery, completed as per instruction" },
	"23": { type: F.ATTEMPT_FAILED, label: "Delivery, not completed" },
	"24": { type: F.DISPATCHED, label: "Departure, completed" },
	"25": { type: F.DELAY_DETECTED, label: "Departure, delayed" },
	"27": { type: F.DISPATCHED, label: "Despatch, completed" },
	"31": { type: F.DISPATCHED, label: "En route" },
	"49": { type: F.ATTEMPT_FAILED, label: "Lost" },
	"101": { type: F.DELAY_DETECTED, label: "Delayed in transit" },
	"104": { type: F.ATTEMPT_FAILED, label: "Delivery refused, to be re-arranged" },
	"105": { type: F.DELAY_DETECTED, label: "Delivery, postponed" },
	"106": { type: F.ATTEMPT_FAILED, label: "Delivery refused" },
	"109": { type: F.ATTEMPT_FAILED, label: "Delivery, impossible, delivery notice left" },
	"110": { type: F.ATTEMPT_FAILED, label: "Delivery, impossible, no delivery notice left" },
	"113": { type: F.OUT_FOR_DELIVERY, label: "Delivery, in progress" },
});

/** Codes from another list (a carrier's own, say) are not Recommendation 24 codes, whatever their digits. */
const REC24_AGENCIES: ReadonlySet<string | undefined> = new Set([undefined, "6"]);

export function statusMappingFor(code: string, agency?: string): StatusMapping | undefined {
	if (!REC24_AGENCIES.has(agency)) return undefined;
	return Object.hasOwn(IFTSTA_STATUS_TABLE, code) ? IFTSTA_STATUS_TABLE[code] : undefined;
}

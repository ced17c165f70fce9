import { el, type Segment } from "./x12-interchange.ts";

/**
 * MAN "marks and numbers" is how a 945 or 856 names a carton: an SSCC-18 for the retailer's
 * scanners, or the carrier's own package id for tracking. Both readers classify them the same way.
 */

export interface Carton {
	kind: "sscc" | "tracking" | "other";
	/** MAN01 as sent: GM (SSCC-18 with application identifier), AA (SSCC-18), CP (carrier package id)... */
	qualifier: string;
	value: string;
	/** The 18-digit SSCC, without the "00" application identifier GM values usually carry. */
	sscc?: string;
}

const SSCC_QUALIFIERS = new Set(["GM", "AA"]);
const TRACKING_QUALIFIERS = new Set(["CP", "ZZ"]);

export function cartonOf(man: Segment): Carton {
	const qualifier = el(man, 1);
	const value = el(man, 2);
	if (SSCC_QUALIFIERS.has(qualifier)) {
		const digits = value.length === 20 && value.startsWith("00") ? value.slice(2) : value;
		return { kind: "sscc", qualifier, value, ...(/^\d{18}$/.test(digits) ? { sscc: digits } : {}) };
	}
	return { kind: TRACKING_QUALIFIERS.has(qualifier) ? "tracking" : "other", qualifier, value };
}

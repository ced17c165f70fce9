import type { EdifactInterchange } from "./edifact-tokenizer.ts";

/**
 * Trailer hygiene: UNT, UNE and UNZ must agree with the headers they close and with what actually
 * arrived. A count that does not match is the usual sign of a truncated or spliced file, so it is
 * a problem to report, never something to repair.
 */
export const EDIFACT_PROBLEMS = {
	UNT_MISSING: "UNT_MISSING",
	SEGMENT_COUNT_MISMATCH: "SEGMENT_COUNT_MISMATCH",
	MESSAGE_REFERENCE_MISMATCH: "MESSAGE_REFERENCE_MISMATCH",
	UNE_MISSING: "UNE_MISSING",
	GROUP_COUNT_MISMATCH: "GROUP_COUNT_MISMATCH",
	GROUP_REFERENCE_MISMATCH: "GROUP_REFERENCE_MISMATCH",
	UNZ_MISSING: "UNZ_MISSING",
	UNB_MISSING: "UNB_MISSING",
	INTERCHANGE_COUNT_MISMATCH: "INTERCHANGE_COUNT_MISMATCH",
	INTERCHANGE_REFERENCE_MISMATCH: "INTERCHANGE_REFERENCE_MISMATCH",
	UNTERMINATED_SEGMENT: "UNTERMINATED_SEGMENT",
} as const;

export type EdifactProblemCode = (typeof EDIFACT_PROBLEMS)[keyof typeof EDIFACT_PROBLEMS];

const SEGMENT_OF_PROBLEM: Partial<Record<EdifactProblemCode, string>> = {
	UNT_MISSING: "UNT", SEGMENT_COUNT_MISMATCH: "UNT", MESSAGE_REFERENCE_MISMATCH: "UNT",
	UNE_MISSING: "UNE", GROUP_COUNT_MISMATCH: "UNE", GROUP_REFERENCE_MISMATCH: "UNE",
	UNZ_MISSING: "UNZ", INTERCHANGE_COUNT_MISMATCH: "UNZ", INTERCHANGE_REFERENCE_MISMATCH: "UNZ",
	UNB_MISSING: "UNB",
};

/** The trailer (or header) a problem is about; a document cut off inside a segment names none. */
export function segmentOfProblem(code: EdifactProblemCode): string | undefined {
	return SEGMENT_OF_PROBLEM[code];
}

/** One thing wrong with the envelope; `reference` names the message, group or interchange. */
export interface EdifactProblem {
	code: EdifactProblemCode;
	message: string;
	level: "interchange" | "group" | "message";
	reference?: string;
	declared?: string;
	actual?: string;
}

const first = (elements: string[][] | undefined, index: number): string => elements?.[index]?.[0] ?? "";
const countMatches = (declared: string, actual: number): boolean => /^\d+$/.test(declared) && Number(declared) === actual;

export function checkEnvelope(interchange: EdifactInterchange, trailing?: string): EdifactProblem[] {
	const problems: EdifactProblem[] = [];
	for (const m of interchange.messages) {
		const ref = m.reference;
		if (!m.unt) {
			problems.push({ code: EDIFACT_PROBLEMS.UNT_MISSING, level: "message", reference: ref, message: `message ${ref} (${m.type}) has no UNT trailer` });
			continue;
		}
		// UNT 0074 counts every segment of the message, UNH and UNT included.
		const declared = first(m.unt.elements, 0);
		const actual = m.segments.length + 2;
		if (!countMatches(declared, actual)) {
			problems.push({ code: EDIFACT_PROBLEMS.SEGMENT_COUNT_MISMATCH, level: "message", reference: ref, declared, actual: String(actual), message: `message ${ref} (${m.type}): UNT declares ${declared} segments but ${actual} are present` });
		}
		const closes = first(m.unt.elements, 1);
		if (closes !== ref) {
			problems.push({ code: EDIFACT_PROBLEMS.MESSAGE_REFERENCE_MISMATCH, level: "message", reference: ref, declared: closes, actual: ref, message: `UNT reference '${closes}' does not match UNH reference '${ref}'` });
		}
	}
	for (const g of interchange.groups) {
		if (!g.une) {
			problems.push({ code: EDIFACT_PROBLEMS.UNE_MISSING, level: "group", reference: g.reference, message: `group ${g.reference} has no UNE trailer` });
			continue;
		}
		const declared = first(g.une.elements, 0);
		if (!countMatches(declared, g.messages)) {
			problems.push({ code: EDIFACT_PROBLEMS.GROUP_COUNT_MISMATCH, level: "group", reference: g.reference, declared, actual: String(g.messages), message: `group ${g.reference}: UNE declares ${declared} messages but ${g.messages} are present` });
		}
		const closes = first(g.une.elements, 1);
		if (closes !== g.reference) {
			problems.push({ code: EDIFACT_PROBLEMS.GROUP_REFERENCE_MISMATCH, level: "group", reference: g.reference, declared: closes, actual: g.reference, message: `UNE reference '${closes}' does not match UNG reference '${g.reference}'` });
		}
	}
	problems.push(...checkInterchange(interchange));
	if (trailing !== undefined) {
		problems.push({ code: EDIFACT_PROBLEMS.UNTERMINATED_SEGMENT, level: "interchange", message: `the document ends inside a segment: '${trailing.slice(0, 40)}'` });
	}
	return problems;
}

function checkInterchange({ unb, unz, groups, messages }: EdifactInterchange): EdifactProblem[] {
	// No envelope at all is accepted (some partners and samples send bare messages); half of one is not.
	if (!unb && !unz) return [];
	if (!unb) return [{ code: EDIFACT_PROBLEMS.UNB_MISSING, level: "interchange", message: "UNZ trailer without a UNB header" }];
	const ref = first(unb, 4);
	if (!unz) return [{ code: EDIFACT_PROBLEMS.UNZ_MISSING, level: "interchange", reference: ref, message: `interchange ${ref} has no UNZ trailer` }];
	const problems: EdifactProblem[] = [];
	// UNZ 0036 counts functional groups when there are any, messages otherwise.
	const declared = first(unz, 0);
	const actual = groups.length > 0 ? groups.length : messages.length;
	if (!countMatches(declared, actual)) {
		problems.push({ code: EDIFACT_PROBLEMS.INTERCHANGE_COUNT_MISMATCH, level: "interchange", reference: ref, declared, actual: String(actual), message: `interchange ${ref}: UNZ declares ${declared} ${groups.length > 0 ? "groups" : "messages"} but ${actual} are present` });
	}
	const closes = first(unz, 1);
	if (closes !== ref) {
		problems.push({ code: EDIFACT_PROBLEMS.INTERCHANGE_REFERENCE_MISMATCH, level: "interchange", reference: ref, declared: closes, actual: ref, message: `UNZ reference '${closes}' does not match UNB reference '${ref}'` });
	}
	return problems;
}

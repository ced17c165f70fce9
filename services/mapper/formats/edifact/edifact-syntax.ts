import { PayloadUnparseableError } from "../../../../canonical/errors/index.ts";

/**
 * The service characters of an interchange (ISO 9735). A partner may announce its own in a UNA
 * "service string advice"; without one the standard's defaults apply.
 */
export interface EdifactDelimiters {
	component: string;
	element: string;
	decimal: string;
	/** Empty when the partner declared none (a space in the UNA). */
	release: string;
	/** Syntax 4 uses it to separate repetitions; syntax 1-3 reserve it (a space). Kept, not split on. */
	repetition: string;
	segment: string;
}

export const DEFAULT_DELIMITERS: Readonly<EdifactDelimiters> = Object.freeze({
	component: ":",
	element: "+",
	decimal: ".",
	release: "?",
	repetition: " ",
	segment: "'",
});

export const EDIFACT_FORMAT = "EDIFACT";
const UNA_LENGTH = 9;

/** The delimiters a document declares, and where its segments start (after the UNA, if any). */
export interface ServiceStringAdvice {
	una?: EdifactDelimiters;
	delimiters: EdifactDelimiters;
	bodyStart: number;
}

/**
 * Reads the UNA when present. Its six characters are positional (component, element, decimal,
 * release, repetition, terminator); a UNA whose separators collide cannot be tokenised at all.
 */
export function readServiceStringAdvice(text: string, start: number): ServiceStringAdvice {
	if (!text.startsWith("UNA", start)) return { delimiters: { ...DEFAULT_DELIMITERS }, bodyStart: start };
	if (text.length < start + UNA_LENGTH) throw new PayloadUnparseableError(EDIFACT_FORMAT, "UNA service string advice is shorter than 9 characters");
	const [component, element, decimal, release, repetition, segment] = text.slice(start + 3, start + UNA_LENGTH);
	// A space in the release position means the partner uses no release character at all.
	const una: EdifactDelimiters = { component: component!, element: element!, decimal: decimal!, release: release === " " ? "" : release!, repetition: repetition!, segment: segment! };
	const separators = [una.component, una.element, una.segment, ...(una.release ? [una.release] : [])];
	if (new Set(separators).size !== separators.length) {
		throw new PayloadUnparseableError(EDIFACT_FORMAT, `UNA declares colliding separators '${separators.join("")}'`);
	}
	if (una.decimal !== "." && una.decimal !== ",") throw new PayloadUnparseableError(EDIFACT_FORMAT, `UNA decimal mark must be '.' or ',', got '${una.decimal}'`);
	return { una, delimiters: una, bodyStart: start + UNA_LENGTH };
}

/**
 * The shapes every X12 module shares: a parsed interchange is nested envelopes of segments, each
 * segment an array of element strings whose index 0 is the segment id (so `seg[1]` is "XX01",
 * matching how the X12 guides number elements).
 */

export type Segment = string[];

export interface Delimiters {
	element: string;
	/** May be more than one character ("\r\n") or a non-ASCII one ("…"): split on the whole string. */
	segment: string;
	subElement: string;
	/** Only from ISA12 00402 on, and only when ISA11 is a separator rather than the "U" standards id. */
	repetition?: string;
}

export interface X12Transaction {
	st: Segment;
	/** The body between ST and SE, both excluded. */
	segments: Segment[];
	se: Segment;
}

export interface X12Group {
	gs: Segment;
	transactions: X12Transaction[];
	ge: Segment;
}

export interface X12Interchange {
	isa: Segment;
	groups: X12Group[];
	iea: Segment;
	delimiters: Delimiters;
}

/** Element `n` (1-based) of a segment, trimmed, or "" when absent: X12 drops trailing empty elements. */
export function el(segment: Segment | undefined, n: number): string {
	return (segment?.[n] ?? "").trim();
}

/** A numeric element, or undefined when empty. NaN is left to the caller, which knows the field. */
export function num(segment: Segment | undefined, n: number): number | undefined {
	const raw = el(segment, n);
	return raw === "" ? undefined : Number(raw);
}

/** The components of a composite element, split on the interchange's sub-element separator. */
export function components(element: string, delimiters: Delimiters): string[] {
	return element.split(delimiters.subElement);
}

/** The whole transaction as it travelled, ST and SE included: what SE01 counts. */
export function allSegments(tx: X12Transaction): Segment[] {
	return [tx.st, ...tx.segments, tx.se];
}

import { PayloadUnparseableError } from "../../../../canonical/errors/index.ts";
import { readIsa } from "./x12-isa.ts";
import type { Delimiters, Segment, X12Group, X12Interchange, X12Transaction } from "./x12-interchange.ts";

/**
 * Bytes to envelopes, nothing more: no counts are checked here (see x12-envelope.ts), because a
 * miscounted document must still parse so that a 997 can say what was wrong with it. What does
 * throw (PayloadUnparseableError) is anything that leaves the structure itself in doubt.
 *
 * Hand-written rather than node-x12: its parser reads the ISA at fixed offsets (it refuses the
 * 80-column wrapped 210 because "the ISA segment is not the correct length") and in strict mode
 * throws on the first count mismatch instead of letting the caller acknowledge it.
 */

const FORMAT = "X12";
const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;
const BOM = "\uFEFF";

export function parseInterchange(bytes: string | Buffer): X12Interchange {
	const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
	let start = text.startsWith(BOM) ? 1 : 0;
	while (start < text.length && /\s/u.test(text[start] as string)) start++;
	if (start >= text.length) throw new PayloadUnparseableError(FORMAT, "the document is empty");
	const { isa, delimiters, next } = readIsa(text, start);
	return nest(isa, splitSegments(text.slice(next), delimiters), delimiters);
}

/**
 * When the terminator is not a newline, line breaks carry no meaning (pretty-printing, or a VAN's
 * hard wrap mid-element) and are dropped before splitting. When the newline IS the terminator a
 * wrapped line is indistinguishable from a new segment, so it cannot be rejoined; it shows up as
 * a "segment" whose first element is not a segment id, and that is refused with a clear reason.
 */
function splitSegments(body: string, delimiters: Delimiters): Segment[] {
	const newlineTerminated = /^[\r\n]+$/.test(delimiters.segment);
	const raw = newlineTerminated ? body.split(/\r\n|\r|\n/) : body.replace(/[\r\n]/g, "").split(delimiters.segment);
	const segments: Segment[] = [];
	for (const piece of raw) {
		// Indentation before a segment is layout; trailing spaces may be data (padded fields), so stay.
		const trimmed = piece.trimStart();
		if (trimmed.trim() === "") continue;
		const segment = trimmed.split(delimiters.element);
		if (!SEGMENT_ID.test(segment[0] as string)) {
			const position = `segment ${segments.length + 2} starts with ${JSON.stringify(trimmed.slice(0, 20))}, not a segment id`;
			throw new PayloadUnparseableError(FORMAT, newlineTerminated
				? `${position}; the newline is the segment terminator here, so a line wrapped mid-segment cannot be rejoined`
				: position);
		}
		segments.push(segment);
	}
	return segments;
}

/** Folds the flat segment list into ISA / GS / ST envelopes, refusing anything out of place. */
function nest(isa: Segment, segments: Segment[], delimiters: Delimiters): X12Interchange {
	const groups: X12Group[] = [];
	let group: { gs: Segment; transactions: X12Transaction[] } | undefined;
	let tx: { st: Segment; segments: Segment[] } | undefined;
	const refuse = (at: number, why: string): never => {
		throw new PayloadUnparseableError(FORMAT, `segment ${at + 2} (${segments[at]?.[0]}): ${why}`);
	};

	for (let at = 0; at < segments.length; at++) {
		const segment = segments[at] as Segment;
		const id = segment[0];
		if (tx) {
			if (id === "SE") { group?.transactions.push({ ...tx, se: segment }); tx = undefined; }
			else if (id === "ST" || id === "GE" || id === "IEA" || id === "GS" || id === "ISA") refuse(at, `transaction ${tx.st[2]} has no SE trailer`);
			else tx.segments.push(segment);
		} else if (group) {
			if (id === "ST") tx = { st: segment, segments: [] };
			else if (id === "GE") { groups.push({ ...group, ge: segment }); group = undefined; }
			else refuse(at, `expected ST or GE inside group ${group.gs[6]}`);
		} else if (id === "GS") group = { gs: segment, transactions: [] };
		else if (id === "IEA") {
			if (at !== segments.length - 1) refuse(at + 1, "content after IEA (one interchange per document)");
			return { isa, groups, iea: segment, delimiters };
		} else refuse(at, "expected GS or IEA");
	}
	throw new PayloadUnparseableError(FORMAT, tx ? `transaction ${tx.st[2]} has no SE trailer` : group ? `group ${group.gs[6]} has no GE trailer` : "the interchange has no IEA trailer");
}

import { PayloadUnparseableError } from "../../../../canonical/errors/index.ts";
import { lexSegments, type EdifactSegment } from "./edifact-lexer.ts";
import { EDIFACT_FORMAT, readServiceStringAdvice, type EdifactDelimiters } from "./edifact-syntax.ts";
import { checkEnvelope, type EdifactProblem } from "./edifact-envelope.ts";

export type { EdifactSegment } from "./edifact-lexer.ts";
export type { EdifactProblem } from "./edifact-envelope.ts";

/** One UNH...UNT message. `segments` holds what lies between the two, in order. */
export interface EdifactMessage {
	unh: EdifactSegment;
	/** UNH 0062, which UNT must repeat. */
	reference: string;
	/** "DESADV", "IFTSTA", ... (UNH S009 0065). */
	type: string;
	/** The directory, e.g. "D.01B" (S009 0052 and 0054). */
	version: string;
	/** The association-assigned code, e.g. "EAN004" for an EANCOM subset. */
	association?: string;
	segments: EdifactSegment[];
	unt?: EdifactSegment;
	/** The UNG group reference when the message sits in a functional group. */
	group?: string;
}

export interface EdifactGroup {
	ung: EdifactSegment;
	reference: string;
	messages: number;
	une?: EdifactSegment;
}

/**
 * A whole document, envelope optional. Problems with counts and references are listed, not
 * thrown: a broken trailer is worth reporting back to the partner with every detail, and whether
 * to refuse the document is the caller's decision (the mapper refuses it whole: edifact-documents.ts).
 */
export interface EdifactInterchange {
	una?: EdifactDelimiters;
	delimiters: EdifactDelimiters;
	unb?: string[][];
	groups: EdifactGroup[];
	messages: EdifactMessage[];
	unz?: string[][];
	problems: EdifactProblem[];
}

const BOM = 0xfeff;
/** Service segments that belong to the envelope; UNS and other UN* segments inside a message are body. */
const ENVELOPE: ReadonlySet<string> = new Set(["UNB", "UNG", "UNE", "UNZ"]);

/** Text to interchange. Throws PayloadUnparseableError only when it cannot be read as EDIFACT at all. */
export function parseEdifact(text: string): EdifactInterchange {
	if (typeof text !== "string") throw new PayloadUnparseableError(EDIFACT_FORMAT, "expected text");
	let start = text.charCodeAt(0) === BOM ? 1 : 0;
	while (start < text.length && /\s/.test(text[start]!)) start++;
	if (start >= text.length) throw new PayloadUnparseableError(EDIFACT_FORMAT, "the document is empty");
	const advice = readServiceStringAdvice(text, start);
	const lexed = lexSegments(text, advice.bodyStart, advice.delimiters);
	if (lexed.segments.length === 0) throw new PayloadUnparseableError(EDIFACT_FORMAT, `no segment ends with the terminator '${advice.delimiters.segment}'`);
	const interchange: EdifactInterchange = { delimiters: advice.delimiters, groups: [], messages: [], problems: [] };
	if (advice.una) interchange.una = advice.una;
	let message: EdifactMessage | undefined;
	let group: EdifactGroup | undefined;
	let closed = false;
	for (const segment of lexed.segments) {
		const { tag } = segment;
		if (closed) throw new PayloadUnparseableError(EDIFACT_FORMAT, `segment ${tag} at offset ${segment.offset} follows UNZ`);
		// An envelope segment inside an open message means its UNT never came; the envelope check reports it.
		if (message && ENVELOPE.has(tag)) message = undefined;
		if (tag === "UNH") {
			message = { unh: strip(segment), ...header(segment) };
			if (group) {
				message.group = group.reference;
				group.messages++;
			}
			interchange.messages.push(message);
		} else if (tag === "UNT" && message) {
			message.unt = strip(segment);
			message = undefined;
		} else if (message) {
			message.segments.push(strip(segment));
		} else if (tag === "UNB" && !interchange.unb && interchange.messages.length === 0) {
			interchange.unb = segment.elements;
		} else if (tag === "UNG") {
			group = { ung: strip(segment), reference: segment.elements[4]?.[0] ?? "", messages: 0 };
			interchange.groups.push(group);
		} else if (tag === "UNE" && group) {
			group.une = strip(segment);
			group = undefined;
		} else if (tag === "UNZ") {
			interchange.unz = segment.elements;
			closed = true;
		} else {
			// A segment outside any message (or a service segment out of place) has no meaning to recover.
			throw new PayloadUnparseableError(EDIFACT_FORMAT, `segment ${tag} at offset ${segment.offset} is outside a UNH...UNT message`);
		}
	}
	if (interchange.messages.length === 0) throw new PayloadUnparseableError(EDIFACT_FORMAT, "no UNH message found");
	interchange.problems = checkEnvelope(interchange, lexed.trailing);
	return interchange;
}

function header(unh: EdifactSegment): Omit<EdifactMessage, "unh"> {
	const [type = "", version = "", release = "", , association] = unh.elements[1] ?? [];
	return {
		reference: unh.elements[0]?.[0] ?? "",
		type,
		version: release ? `${version}.${release}` : version,
		...(association ? { association } : {}),
		segments: [],
	};
}

/** Drops the lexer's offset so messages carry plain segments. */
function strip(segment: EdifactSegment): EdifactSegment {
	return { tag: segment.tag, elements: segment.elements };
}

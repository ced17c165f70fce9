import { MappingFailedError } from "../../canonical/errors/index.ts";
import { parseEdifact, readDesadvMessage, readIftstaMessage, segmentOfProblem, type EdifactInterchange, type EdifactMessage } from "./formats/edifact/index.ts";

/** One message of a partner interchange, read, with where it came from: what a mapping sees. */
export interface EdifactDocument {
	/** UNH S009 0065: "DESADV", "IFTSTA", ...; profiles route by it. */
	type: string;
	/** UNH 0062, the message reference. */
	reference: string;
	/** UNB sender (0004), recipient (0010) and interchange reference (0020); absent for a bare message. */
	interchange: { sender?: string; recipient?: string; reference?: string };
	/** The reader's structured output (formats/edifact: DespatchAdvice, IftstaReport). */
	document: unknown;
}

const READERS: Record<string, (message: EdifactMessage) => unknown> = { DESADV: readDesadvMessage, IFTSTA: readIftstaMessage };

/** The UNB's parties and reference, each only when sent. */
function interchangeOf(parsed: EdifactInterchange): EdifactDocument["interchange"] {
	const fields: Array<[keyof EdifactDocument["interchange"], string | undefined]> = [["sender", parsed.unb?.[1]?.[0]], ["recipient", parsed.unb?.[2]?.[0]], ["reference", parsed.unb?.[4]?.[0]]];
	return Object.fromEntries(fields.filter(([, v]) => v)) as EdifactDocument["interchange"];
}

/**
 * An interchange as documents for the mapping, one per message Waybill has a reader for (others
 * are left out, as X12 sets without a reader are). A document that cannot be read as EDIFACT is
 * PayloadUnparseable; an envelope that does not add up (a UNT, UNE or UNZ count or reference) is
 * refused whole, naming its trailer: a truncated report could hide the status that matters.
 */
export function edifactDocuments(body: string): EdifactDocument[] {
	const parsed = parseEdifact(body);
	if (parsed.problems.length > 0) {
		throw new MappingFailedError("EDIFACT envelope", parsed.problems.map((p) => `${p.message}${segmentOfProblem(p.code) ? ` (segment ${segmentOfProblem(p.code)})` : ""}`).join("; "));
	}
	const interchange = interchangeOf(parsed);
	return parsed.messages.filter((m) => Object.hasOwn(READERS, m.type)).map((m) => ({ type: m.type, reference: m.reference, interchange, document: READERS[m.type]!(m) }));
}

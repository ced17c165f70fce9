import { createHash } from "node:crypto";
import { MappingFailedError, PayloadUnparseableError, SchemaInvalidError } from "../../canonical/errors/index.ts";
import {
	checkEnvelope, contentProblems, el, parseInterchange, read204, read210, read214, read856, read940, read944, read945, read947, read990, readFunctionalAck, writeInterchange,
	type OutboundTransaction, type X12Interchange, type X12Problem, type X12Transaction,
} from "./formats/x12/index.ts";

/** One transaction set of a partner interchange, read, with where it came from: what a mapping sees. */
export interface X12Document {
	set: string;
	controlNumber: string;
	interchange: { sender: string; receiver: string; control: string };
	document: unknown;
}

const READERS: Record<string, (tx: X12Transaction) => unknown> = { "940": read940, "945": read945, "856": read856, "214": read214, "990": read990, "204": read204, "210": read210, "944": read944, "947": read947 };

function parsed(body: string): X12Interchange {
	try {
		return parseInterchange(body);
	} catch (e: unknown) {
		throw new PayloadUnparseableError("X12", (e as Error).message);
	}
}

/** An interchange read set by set: what a mapping gets, what its 997 must reject, and why. */
export interface ReadInterchange {
	interchange: X12Interchange;
	/** Counts and control numbers that do not add up; the whole interchange is then refused. */
	envelopeProblems: X12Problem[];
	documents: X12Document[];
	/** Transaction sets a reader refused (a missing mandatory element, say): their 997 rejects them. */
	refused: Array<{ set: string; controlNumber: string; problems: X12Problem[] }>;
	/** Every problem, envelope and content, as a 997 would report them. */
	problems: X12Problem[];
}

export function readInterchange(body: string): ReadInterchange {
	const interchange = parsed(body);
	const envelopeProblems = checkEnvelope(interchange);
	const from = { sender: el(interchange.isa, 6), receiver: el(interchange.isa, 8), control: el(interchange.isa, 13) };
	const documents: X12Document[] = [];
	const refused: ReadInterchange["refused"] = [];
	for (const group of interchange.groups) {
		for (const tx of group.transactions) {
			const set = el(tx.st, 1);
			const read = READERS[set];
			if (!read) continue;
			try {
				documents.push({ set, controlNumber: el(tx.st, 2), interchange: from, document: read(tx) });
			} catch (e: unknown) {
				refused.push({ set, controlNumber: el(tx.st, 2), problems: contentProblems(e, interchange, group, tx) });
			}
		}
	}
	return { interchange, envelopeProblems, documents, refused, problems: [...envelopeProblems, ...refused.flatMap((r) => r.problems)] };
}

/**
 * An interchange as documents for the mapping, one per transaction set Waybill reads. An
 * envelope that does not add up (counts, control numbers) is refused whole: its content cannot
 * be trusted. A set a reader refuses is left out (its 997 rejects it, the audit records it); when
 * every set is refused, so is the interchange.
 */
export function x12Documents(body: string): X12Document[] {
	const read = readInterchange(body);
	if (read.envelopeProblems.length > 0) throw new MappingFailedError("X12 envelope", read.envelopeProblems.map((p) => p.message).join("; "));
	if (read.documents.length === 0 && read.refused.length > 0) {
		throw new SchemaInvalidError(`X12 ${read.refused.map((r) => `${r.set} ${r.controlNumber}`).join(", ")}`, read.refused.flatMap((r) => r.problems.map((p) => ({ field: `${r.set} ${r.controlNumber}`, message: p.message }))));
	}
	return read.documents;
}

/** A partner's answer as a 997, if it is one: per group and transaction set, accepted or not. */
export function x12Acknowledgement(body: unknown): ReturnType<typeof readFunctionalAck> | undefined {
	if (typeof body !== "string" || !body.trimStart().startsWith("ISA")) return undefined;
	return readFunctionalAck(parsed(body));
}

/**
 * The interchange control number for an outbound command: derived from its idempotency key, so
 * a redelivered command is the same interchange to the partner (who rejects duplicates by it).
 */
export function controlNumberFor(idempotencyKey: string): number {
	return (parseInt(createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 8), 16) % 999_999_998) + 1;
}

/** A segment, or a group of segments a mapping kept together (JSONata flattens lone nested arrays). */
type SegmentOrGroup = string[] | { segments: string[][] };

export function renderX12(
	partners: { senderId: string; receiverId: string; version: string },
	rendered: { functionalId: string; transactions: Array<{ code: string; segments: SegmentOrGroup[] }> },
	idempotencyKey: string,
): string {
	const transactions: OutboundTransaction[] = rendered.transactions.map((t) => ({
		code: t.code,
		segments: t.segments.flatMap((s) => (Array.isArray(s) ? [s] : s.segments)),
	}));
	return writeInterchange({ ...partners, controlNumber: controlNumberFor(idempotencyKey), functionalId: rendered.functionalId, transactions });
}

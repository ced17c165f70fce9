import { createHash } from "node:crypto";
import { MappingFailedError, PayloadUnparseableError } from "../../canonical/errors/index.ts";
import {
	checkEnvelope, el, parseInterchange, read214, read856, read940, read945, read990, readFunctionalAck, writeInterchange,
	type OutboundTransaction, type X12Interchange, type X12Transaction,
} from "./formats/x12/index.ts";

/** One transaction set of a partner interchange, read, with where it came from: what a mapping sees. */
export interface X12Document {
	set: string;
	controlNumber: string;
	interchange: { sender: string; receiver: string; control: string };
	document: unknown;
}

const READERS: Record<string, (tx: X12Transaction) => unknown> = { "940": read940, "945": read945, "856": read856, "214": read214, "990": read990 };

function parsed(body: string): X12Interchange {
	try {
		return parseInterchange(body);
	} catch (e: unknown) {
		throw new PayloadUnparseableError("X12", (e as Error).message);
	}
}

/**
 * An interchange as documents for the mapping, one per transaction set Waybill reads. An
 * envelope that does not add up (counts, control numbers) is refused whole: its content cannot be trusted.
 */
export function x12Documents(body: string): X12Document[] {
	const ix = parsed(body);
	const problems = checkEnvelope(ix);
	if (problems.length > 0) throw new MappingFailedError("X12 envelope", problems.map((p) => p.message).join("; "));
	const interchange = { sender: el(ix.isa, 6), receiver: el(ix.isa, 8), control: el(ix.isa, 13) };
	return ix.groups.flatMap((g) =>
		g.transactions.flatMap((tx) => {
			const set = el(tx.st, 1);
			const read = READERS[set];
			return read ? [{ set, controlNumber: el(tx.st, 2), interchange, document: read(tx) }] : [];
		}),
	);
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

import { functionalAck, parseInterchange, readFunctionalAck, el, type AckedGroup } from "./formats/x12/index.ts";
import { controlNumberFor, type ReadInterchange } from "./x12-documents.ts";

import type { GroupVerdict } from "../../mixins/edi/sent-interchanges.ts";

/** AK3/AK4 as sentences an operator can act on: segment, position, element and the partner's error code. */
function problemsOf(t: AckedGroup["transactions"][number]): string[] {
	const segments = t.segmentErrors.map((s) => {
		const elements = s.elements.map((e) => `element ${e.position}${e.reference ? ` (${e.reference})` : ""} error ${e.code}${e.badValue ? ` '${e.badValue}'` : ""}`);
		return `segment ${s.segmentId}${s.position ? ` at ${s.position}` : ""}${s.code ? ` error ${s.code}` : ""}${elements.length ? `: ${elements.join(", ")}` : ""}`;
	});
	return [...segments, ...(t.errorCodes.length ? [`AK5 codes ${t.errorCodes.join(", ")}`] : [])];
}

export function verdictsOf(groups: AckedGroup[]): GroupVerdict[] {
	return groups.map((g) => ({
		groupControl: g.controlNumber,
		functionalId: g.functionalId,
		status: g.status,
		// P (partially accepted) is a rejection of something Waybill sent: someone must look.
		accepted: g.verdict === "accepted",
		sets: g.transactions.map((t) => {
			const problems = problemsOf(t);
			return { set: t.code, controlNumber: t.controlNumber, accepted: t.accepted, ...(problems.length ? { problems } : {}) };
		}),
	}));
}

/** Whether an interchange carries 997s (answers to Waybill), not documents to map. */
export function isAcknowledgement(read: ReadInterchange): boolean {
	return read.interchange.groups.some((g) => el(g.gs, 1) === "FA" || g.transactions.some((t) => el(t.st, 1) === "997"));
}

export function partnerVerdicts(read: ReadInterchange): GroupVerdict[] {
	return verdictsOf(readFunctionalAck(read.interchange));
}

/**
 * The 997 Waybill owes for an interchange it received: every group and set, accepted or rejected
 * with the envelope's and the readers' problems. Its control number derives from the interchange
 * acknowledged, so a redelivered message yields the same 997.
 */
export function acknowledgementOf(read: ReadInterchange, partner: string, fallbackSenderId: string, now = new Date()) {
	const isa = read.interchange.isa;
	const interchangeControl = el(isa, 13);
	const document = functionalAck(read.interchange, read.problems, {
		senderId: el(isa, 8).trim() || fallbackSenderId,
		receiverId: el(isa, 6).trim() || partner.toUpperCase().slice(0, 15),
		controlNumber: controlNumberFor(`997:${partner}:${el(isa, 6).trim()}:${interchangeControl}`),
		now,
	});
	const groups = readFunctionalAck(parseInterchange(document)).map((g) => ({ functionalId: g.functionalId, groupControl: g.controlNumber, status: g.status }));
	return { interchangeControl, document, groups };
}

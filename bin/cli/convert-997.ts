import { WAYBILL_FACTS } from "../../canonical/index.ts";
import { el } from "../../services/mapper/formats/x12/index.ts";
import { isAcknowledgement, partnerVerdicts } from "../../services/mapper/functional-acks.ts";
import { readInterchange } from "../../services/mapper/x12-documents.ts";
import type { Conversion } from "./document-problem.ts";

/** The profile-like name a 997's conversion reports: acknowledgements are read the same for every X12 partner. */
export const ACK_READER = "x12/997";

/**
 * A partner's 997 as the facts the adapter that sent the acknowledged groups would publish:
 * waybill.edi.acknowledged or waybill.edi.ack-rejected per group. Offline no adapter knows which
 * order a group carried, so the order is named by the group itself, marked like `tracking:`.
 * Undefined when the interchange is not an acknowledgement.
 */
export function convert997(text: string, receivedAt: string): Conversion | undefined {
	const read = readInterchange(text);
	if (!isAcknowledgement(read)) return undefined;
	const partner = el(read.interchange.isa, 6).trim();
	const facts = partnerVerdicts(read).map((v) => {
		const orderId = `interchange:${partner}:${v.groupControl}`;
		return {
			type: v.accepted ? WAYBILL_FACTS.EDI_ACKNOWLEDGED : WAYBILL_FACTS.EDI_ACK_REJECTED,
			subject: orderId,
			time: receivedAt,
			partnerEventId: `997:${partner}:${el(read.interchange.isa, 13)}:${v.groupControl}`,
			data: { orderId, partner, groupControl: v.groupControl, functionalId: v.functionalId, status: v.status, sets: v.sets, at: receivedAt },
			mappingVersion: ACK_READER,
		};
	});
	return { accepted: true, format: "x12", profile: ACK_READER, facts };
}

import { createHash } from "node:crypto";
import {
	CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, WAYBILL_FACTS, catalogueEntry, createEnvelope,
	type ChannelName, type Envelope, type PartnerSystem,
} from "../../canonical/index.ts";
import type { GroupVerdict } from "../../mixins/edi/sent-interchanges.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import { el } from "./formats/x12/index.ts";
import { acknowledgementOf, isAcknowledgement, partnerVerdicts } from "./functional-acks.ts";
import type { MappingProfile } from "./mapping-profile.ts";
import type { PartnerMessage } from "./partner-message.ts";
import { readInterchange } from "./x12-documents.ts";

export interface SettlementDeps {
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
	/** The adapter that sent the interchanges: applies the verdicts, names the groups it never sent. */
	acknowledged(verdicts: GroupVerdict[]): Promise<{ unknownGroups: string[] }>;
	canSendTo(system: PartnerSystem, partner: string): boolean;
	logger: { info(...args: unknown[]): void; warn(...args: unknown[]): void };
}

const SOURCE = "waybill/mapper";

/**
 * EDI hygiene for one received interchange. A 997 goes to the adapter that sent what it answers
 * ("acknowledgement": nothing to map). Any other interchange gets the 997 Waybill owes, as a
 * command to the partner's adapter (when the profile says where 997s go), and each transaction set
 * a reader refused is audited; the good sets are mapped as usual ("document").
 */
export async function settleInterchange(deps: SettlementDeps, message: PartnerMessage, profile: MappingProfile, cause: Envelope): Promise<"acknowledgement" | "document"> {
	const read = readInterchange(message.body);
	if (isAcknowledgement(read)) {
		const { unknownGroups } = await deps.acknowledged(partnerVerdicts(read));
		if (unknownGroups.length > 0) deps.logger.warn("997 answers groups Waybill never sent; recorded only", { partner: message.partner, groups: unknownGroups });
		return "acknowledgement";
	}
	const ackType = `${message.system}.functional-ack.send`;
	if (profile.outbound.has(ackType) && deps.canSendTo(message.system, message.partner)) {
		const ack = acknowledgementOf(read, message.partner, profile.x12?.senderId ?? "WAYBILL");
		const key = `${message.system}:${message.partner}:997:${el(read.interchange.isa, 6).trim()}:${ack.interchangeControl}`;
		await deps.publish(COMMAND_CHANNEL_BY_SYSTEM[message.system], createEnvelope({
			type: ackType,
			source: SOURCE,
			subject: `interchange:${message.partner}:${ack.interchangeControl}`,
			data: { partner: message.partner, ...ack },
			schemaVersion: catalogueEntry(ackType)?.version ?? 1,
			causationId: cause.id,
			// The order the acknowledged documents are about, so the 997 shows in its trace.
			correlationId: cause.correlationid,
			idempotencyKey: key,
			partner: message.partner,
			traceparent: cause.traceparent,
		}));
	} else {
		deps.logger.info("no 997 sent: the profile names no functional-ack.send or the partner has no URL", { partner: message.partner });
	}
	for (const refused of read.refused) {
		await deps.publish(CHANNELS.EVENTS, createEnvelope({
			type: WAYBILL_FACTS.INPUT_REJECTED,
			source: SOURCE,
			subject: `interchange:${message.partner}:${el(read.interchange.isa, 13)}`,
			data: {
				channel: "edi",
				method: "POST",
				path: `/webhooks/${message.system}/${message.partner}`,
				system: message.system,
				partner: message.partner,
				problemType: "transaction-set-rejected",
				detail: `X12 ${refused.set} ${refused.controlNumber} rejected: ${refused.problems.map((p) => p.message).join("; ")}`.slice(0, 2000),
				bodyDigest: createHash("sha256").update(message.body).digest("hex"),
				bodyBytes: Buffer.byteLength(message.body),
			},
			schemaVersion: 1,
			causationId: cause.id,
			idempotencyKey: `${cause.id}:refused:${refused.set}:${refused.controlNumber}`,
			partner: message.partner,
			traceparent: cause.traceparent,
		}));
	}
	return "document";
}

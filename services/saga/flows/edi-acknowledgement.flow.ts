import { WAYBILL_FACTS } from "../../../canonical/index.ts";
import { merge, openCase, resolveCase, type Handler } from "./flow-kit.ts";

interface EdiAcknowledgement {
	partner: string;
	groupControl: string;
	functionalId: string;
	status?: string;
	sets: Array<{ set: string; controlNumber: string; accepted?: boolean; problems?: string[] }>;
	dueAt?: string;
}

const setsOf = (ack: EdiAcknowledgement) => ack.sets.map((s) => `${s.set} ${s.controlNumber}`).join(", ");

/**
 * The 997 of an interchange sent for an order (PRODUCT.md: EDI acknowledgement overdue is a
 * business SLA). A missing or rejecting 997 opens a case for integration operations, who may have
 * the interchange sent again; a late acceptance resolves the overdue case. The order's status is
 * not touched: the warehouse's own documents move it.
 */
export const EDI_ACKNOWLEDGEMENT_REACTIONS: Record<string, Handler> = {
	[WAYBILL_FACTS.EDI_ACK_OVERDUE]: (saga, env, ctx) => {
		const ack = env.data as EdiAcknowledgement;
		const summary = `${ack.partner}: no 997 for group ${ack.groupControl} (${setsOf(ack)}) by ${ack.dueAt}; resend with POST /ops/edi/interchanges/${ack.partner}/${ack.groupControl}/resend once the partner is reachable`;
		return merge(openCase(saga, env, ctx, { kind: "edi-ack-overdue", owner: "integration-ops", severity: "warning", partner: ack.partner, summary }), { note: summary });
	},
	[WAYBILL_FACTS.EDI_ACK_REJECTED]: (saga, env, ctx) => {
		const ack = env.data as EdiAcknowledgement;
		const refused = ack.sets.filter((s) => s.accepted === false).map((s) => `${s.set} ${s.controlNumber}${s.problems?.length ? `: ${s.problems.join("; ")}` : ""}`);
		const summary = `${ack.partner} rejected group ${ack.groupControl} (AK9 ${ack.status ?? "?"})${refused.length ? `: ${refused.join(", ")}` : ""}`;
		return merge(
			resolveCase(saga, "edi-ack-overdue", `the 997 came at ${env.time}: rejected`, env.time),
			openCase(saga, env, ctx, { kind: "edi-ack-rejected", owner: "integration-ops", severity: "critical", partner: ack.partner, summary }),
			{ note: summary },
		);
	},
	[WAYBILL_FACTS.EDI_ACKNOWLEDGED]: (saga, env) => {
		const ack = env.data as EdiAcknowledgement;
		return merge(resolveCase(saga, "edi-ack-overdue", `${ack.partner} accepted group ${ack.groupControl} late, at ${env.time}`, env.time), { note: `997 for group ${ack.groupControl}: accepted` });
	},
};

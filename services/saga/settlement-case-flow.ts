import { CHANNELS, WAYBILL_FACTS, type ChannelName, type Envelope } from "../../canonical/index.ts";
import type { SettlementDifference } from "../../canonical/settlement.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import { caseIdOf, type ExceptionCases } from "./exception-cases.ts";
import { caseFact } from "./partner-health-flow.ts";

interface Reconciled {
	day: string;
	chunks: number;
	matched: boolean;
	batch: { count: number };
	differences: SettlementDifference[];
	at: string;
}

const describe = (d: SettlementDifference) =>
	`${d.kind} ${d.currency}: batch ${d.batch.count} / ${d.batch.amount}, ERP ${d.erp.count} / ${d.erp.amount}, ledger ${d.ledger.count} / ${d.ledger.amount}`;

/**
 * A day whose settlement does not reconcile is finance's case, one open case per day; a later
 * reconciliation of the same day that matches (a rerun that posted what was missing) resolves it.
 */
export async function applySettlementReconciled(cases: ExceptionCases, publish: (c: ChannelName, e: Envelope) => Promise<PublishResult>, envelope: Envelope): Promise<void> {
	const reconciled = envelope.data as Reconciled;
	const subject = `settlement/${reconciled.day}`;
	if (!reconciled.matched) {
		const summary = `Settlement of ${reconciled.day} (${reconciled.chunks} chunks) does not reconcile with the ERP's bookings and the ledger: ${reconciled.differences.map(describe).join("; ")}. Rerun the day once the cause is found.`;
		const { exceptionCase, created } = await cases.openForSubject(subject, { caseId: caseIdOf(subject, envelope.id), kind: "settlement-mismatch", owner: "finance", severity: "critical", summary, at: reconciled.at });
		if (created) await publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_OPENED, exceptionCase, envelope));
		return;
	}
	const resolved = await cases.resolveSubject("settlement-mismatch", subject, `reconciled at ${reconciled.at}: ${reconciled.batch.count} documents in ${reconciled.chunks} chunks`, reconciled.at);
	if (resolved) await publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_RESOLVED, resolved, envelope));
}

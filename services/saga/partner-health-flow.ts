import { CHANNELS, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope, type ExceptionCase } from "../../canonical/index.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import { caseIdOf, type ExceptionCases } from "./exception-cases.ts";

export const PARTNER_HEALTH_FACTS: ReadonlySet<string> = new Set([WAYBILL_FACTS.PARTNER_DEGRADED, WAYBILL_FACTS.PARTNER_RECOVERED]);

interface PartnerHealth {
	system: string;
	partner: string;
	reason?: string;
	since: string;
	at: string;
}

/**
 * A degraded partner is a controlled exception: a case opens (visible in /ops/exceptions and
 * the ledger) while its commands wait in their stream, and it is resolved when the partner recovers.
 */
export async function applyPartnerHealth(cases: ExceptionCases, publish: (c: ChannelName, e: Envelope) => Promise<PublishResult>, envelope: Envelope): Promise<void> {
	const health = envelope.data as PartnerHealth;
	const subject = `${health.system}/${health.partner}`;
	if (envelope.type === WAYBILL_FACTS.PARTNER_DEGRADED) {
		const summary = `${health.system} partner '${health.partner}' is degraded since ${health.since}: ${health.reason ?? "unavailable"}. Its commands are held and will be delivered in order when it recovers.`;
		const caseId = caseIdOf(subject, health.since);
		const { exceptionCase, created } = await cases.openForSubject(subject, { caseId, kind: "partner-degraded", owner: "integration-ops", severity: "critical", summary, at: health.since, partner: health.partner });
		if (created) await publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_OPENED, exceptionCase, envelope));
	} else {
		const resolved = await cases.resolveSubject("partner-degraded", subject, `recovered at ${health.at}`, health.at);
		if (resolved) await publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_RESOLVED, resolved, envelope));
	}
}

export function caseFact(type: string, exceptionCase: ExceptionCase, cause: Envelope): Envelope {
	return createEnvelope({
		type,
		source: "waybill/saga",
		subject: exceptionCase.orderId ?? cause.subject,
		data: exceptionCase,
		schemaVersion: 1,
		causationId: cause.id,
		...(exceptionCase.orderId ? { correlationId: exceptionCase.orderId } : {}),
		idempotencyKey: `${exceptionCase.caseId}:${type}`,
		traceparent: cause.traceparent,
	});
}

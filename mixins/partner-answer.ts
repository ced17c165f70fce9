import { catalogueEntry, createEnvelope, type Envelope } from "../canonical/index.ts";

/** A partner's answer to a command, as its mapping read it. */
export interface PartnerAnswer {
	type: string;
	data: unknown;
	mappingVersion: string;
}

/**
 * The fact a partner's answer proves, caused by the command it answers and idempotent per command:
 * the adapters publish their partners' answers this way, and the batch service its ERP's.
 */
export function partnerAnswerFact(answer: PartnerAnswer, command: Envelope, system: string, partner: string): Envelope {
	return createEnvelope({
		type: answer.type,
		source: `partner/${system}/${partner}`,
		subject: command.subject,
		data: answer.data,
		schemaVersion: catalogueEntry(answer.type)?.version ?? 1,
		correlationId: command.correlationid,
		causationId: command.id,
		idempotencyKey: `${command.idempotencykey}:answer`,
		partner,
		mappingVersion: answer.mappingVersion,
		traceparent: command.traceparent,
	});
}

import type { Envelope, PayloadRef } from "../../canonical/index.ts";

/** The data of an `inbound.partner-message.received` message: a partner's bytes, as received. */
export interface PartnerMessage {
	system: "erp" | "wms" | "lastmile";
	partner: string;
	contentType: string;
	receivedAt: string;
	headers: Record<string, string>;
	/** The raw body (UTF-8); "" when the envelope's payloadref holds it (claim check). */
	body: string;
}

export interface PayloadReader {
	get(ref: PayloadRef): Promise<Buffer>;
}

/**
 * The message with its body, read through the payload store when the gateway claim-checked it
 * (an inline body wins: an operator's corrected replay of a dead letter carries one). Throws
 * PAYLOAD_MISSING or PAYLOAD_CORRUPT (not retryable: the message is dead-lettered with its
 * reference) or STORE_UNAVAILABLE (retryable) as the store answers.
 */
export async function withBody(envelope: Envelope, payloads: PayloadReader): Promise<PartnerMessage> {
	const message = envelope.data as PartnerMessage;
	if (!envelope.payloadref || message.body !== "") return message;
	return { ...message, body: (await payloads.get(envelope.payloadref)).toString("utf8") };
}

/** The data of an `inbound.partner-message.received` message: a partner's bytes, as received. */
export interface PartnerMessage {
	system: "erp" | "wms" | "lastmile";
	partner: string;
	contentType: string;
	receivedAt: string;
	headers: Record<string, string>;
	body: string;
}

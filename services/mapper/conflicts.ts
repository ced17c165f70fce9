import { CHANNELS, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope } from "../../canonical/index.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { FieldConflict } from "./field-ownership.ts";

export interface RecordedConflict extends FieldConflict {
	orderId: string;
	partner: string;
	factType: string;
	messageId: string;
	at: string;
}

const INDEX = "mapper:conflicts";
const key = (id: string) => `mapper:conflict:${id}`;

/**
 * A refused field is recorded twice: as a fact, so the ledger holds it with its lineage, and in
 * the store with its details, for operators (GET /ops/conflicts). Idempotent per message and path.
 */
export async function recordConflicts(
	deps: { store: Store; publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult> },
	context: { orderId: string; partner: string; factType: string; messageId: string; traceparent?: string },
	conflicts: FieldConflict[],
): Promise<void> {
	for (const conflict of conflicts) {
		const at = new Date().toISOString();
		const { traceparent, ...where } = context;
		const recorded: RecordedConflict = { ...conflict, ...where, at };
		const id = `${context.messageId}:${context.factType}:${conflict.path}`;
		await deps.publish(
			CHANNELS.EVENTS,
			createEnvelope({
				type: WAYBILL_FACTS.FIELD_CONFLICT,
				source: "waybill/mapper",
				subject: context.orderId,
				data: { orderId: context.orderId, system: conflict.writer, partner: context.partner, factType: context.factType, field: conflict.field, path: conflict.path, owners: conflict.owners, messageId: context.messageId, at },
				schemaVersion: 1,
				causationId: context.messageId,
				partner: context.partner,
				idempotencyKey: `conflict:${id}`,
				traceparent,
			}),
		);
		if (await deps.store.setIfAbsent(key(id), recorded)) await deps.store.indexAdd(INDEX, id, Date.parse(at));
	}
}

/** The most recent conflicts first. */
export async function listConflicts(store: Store, limit = 200): Promise<RecordedConflict[]> {
	const ids = await store.indexRange(INDEX, 0, Number.MAX_SAFE_INTEGER);
	const recent = ids.slice(-limit).reverse();
	return (await store.getMany<RecordedConflict>(recent.map(key))).filter((c): c is RecordedConflict => c !== undefined);
}

import { CHANNELS, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope } from "../../canonical/index.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import { caseIdOf, type ExceptionCases } from "./exception-cases.ts";
import { caseFact } from "./partner-health-flow.ts";
import type { SagaStore } from "./saga.store.ts";

interface InventoryAdjusted {
	sku: string;
	warehouse: string;
	delta: number;
	reason?: string;
	onHand?: number;
	allocated?: number;
	affectedOrders?: string[];
}

/**
 * An inventory adjustment is about a SKU at a warehouse, not an order. When it breaks
 * reservations, each order it names gets a `waybill.reallocation.required` fact on its own
 * partition, so its saga re-allocates in order with its other facts. When the WMS names no
 * orders, inventory control gets a case with the shortfall.
 */
export async function applyInventoryAdjustment(deps: { sagas: SagaStore; cases: ExceptionCases; publish(c: ChannelName, e: Envelope): Promise<PublishResult> }, envelope: Envelope): Promise<void> {
	const adjustment = envelope.data as InventoryAdjusted;
	const reason = `${adjustment.reason ?? "adjusted"} (${adjustment.delta > 0 ? "+" : ""}${adjustment.delta})`;
	const known: Array<{ orderId: string; traceparent?: string }> = [];
	for (const orderId of adjustment.affectedOrders ?? []) {
		const saga = await deps.sagas.get(orderId);
		if (saga) known.push({ orderId, traceparent: saga.traceparent });
	}
	for (const { orderId, traceparent } of known) {
		await deps.publish(CHANNELS.EVENTS, createEnvelope({
			type: WAYBILL_FACTS.REALLOCATION_REQUIRED,
			source: "waybill/saga",
			subject: orderId,
			correlationId: orderId,
			causationId: envelope.id,
			time: envelope.time,
			data: { orderId, warehouse: adjustment.warehouse, sku: adjustment.sku, reason, at: envelope.time },
			schemaVersion: 1,
			idempotencyKey: `${orderId}:reallocation:${envelope.id}`,
			// The order's trace: the adjustment that caused it is about a SKU, not this order.
			traceparent: traceparent ?? envelope.traceparent,
		}));
	}
	const shortBy = (adjustment.allocated ?? 0) - (adjustment.onHand ?? Number.POSITIVE_INFINITY);
	if (known.length > 0 || !(shortBy > 0)) return;
	const subject = `${adjustment.warehouse}/${adjustment.sku}`;
	const caseId = caseIdOf(subject, envelope.id);
	const summary = `${subject}: reservations exceed stock by ${shortBy} after ${reason}; the WMS named no orders`;
	const { exceptionCase, created } = await deps.cases.openForSubject(subject, { caseId, kind: "inventory-discrepancy", owner: "inventory-control", severity: "warning", summary, at: envelope.time, ...(envelope.partner ? { partner: envelope.partner } : {}) });
	if (created) await deps.publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_OPENED, exceptionCase, envelope));
}

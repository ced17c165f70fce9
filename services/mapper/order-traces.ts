import { ERP_FACTS, parseTraceparent } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";

/** As long as an order can still hear from its partners (returns, late carrier scans). */
const ORDER_TRACE_TTL_MS = 90 * 86_400_000;
const key = (orderId: string) => `mapper:order-trace:${orderId}`;

/**
 * An order is one trace: the trace of its release. Partners' webhooks rarely carry a traceparent,
 * and one that does carries the partner's own trace; the facts mapped from them continue the
 * order's trace instead (the inbound message keeps the one it came with, in the ledger too).
 */
export class OrderTraces {
	constructor(private readonly store: Store) {}

	/** The trace a fact about `orderId` continues: the order's, else the inbound message's. */
	async traceFor(factType: string, orderId: string, inbound: string | undefined): Promise<string | undefined> {
		// The first release wins: a repeated release continues the trace the order started with.
		if (factType === ERP_FACTS.ORDER_RELEASED && parseTraceparent(inbound)) await this.store.setIfAbsent(key(orderId), inbound, ORDER_TRACE_TTL_MS);
		return this.orderTrace(orderId, inbound);
	}

	/** The order's trace when Waybill knows the order, else `fallback`. */
	async orderTrace(orderId: string, fallback: string | undefined): Promise<string | undefined> {
		return (await this.store.get<string>(key(orderId))) ?? fallback;
	}
}

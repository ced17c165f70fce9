import type { SalesOrder } from "../../canonical/index.ts";

export interface Offered {
	/** Orders whose release was sent, accepted (2xx), refused or not sent because the generator was saturated. */
	sent: number;
	accepted: number;
	refused: number;
	skipped: number;
	/** When each accepted release was sent (epoch ms), by order id: the ingress time of its release. */
	sentAt: Map<string, number>;
	/** Send to the gateway's answer, ms, of every accepted release. */
	httpMs: number[];
}

/** A request that has not been answered in this long counts as refused (the gateway is drowning). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Open loop: order i is released at start + i / rate whatever happened to the ones before it, as
 * independent clients would, so a slow platform shows up as latency and backlog instead of quietly
 * slowing the load (closed-loop coordinated omission). More than `maxOutstanding` unanswered
 * requests means the generator itself is saturated: further releases are counted as skipped.
 */
export async function offerAtRate(
	target: { gatewayUrl: string; apiKey: string },
	ratePerSecond: number,
	durationMs: number,
	nextOrder: () => SalesOrder,
	maxOutstanding = 2_000,
): Promise<Offered> {
	const result: Offered = { sent: 0, accepted: 0, refused: 0, skipped: 0, sentAt: new Map(), httpMs: [] };
	const outstanding = new Set<Promise<void>>();
	const started = performance.now();
	const total = Math.round((ratePerSecond * durationMs) / 1000);
	for (let i = 0; i < total; i++) {
		const dueIn = started + (i * 1000) / ratePerSecond - performance.now();
		if (dueIn > 1) await new Promise((r) => setTimeout(r, dueIn));
		const order = nextOrder();
		result.sent++;
		if (outstanding.size >= maxOutstanding) {
			result.skipped++;
			continue;
		}
		const request = release(target, order, result);
		outstanding.add(request);
		void request.finally(() => outstanding.delete(request));
	}
	await Promise.all(outstanding);
	return result;
}

async function release(target: { gatewayUrl: string; apiKey: string }, order: SalesOrder, result: Offered): Promise<void> {
	const sentAt = Date.now();
	const sent = performance.now();
	try {
		const response = await fetch(`${target.gatewayUrl}/api/v1/orders`, {
			method: "POST",
			headers: { "content-type": "application/json", "idempotency-key": `release-${order.orderId}`, authorization: `Bearer ${target.apiKey}` },
			body: JSON.stringify(order),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		await response.arrayBuffer();
		if (!response.ok) {
			result.refused++;
			return;
		}
		result.accepted++;
		result.sentAt.set(order.orderId, sentAt);
		result.httpMs.push(performance.now() - sent);
	} catch {
		result.refused++;
	}
}

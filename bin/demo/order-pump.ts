import type { SalesOrder } from "../../canonical/index.ts";

export interface ReleaseResult {
	accepted: number;
	rejected: Array<{ orderId: string; status: number; detail: string }>;
}

/** Releases orders through the governed API, at most `concurrency` requests at a time. */
export async function releaseOrders(gatewayUrl: string, orders: SalesOrder[], concurrency: number, onAccepted: () => void): Promise<ReleaseResult> {
	const result: ReleaseResult = { accepted: 0, rejected: [] };
	let next = 0;
	const worker = async () => {
		while (next < orders.length) {
			const order = orders[next++]!;
			const response = await fetch(`${gatewayUrl}/api/v1/orders`, {
				method: "POST",
				headers: { "content-type": "application/json", "idempotency-key": `release-${order.orderId}` },
				body: JSON.stringify(order),
			}).catch((e: Error) => ({ ok: false, status: 0, text: async () => e.message }) as const);
			if (response.ok) {
				result.accepted++;
				onAccepted();
			} else {
				result.rejected.push({ orderId: order.orderId, status: response.status, detail: (await response.text()).slice(0, 300) });
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, orders.length) }, worker));
	return result;
}

/** Polls until `done()` says so or the deadline passes; returns whether it finished. */
export async function pollUntil(check: () => Promise<boolean>, deadline: number, everyMs = 250): Promise<boolean> {
	for (;;) {
		if (await check()) return true;
		if (Date.now() >= deadline) return false;
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

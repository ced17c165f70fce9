import { setTimeout as sleep } from "node:timers/promises";
import type { SalesOrder } from "../../canonical/index.ts";

export interface ReleaseResult {
	accepted: number;
	rejected: Array<{ orderId: string; status: number; detail: string }>;
}

const MAX_ATTEMPTS = 10;

/** POSTs one order; a 429 or 503 is waited out (Retry-After) and sent again with the same Idempotency-Key, as a good client does. */
async function postOrder(platform: { gatewayUrl: string; apiKey: string }, order: SalesOrder): Promise<{ ok: boolean; status: number; text(): Promise<string> }> {
	for (let attempt = 1; ; attempt++) {
		const response = await fetch(`${platform.gatewayUrl}/api/v1/orders`, {
			method: "POST",
			headers: { "content-type": "application/json", "idempotency-key": `release-${order.orderId}`, authorization: `Bearer ${platform.apiKey}` },
			body: JSON.stringify(order),
		}).catch((e: Error) => ({ ok: false, status: 0, headers: new Headers(), text: async () => e.message, arrayBuffer: async () => undefined }) as const);
		if ((response.status !== 429 && response.status !== 503) || attempt >= MAX_ATTEMPTS) return response;
		await response.arrayBuffer();
		await sleep(Math.min(Number(response.headers.get("retry-after") ?? 1), 10) * 1000);
	}
}

/** Releases orders through the governed API with the platform's key, at most `concurrency` requests at a time. */
export async function releaseOrders(platform: { gatewayUrl: string; apiKey: string }, orders: SalesOrder[], concurrency: number, onAccepted: () => void): Promise<ReleaseResult> {
	const result: ReleaseResult = { accepted: 0, rejected: [] };
	let next = 0;
	const worker = async () => {
		while (next < orders.length) {
			const order = orders[next++]!;
			const response = await postOrder(platform, order);
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

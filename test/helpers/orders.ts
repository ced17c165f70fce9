import type { SalesOrder } from "../../canonical/index.ts";

export function testOrder(orderId: string, lines = 2): SalesOrder {
	return {
		orderId,
		customer: { id: "C-1", name: "Ada Lovelace", email: "ada@example.com" },
		shipTo: { name: "Ada Lovelace", line1: "12 Harbour Street", city: "Hamburg", postalCode: "20095", country: "DE", phone: "+4940123456" },
		lines: Array.from({ length: lines }, (_, i) => ({ lineNo: i + 1, sku: `SKU-${i + 1}`, qty: i + 1, unitPrice: 10 + i })),
		currency: "EUR",
		orderValue: Array.from({ length: lines }, (_, i) => (i + 1) * (10 + i)).reduce((a, b) => a + b, 0),
		serviceLevel: "standard",
	};
}

/** Releases an order through the governed API as the platform's admin key (`auth`) or a key of the test's own. */
export async function releaseOrder(platform: { gatewayUrl: string; auth: Record<string, string> }, order: unknown): Promise<Response> {
	return fetch(`${platform.gatewayUrl}/api/v1/orders`, { method: "POST", headers: { "content-type": "application/json", ...platform.auth }, body: JSON.stringify(order), signal: AbortSignal.timeout(20_000) });
}

import { totalsOf, type CustomerRecord, type ProductRecord, type SettlementItem } from "../../canonical/index.ts";

/** `count` products of the ERP's product master, every tenth dangerous goods, SKUs `<prefix>-<n>`. */
export function productRecords(count: number, prefix = "SKU-MD", from = 1): ProductRecord[] {
	return Array.from({ length: count }, (_, i) => {
		const n = from + i;
		const hazmat = n % 10 === 0;
		return {
			sku: `${prefix}-${n}`,
			description: `Product ${n}, carton of 12`,
			uom: "EA",
			gtin: String(4_000_000_000_000 + n).padStart(13, "0"),
			weight: { value: 0.25 + (n % 40) / 10, unit: "kg" },
			dimensions: { length: 20 + (n % 15), width: 15, height: 8 + (n % 5), unit: "cm" },
			hazmat,
			...(hazmat ? { unNumber: "UN1993", hazardClass: "3" } : {}),
			countryOfOrigin: "DE",
			hsCode: "33049900",
		};
	});
}

/** `count` customers, each with a default ship-to and a bill-to address, ids `<prefix>-<n>`. */
export function customerRecords(count: number, prefix = "CUST-MD", from = 1): CustomerRecord[] {
	return Array.from({ length: count }, (_, i) => {
		const n = from + i;
		const address = { name: `Customer ${n}`, line1: `${n} Harbour Street`, city: "Hamburg", postalCode: "20095", country: "DE", phone: `+4940${String(n).padStart(7, "0")}` };
		return {
			customerId: `${prefix}-${n}`,
			name: `Customer ${n}`,
			email: `customer${n}@example.com`,
			addresses: [
				{ addressId: `A-${n}-1`, type: "ship-to", isDefault: true, address },
				{ addressId: `A-${n}-2`, type: "bill-to", address: { ...address, line1: `PO Box ${n}` } },
			],
			...(n % 7 === 0 ? { deliveryNotes: "leave with the neighbour at no. 14" } : {}),
		};
	});
}

/** Settlement items of a day: invoices in EUR and USD, a credit note, a freight bill. */
export function settlementItems(day = "2026-11-27"): SettlementItem[] {
	const at = (h: number) => `${day}T${String(h).padStart(2, "0")}:15:00.000Z`;
	return [
		{ id: "m-inv-1", kind: "invoice", documentId: "INV-1", orderId: "SO-1", currency: "EUR", amount: 10.1, at: at(8), storedAt: at(8) },
		{ id: "m-inv-2", kind: "invoice", documentId: "INV-2", orderId: "SO-2", currency: "EUR", amount: 20.2, at: at(9), storedAt: at(9) },
		{ id: "m-inv-3", kind: "invoice", documentId: "INV-3", orderId: "SO-3", currency: "USD", amount: 99.99, at: at(10), storedAt: at(10) },
		{ id: "m-cn-1", kind: "credit-note", documentId: "CN-1", orderId: "SO-1", currency: "EUR", amount: 10.1, at: at(11), storedAt: at(11) },
		{ id: "m-fr-1", kind: "freight", documentId: "FB-1", orderId: "SO-2", currency: "EUR", amount: 7.35, at: at(12), storedAt: at(12) },
	];
}

/** The data of an erp.settlement-batch.post: chunk 1 of a day with its own totals. */
export function settlementChunk(day = "2026-11-27"): Record<string, unknown> {
	const items = settlementItems(day);
	return { day, chunk: 1, cutoff: `${day}T23:00:00.000Z`, items, ...totalsOf(items) };
}

import type { SalesOrder } from "../../canonical/index.ts";

const CITIES = [
	{ city: "Berlin", postalCode: "10115", country: "DE" },
	{ city: "Hamburg", postalCode: "20095", country: "DE" },
	{ city: "Lyon", postalCode: "69001", country: "FR" },
	{ city: "Rotterdam", postalCode: "3011", country: "NL" },
];
const SKUS = ["SKU-TEA-100", "SKU-MUG-200", "SKU-KETTLE-300", "SKU-FILTER-400", "SKU-SPOON-500"];

/** Deterministic sample orders: 1 to 4 lines, a delivery window tomorrow, EUR prices; with `x12`, every other one for WH2 (the EDI 3PL). */
export function sampleOrder(runId: string, n: number, options: { x12?: boolean } = {}): SalesOrder {
	const place = CITIES[n % CITIES.length]!;
	const lineCount = 1 + (n % 4);
	const lines = Array.from({ length: lineCount }, (_, i) => ({
		lineNo: i + 1,
		sku: SKUS[(n + i) % SKUS.length]!,
		qty: 1 + ((n + i) % 3),
		unitPrice: 4.5 + ((n * 7 + i * 3) % 20),
	}));
	const tomorrow = new Date(Date.now() + 86_400_000);
	tomorrow.setUTCHours(9, 0, 0, 0);
	return {
		orderId: `SO-${runId}-${String(n).padStart(5, "0")}`,
		customer: { id: `C-${1000 + (n % 97)}`, name: `Customer ${n}`, email: `customer${n}@example.com` },
		shipTo: { name: `Customer ${n}`, line1: `${10 + (n % 90)} Harbour Street`, ...place, phone: "+49301234567" },
		lines,
		currency: "EUR",
		orderValue: Math.round(lines.reduce((s, l) => s + l.qty * l.unitPrice, 0) * 100) / 100,
		serviceLevel: n % 5 === 0 ? "express" : "standard",
		requestedWindow: { from: tomorrow.toISOString(), to: new Date(tomorrow.getTime() + 4 * 3_600_000).toISOString() },
		region: "eu-central",
		...(options.x12 && n % 2 === 0 ? { warehouse: "WH2" } : {}),
	};
}

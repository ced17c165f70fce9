import {
	catalogueEntry, createEnvelope,
	type Address, type DeliveryJob, type Envelope, type FulfillmentOrder, type LineQuantity, type MessageType, type SalesOrder,
	type SettlementEvent, type Shipment,
} from "../../canonical/index.ts";

/** Canonical documents and envelopes shared by the unit specs: valid unless a test breaks them on purpose. */
const T0 = Date.parse("2025-03-03T08:00:00.000Z");

/** A fixed event time `minutes` after the start of the test day, so runs are reproducible. */
export function at(minutes: number): string {
	return new Date(T0 + minutes * 60_000).toISOString();
}

export const SHIP_TO: Address = {
	name: "Ann de Vries",
	line1: "Damrak 1",
	city: "Amsterdam",
	postalCode: "1012 LG",
	country: "NL",
	phone: "+31612345678",
};

export function salesOrder(orderId = "SO-1001"): SalesOrder {
	return {
		orderId,
		customer: { id: "C-42", name: "Ann de Vries", email: "ann@example.com" },
		shipTo: structuredClone(SHIP_TO),
		lines: [
			{ lineNo: 1, sku: "SKU-A", qty: 2, unitPrice: 12.5 },
			{ lineNo: 2, sku: "SKU-B", qty: 3, unitPrice: 4.99 },
			{ lineNo: 3, sku: "SKU-C", qty: 1, unitPrice: 100 },
		],
		currency: "EUR",
		orderValue: 139.97,
		serviceLevel: "standard",
		requestedWindow: { from: at(24 * 60), to: at(24 * 60 + 240) },
	};
}

export function linesOf(order: SalesOrder): LineQuantity[] {
	return order.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty }));
}

export function fulfillmentOrder(order = salesOrder()): FulfillmentOrder {
	return {
		fulfillmentOrderId: `FO-${order.orderId}-WH1`,
		orderId: order.orderId,
		warehouse: "WH1",
		partner: "acme-3pl",
		shipTo: order.shipTo,
		serviceLevel: order.serviceLevel,
		lines: linesOf(order),
	};
}

/** A shipment of `lines` (everything ordered by default) in one package. */
export function shipment(order = salesOrder(), lines = linesOf(order), shipmentId = "shp_1"): Shipment {
	return {
		shipmentId,
		orderId: order.orderId,
		fulfillmentOrderId: `FO-${order.orderId}-WH1`,
		warehouse: "WH1",
		carrier: "WAYBILL-LASTMILE",
		trackingNumber: "WBLM000000001001",
		shippedAt: at(90),
		packages: [{ sscc: "006141410000000012", weightKg: 3.2, lines }],
		lines,
	};
}

export function deliveryJob(order = salesOrder(), shipmentId = "shp_1"): DeliveryJob {
	const deliveryJobId = `DJ-${order.orderId}-${shipmentId}`;
	return {
		deliveryJobId,
		orderId: order.orderId,
		shipmentId,
		partner: "onfleet",
		packages: 2,
		stops: [{ stopId: `${deliveryJobId}-1`, address: order.shipTo, window: order.requestedWindow, attempts: [] }],
	};
}

export function invoice(order = salesOrder()): SettlementEvent {
	return {
		kind: "invoice",
		orderId: order.orderId,
		currency: order.currency,
		lines: order.lines.map(({ lineNo, sku, qty, unitPrice }) => ({ lineNo, sku, qty, unitPrice })),
		total: 139.97,
		at: at(600),
	};
}

export interface MessageOptions {
	/** Idempotency key; the envelope id derives from it, so the same key names the same message. */
	key: string;
	subject?: string;
	time?: string;
	partner?: string;
}

/** An envelope of a catalogued type, stamped with the catalogue's schema version. */
export function message<T>(type: MessageType, data: T, options: MessageOptions): Envelope<T> {
	const entry = catalogueEntry(type);
	if (!entry) throw new Error(`fixture asked for uncatalogued type '${type}'`);
	const subject = options.subject ?? (data as { orderId?: string }).orderId ?? "no-subject";
	return createEnvelope({
		type,
		source: "test/fixtures",
		subject,
		data,
		schemaVersion: entry.version,
		idempotencyKey: options.key,
		...(options.time ? { time: options.time } : {}),
		...(options.partner ? { partner: options.partner } : {}),
	});
}

/** Whatever the test throws, as a record of its machine-readable parts. */
export function caught(run: () => unknown): { type?: string; data?: unknown } {
	try {
		run();
	} catch (e: unknown) {
		return e as { type?: string; data?: unknown };
	}
	throw new Error("expected the call to throw");
}

export async function rejected(run: () => Promise<unknown>): Promise<{ type?: string; data?: unknown; message?: string }> {
	try {
		await run();
	} catch (e: unknown) {
		return e as { type?: string; data?: unknown; message?: string };
	}
	throw new Error("expected the call to reject");
}

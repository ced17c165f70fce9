import type { OrderStatus } from "../../canonical/index.ts";
import type { DeliveryState, FulfillmentState, OrderSaga } from "./order-saga.ts";
import { isOpenStatus, type SagaStore } from "./saga.store.ts";

/** Bounds of one overview read: it never loads more orders than this, however many exist. */
export const OVERVIEW_LIMITS = { openOrders: 1_000, recentOrders: 1_000, slaRows: 100, stuckRows: 20, affectedRows: 25, buckets: 12 } as const;

export interface SlaRow {
	orderId: string;
	sla: string;
	dueAt?: string;
	status: OrderStatus;
	serviceLevel: string;
}

export interface WarehouseThroughput {
	warehouse: string;
	partner?: string;
	/** Shipments (and units) whose shippedAt falls in the window, and per bucket of the window, oldest first. */
	shipped: number;
	units: number;
	perBucket: number[];
	/** Fulfillment orders still at the warehouse (requested, accepted, held). */
	open: number;
}

export interface ProviderOnTime {
	partner: string;
	/** Deliveries completed in the window, and those on time (by the end of the requested window). */
	delivered: number;
	onTime: number;
	/** Delivered on the first attempt. */
	firstAttempt: number;
	/** Parcels on their way back after failed attempts (counted as not on time). */
	returned: number;
	failedAttempts: number;
	inFlight: number;
}

/** What a partner is holding now: the orders, warehouse fulfillments and delivery jobs (routes) waiting on it. */
export interface PartnerLoad {
	orders: number;
	orderIds: string[];
	byWarehouse: Record<string, number>;
	fulfillments: Array<{ fulfillmentOrderId: string; orderId: string; warehouse: string; state: FulfillmentState["state"] }>;
	deliveries: Array<{ deliveryJobId: string; orderId: string; state: DeliveryState["state"]; partnerRef?: string; eta?: string }>;
}

export interface OrdersOverview {
	at: string;
	windowMs: number;
	inFlight: { total: number; byStatus: Partial<Record<OrderStatus, number>> };
	/** Orders released in the window that have finished, by how they ended. */
	finished: { total: number; byStatus: Partial<Record<OrderStatus, number>> };
	stuck: { count: number; orders: Array<{ orderId: string; status: OrderStatus; updatedAt: string }> };
	sla: { atRisk: SlaRow[]; breached: SlaRow[] };
	warehouses: WarehouseThroughput[];
	providers: ProviderOnTime[];
	partners: Record<string, PartnerLoad>;
	/** How many orders were read (and how many the open index lists); `truncated` when a limit cut the read short. */
	scanned: { open: number; openIndexed: number; recent: number; truncated: boolean };
}

const WAITING_AT_WAREHOUSE: ReadonlySet<FulfillmentState["state"]> = new Set(["requested", "accepted", "held", "cancelling"]);
const WAITING_ON_ROUTE: ReadonlySet<DeliveryState["state"]> = new Set(["requested", "accepted", "on-route", "failed", "returning", "cancelling"]);

/** Reads the open orders (their own index) and those released in the window, each set bounded, and summarises them. */
export async function readOverview(sagas: SagaStore, options: { now: number; windowMs: number; stuckAfterMs: number }): Promise<OrdersOverview> {
	const [openIds, openIndexed, recentIds] = await Promise.all([
		sagas.openOrderIds(OVERVIEW_LIMITS.openOrders + 1),
		sagas.openOrderCount(),
		sagas.orderIdsSince(options.now - options.windowMs, OVERVIEW_LIMITS.recentOrders + 1),
	]);
	const truncated = openIds.length > OVERVIEW_LIMITS.openOrders || recentIds.length > OVERVIEW_LIMITS.recentOrders;
	const ids = [...new Set([...openIds.slice(0, OVERVIEW_LIMITS.openOrders), ...recentIds.slice(0, OVERVIEW_LIMITS.recentOrders)])];
	const overview = summariseOverview(await sagas.many(ids), options);
	overview.scanned = { open: Math.min(openIds.length, OVERVIEW_LIMITS.openOrders), openIndexed, recent: Math.min(recentIds.length, OVERVIEW_LIMITS.recentOrders), truncated };
	return overview;
}

/** The control tower's picture of these orders at `now`: pure, so it is tested without a store. */
export function summariseOverview(sagas: OrderSaga[], options: { now: number; windowMs: number; stuckAfterMs: number }): OrdersOverview {
	const { now, windowMs } = options;
	const since = now - windowMs;
	const out: OrdersOverview = {
		at: new Date(now).toISOString(), windowMs, inFlight: { total: 0, byStatus: {} }, finished: { total: 0, byStatus: {} }, stuck: { count: 0, orders: [] },
		sla: { atRisk: [], breached: [] }, warehouses: [], providers: [], partners: {}, scanned: { open: 0, openIndexed: 0, recent: 0, truncated: false },
	};
	const warehouses = new Map<string, WarehouseThroughput>();
	const providers = new Map<string, ProviderOnTime>();
	const warehouse = (name: string) => warehouses.get(name) ?? warehouses.set(name, { warehouse: name, shipped: 0, units: 0, perBucket: new Array<number>(OVERVIEW_LIMITS.buckets).fill(0), open: 0 }).get(name)!;
	const provider = (name: string) => providers.get(name) ?? providers.set(name, { partner: name, delivered: 0, onTime: 0, firstAttempt: 0, returned: 0, failedAttempts: 0, inFlight: 0 }).get(name)!;

	for (const saga of sagas) {
		const open = isOpenStatus(saga.status);
		const tally = open ? out.inFlight : out.finished;
		// A finished order counts when it was released in the window (the open index may still list an older one after a crash).
		const counted = open || Date.parse(saga.createdAt) >= since;
		if (counted) {
			tally.total++;
			tally.byStatus[saga.status] = (tally.byStatus[saga.status] ?? 0) + 1;
		}
		if (open && now - Date.parse(saga.updatedAt) > options.stuckAfterMs) {
			out.stuck.count++;
			if (out.stuck.orders.length < OVERVIEW_LIMITS.stuckRows) out.stuck.orders.push({ orderId: saga.orderId, status: saga.status, updatedAt: saga.updatedAt });
		}
		if (open) for (const sla of saga.sla.atRisk) if (!saga.sla.breached.includes(sla)) out.sla.atRisk.push(slaRow(saga, sla));
		if (counted) for (const sla of saga.sla.breached) out.sla.breached.push(slaRow(saga, sla));

		for (const f of Object.values(saga.fulfillments)) {
			const w = warehouse(f.warehouse);
			w.partner ??= f.partner;
			if (open && WAITING_AT_WAREHOUSE.has(f.state)) {
				w.open++;
				const load = addLoad(out.partners, f.partner, saga.orderId);
				load.byWarehouse[f.warehouse] = (load.byWarehouse[f.warehouse] ?? 0) + 1;
				load.fulfillments.push({ fulfillmentOrderId: f.fulfillmentOrderId, orderId: saga.orderId, warehouse: f.warehouse, state: f.state });
			}
		}
		for (const s of saga.shipments) {
			const at = Date.parse(s.shippedAt);
			if (!(at >= since && at <= now)) continue;
			const w = warehouse(warehouseOf(s, saga));
			w.shipped++;
			w.units += s.lines.reduce((sum, l) => sum + l.qty, 0);
			w.perBucket[Math.min(OVERVIEW_LIMITS.buckets - 1, Math.floor(((at - since) / windowMs) * OVERVIEW_LIMITS.buckets))]!++;
		}
		for (const d of Object.values(saga.deliveries)) countDelivery(provider(d.partner), d, saga, since);
		for (const d of Object.values(saga.deliveries)) {
			if (!open || !WAITING_ON_ROUTE.has(d.state)) continue;
			provider(d.partner).inFlight++;
			addLoad(out.partners, d.partner, saga.orderId).deliveries.push({ deliveryJobId: d.deliveryJobId, orderId: saga.orderId, state: d.state, ...(d.partnerRef ? { partnerRef: d.partnerRef } : {}), ...(d.eta ? { eta: d.eta } : {}) });
		}
	}
	out.sla.atRisk = out.sla.atRisk.sort(byDue(1)).slice(0, OVERVIEW_LIMITS.slaRows);
	out.sla.breached = out.sla.breached.sort(byDue(-1)).slice(0, OVERVIEW_LIMITS.slaRows);
	out.warehouses = [...warehouses.values()].sort((a, b) => a.warehouse.localeCompare(b.warehouse));
	out.providers = [...providers.values()].sort((a, b) => a.partner.localeCompare(b.partner));
	for (const load of Object.values(out.partners)) {
		load.fulfillments = load.fulfillments.slice(0, OVERVIEW_LIMITS.affectedRows);
		load.deliveries = load.deliveries.slice(0, OVERVIEW_LIMITS.affectedRows);
	}
	return out;
}

/** On time: delivered by the end of the customer's requested window (an order without one has no window to miss). */
function countDelivery(p: ProviderOnTime, d: DeliveryState, saga: OrderSaga, since: number): void {
	p.failedAttempts += d.failures.filter((f) => Date.parse(f.at) >= since).length;
	if (d.state === "delivered" && d.deliveredAt && Date.parse(d.deliveredAt) >= since) {
		p.delivered++;
		const due = saga.order.requestedWindow?.to;
		if (!due || Date.parse(d.deliveredAt) <= Date.parse(due)) p.onTime++;
		if (d.attempt === 1 && d.failures.length === 0) p.firstAttempt++;
	} else if (d.state === "returning" && d.failures.some((f) => Date.parse(f.at) >= since)) {
		p.returned++;
	}
}

/**
 * Where a shipment left from: its own warehouse, its fulfillment order's, or (a partner's shipment
 * notice that names neither, as X12 945s may) the one shipped fulfillment no other shipment names.
 */
function warehouseOf(shipment: OrderSaga["shipments"][number], saga: OrderSaga): string {
	if (shipment.warehouse) return shipment.warehouse;
	const named = saga.fulfillments[shipment.fulfillmentOrderId ?? ""];
	if (named) return named.warehouse;
	const claimed = new Set(saga.shipments.map((s) => s.fulfillmentOrderId).filter(Boolean));
	const unclaimed = Object.values(saga.fulfillments).filter((f) => f.state === "shipped" && !claimed.has(f.fulfillmentOrderId));
	return unclaimed.length === 1 ? unclaimed[0]!.warehouse : "unknown";
}

function addLoad(partners: Record<string, PartnerLoad>, partner: string, orderId: string): PartnerLoad {
	const load = (partners[partner] ??= { orders: 0, orderIds: [], byWarehouse: {}, fulfillments: [], deliveries: [] });
	if (!load.orderIds.includes(orderId)) {
		load.orders++;
		if (load.orderIds.length < OVERVIEW_LIMITS.affectedRows) load.orderIds.push(orderId);
	}
	return load;
}

/** The due time recorded when the SLA was raised; before that was recorded, what the order itself says. */
function slaRow(saga: OrderSaga, sla: string): SlaRow {
	const dueAt = saga.sla.due?.[sla] ?? (sla === "order-to-dispatch" ? saga.sla.dispatchDueAt : sla === "delivery-window" ? saga.order.requestedWindow?.to : undefined);
	return { orderId: saga.orderId, sla, ...(dueAt ? { dueAt } : {}), status: saga.status, serviceLevel: saga.order.serviceLevel };
}

/** Soonest due first (1) or latest first (-1); rows without a due time last either way. */
function byDue(direction: 1 | -1) {
	return (a: SlaRow, b: SlaRow) => {
		if (!a.dueAt || !b.dueAt) return (a.dueAt ? -1 : b.dueAt ? 1 : 0) || a.orderId.localeCompare(b.orderId);
		return direction * (Date.parse(a.dueAt) - Date.parse(b.dueAt)) || a.orderId.localeCompare(b.orderId);
	};
}

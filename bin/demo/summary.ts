import type { DemoPlatform } from "./platform.ts";
import type { SagaStats } from "../../services/saga/saga-stats.ts";

/** The exception flows' counters, as the saga reports them. */
type FlowCounts = Pick<SagaStats, "shortPicks" | "splitShipments" | "backordered" | "failedAttempts" | "reattempted" | "returned" | "cancelled" | "creditNotes" | "slaAtRisk" | "slaBreaches">;

export interface DemoSummary extends FlowCounts {
	mode: string;
	namespace: string;
	orders: number;
	accepted: number;
	rejected: number;
	delivered: number;
	invoiced: number;
	inFlight: number;
	exceptions: number;
	stuck: number;
	stuckOrders: string[];
	deadLetters: number;
	ledgerEntries: number;
	ledgerVerified: boolean;
	partners: { fulfillmentOrders: number; x12FulfillmentOrders: number; deliveryTasks: number; rapidCourierTasks: number; invoices: number; duplicateInvoices: number; statusUpdates: number; shipmentConfirmations: number };
	durationMs: number;
	ordersPerSecond: number;
}

/** What a simulator counted since it started (`GET /_sim/stats`). */
export async function simStats<T>(url: string): Promise<T> {
	return (await fetch(`${url}/_sim/stats`)).json() as Promise<T>;
}

/** What the run achieved, read back from the saga, the ledger and what the partners received. */
export async function collectSummary(platform: DemoPlatform, run: { orders: number; accepted: number; rejected: number; startedAt: number; stuckAfterMs: number }): Promise<DemoSummary> {
	const durationMs = Date.now() - run.startedAt;
	const saga = await platform.broker.call<SagaStats, { stuckAfterMs: number }>("saga.stats", { stuckAfterMs: run.stuckAfterMs });
	const ledger = await platform.broker.call<{ entries: number; byKind: Record<string, number> }>("ledger.stats");
	const verified = await platform.broker.call<{ ok: boolean }>("ledger.verify");
	const erp = await simStats<{ invoices: number; statusUpdates: number; shipmentConfirmations: number; invoicesByOrder: Record<string, number> }>(platform.simulatorUrls.erp);
	const wms = await simStats<{ fulfillmentOrders: number }>(platform.simulatorUrls.wms);
	const wmsX12 = await simStats<{ fulfillmentOrders: number }>(platform.simulatorUrls.wmsX12);
	const lastmile = await simStats<{ tasks: number }>(platform.simulatorUrls.lastmile);
	const lastmileRapid = await simStats<{ tasks: number }>(platform.simulatorUrls.lastmileRapid);
	return {
		mode: platform.mode,
		namespace: platform.namespace,
		orders: run.orders,
		accepted: run.accepted,
		rejected: run.rejected,
		delivered: saga.delivered,
		invoiced: saga.invoiced,
		inFlight: saga.inFlight,
		exceptions: saga.exceptions,
		shortPicks: saga.shortPicks,
		splitShipments: saga.splitShipments,
		backordered: saga.backordered,
		failedAttempts: saga.failedAttempts,
		reattempted: saga.reattempted,
		returned: saga.returned,
		cancelled: saga.cancelled,
		creditNotes: saga.creditNotes,
		slaAtRisk: saga.slaAtRisk,
		slaBreaches: saga.slaBreaches,
		stuck: saga.stuck,
		stuckOrders: saga.stuckOrders,
		deadLetters: ledger.byKind["dead-letter"] ?? 0,
		ledgerEntries: ledger.entries,
		ledgerVerified: verified.ok,
		partners: {
			fulfillmentOrders: wms.fulfillmentOrders + wmsX12.fulfillmentOrders,
			x12FulfillmentOrders: wmsX12.fulfillmentOrders,
			deliveryTasks: lastmile.tasks + lastmileRapid.tasks,
			rapidCourierTasks: lastmileRapid.tasks,
			invoices: erp.invoices,
			duplicateInvoices: Object.values(erp.invoicesByOrder).filter((n) => n > 1).length,
			statusUpdates: erp.statusUpdates,
			shipmentConfirmations: erp.shipmentConfirmations,
		},
		durationMs,
		ordersPerSecond: Math.round((run.accepted / Math.max(durationMs, 1)) * 1000 * 10) / 10,
	};
}

export function formatSummary(s: DemoSummary): string {
	const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
	return [
		"",
		`Waybill demo (${s.mode}, namespace ${s.namespace})`,
		row("orders released", `${s.accepted} of ${s.orders}${s.rejected ? `, ${s.rejected} refused` : ""}`),
		row("delivered", s.delivered),
		row("invoiced", s.invoiced),
		row("still in flight", s.inFlight),
		row("stuck (no progress)", s.stuck + (s.stuckOrders.length ? `: ${s.stuckOrders.join(", ")}` : "")),
		row("in an exception state now", s.exceptions),
		row("short picks", s.shortPicks),
		row("split shipments", s.splitShipments),
		row("orders with backorders", s.backordered),
		row("failed delivery attempts", `${s.failedAttempts} (${s.reattempted} orders re-attempted)`),
		row("returned", s.returned),
		row("cancelled", s.cancelled),
		row("credit notes", s.creditNotes),
		row("SLA at risk / breached", `${s.slaAtRisk} / ${s.slaBreaches}`),
		row("dead letters", s.deadLetters),
		row("ledger entries", `${s.ledgerEntries} (hash chain ${s.ledgerVerified ? "verified" : "BROKEN"})`),
		row("WMS fulfillment orders", `${s.partners.fulfillmentOrders}${s.partners.x12FulfillmentOrders ? ` (${s.partners.x12FulfillmentOrders} as X12 940s)` : ""}`),
		row("last-mile tasks", `${s.partners.deliveryTasks} (${s.partners.rapidCourierTasks} by the express courier)`),
		row("ERP invoices", `${s.partners.invoices} (${s.partners.duplicateInvoices} orders invoiced twice)`),
		row("ERP status updates", s.partners.statusUpdates),
		row("duration", `${(s.durationMs / 1000).toFixed(1)} s (${s.ordersPerSecond} orders/s)`),
		"",
	].join("\n");
}

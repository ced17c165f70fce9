import type { SalesOrder } from "../../canonical/index.ts";
import type { Harness } from "./platform-harness.ts";
import { testOrder } from "./orders.ts";

/** Each order of the exception-flow run, named by what happens to it. */
export const FLOWS = ["SHORT", "SPLIT", "PARCELS", "REALLOC", "DAMAGED", "NOSHOW", "RETRY", "RTW", "CANCEL", "RMA", "CHANGE", "LATECHANGE", "SLA"] as const;
export type Flow = (typeof FLOWS)[number];

export const NEW_ADDRESS = { name: "Ada Lovelace", line1: "7 Dock Lane", city: "Hamburg", postalCode: "20457", country: "DE" };

export function orderIdOf(prefix: string, flow: Flow): string {
	return `${prefix}-${flow}`;
}

/** The orders: two lines each (line 1: 1 unit at 10, line 2: 2 units at 11); the SLA one is express. */
export function ordersFor(prefix: string): SalesOrder[] {
	return FLOWS.map((flow) => ({ ...testOrder(orderIdOf(prefix, flow), 2), ...(flow === "SLA" ? { serviceLevel: "express" as const } : {}) }));
}

/**
 * Scripts every simulator with what happens to which order, and turns on the sloppy-partner
 * chaos: every webhook is sent twice, and the warehouse's and last-mile platform's events
 * overtake each other.
 */
export function scriptScenarios(h: Harness, prefix: string): void {
	const id = (flow: Flow) => orderIdOf(prefix, flow);
	h.wms.setScenario({
		orders: {
			[id("SHORT")]: { shortPick: [{ lineNo: 2, qtyPicked: 1 }] },
			[id("SPLIT")]: { allocationShort: [{ lineNo: 1, qtyAllocated: 0 }] },
			[id("PARCELS")]: { splitShipment: true },
			[id("REALLOC")]: { inventoryAdjustment: true },
			[id("DAMAGED")]: { warehouseException: "damaged-stock" },
			[id("NOSHOW")]: { warehouseException: "carrier-no-show" },
			// A blocked wave holds the order in the warehouse long enough for the ERP's cancellation or change to reach it.
			[id("CANCEL")]: { warehouseException: "wave-blocked" },
			[id("CHANGE")]: { warehouseException: "wave-blocked" },
			[id("SLA")]: { warehouseException: "wave-blocked" },
		},
	});
	h.lastmile.setScenario({ orders: { [id("RETRY")]: { failAttempts: 1, failureReason: "NOBODY" }, [id("RTW")]: { failAttempts: 5, failureReason: "INCORRECT_ADDRESS" } } });
	h.erp.setScenario({
		orders: {
			[id("CANCEL")]: { cancelOn: "allocated" },
			[id("RMA")]: { returnOn: "invoiced" },
			[id("CHANGE")]: { change: { on: "released", changes: { shipTo: NEW_ADDRESS } } },
			// Manifested, not packed: with warehouse events overtaking each other, "packed" may never be reported.
			[id("LATECHANGE")]: { change: { on: "manifested", changes: { lines: [{ lineNo: 1, sku: "SKU-1", qty: 3, unitPrice: 10 }] } } },
		},
	});
	h.wms.setFaults({ duplicateWebhooks: 2, outOfOrderProbability: 0.3 });
	h.wmsX12.setFaults({ duplicateWebhooks: 2 });
	h.lastmile.setFaults({ duplicateWebhooks: 2, outOfOrderProbability: 0.3 });
	h.lastmileRapid.setFaults({ duplicateWebhooks: 2, outOfOrderProbability: 0.3 });
}

/** How many ledger entries of each message type an order has. */
export async function ledgerTypes(h: Harness, orderId: string): Promise<Record<string, number>> {
	const entries = await h.client.call<Array<{ type: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: orderId });
	const counts: Record<string, number> = {};
	for (const e of entries) counts[e.type] = (counts[e.type] ?? 0) + 1;
	return counts;
}

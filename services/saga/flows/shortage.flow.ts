import { ERP_COMMANDS, ORDER_STATUS, WMS_FACTS, type Envelope, type LineQuantity } from "../../../canonical/index.ts";
import { add, expected } from "../line-reconciliation.ts";
import type { OrderSaga } from "../order-saga.ts";
import { instancesOf, takeStep } from "../saga-definition.ts";
import { SHORTAGE } from "./definitions.ts";
import { fulfillmentOf, requestFulfillment } from "./order-to-delivery.flow.ts";
import { merge, openCase, type FlowContext, type Handler, type Outcome } from "./flow-kit.ts";

type WarehouseLine = LineQuantity & { qtyAllocated?: number; qtyPicked?: number };

/** How long a short pick waits for an allocation that was overtaken in transit before it is judged anyway. */
const PICK_HOLD_MS = 30_000;

/**
 * Flow 2 of PRODUCT.md, short pick and split shipment: ship what is there; the rest goes to
 * another warehouse when the routing rule has one and the policy says so (a split across
 * warehouses), else it is backordered or cancelled per policy and the ERP is told per line.
 */
export const SHORTAGE_REACTIONS: Record<string, Handler> = {
	[WMS_FACTS.ALLOCATION_SHORT]: (saga, env, ctx) => {
		const data = env.data as { fulfillmentOrderId?: string; lines?: WarehouseLine[] };
		const lines = data.lines ?? [];
		add(saga, "allocated", lines.map((l) => ({ ...l, qty: l.qtyAllocated ?? 0 })));
		const short = lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty - (l.qtyAllocated ?? 0) })).filter((l) => l.qty > 0);
		const fo = fulfillmentOf(saga, data.fulfillmentOrderId);
		if (fo) {
			fo.allocated = true;
			fo.lines = lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qtyAllocated ?? 0 })).filter((l) => l.qty > 0);
			if (fo.lines.length === 0) fo.state = "cancelled";
		}
		if (short.length === 0) return { status: ORDER_STATUS.ALLOCATED };
		const policy = ctx.policies.shortage(saga.order);
		const used = new Set(Object.values(saga.fulfillments).map((f) => f.warehouse));
		const next = policy.reallocate ? ctx.policies.route(saga.order).warehouses.find((w) => !used.has(w)) : undefined;
		if (next) {
			const commands = requestFulfillment(saga, next, short, env.time, ctx);
			const summary = `${fo?.warehouse ?? "the warehouse"} could allocate only part of the order; ${describe(short)} split to ${next}`;
			return merge({ status: ORDER_STATUS.ALLOCATED, commands, note: summary }, openCase(saga, env, ctx, { kind: "allocation-short", owner: "inventory-control", severity: "info", partner: env.partner, summary }));
		}
		return settleShortfall(saga, env, ctx, short, "allocation-short", "could not be allocated");
	},
	[WMS_FACTS.PICK_CONFIRMED]: (saga, env, ctx) => {
		const data = env.data as { fulfillmentOrderId?: string; lines?: WarehouseLine[] };
		const lines = data.lines ?? [];
		// Short against what this warehouse still had to pick (its allocation), not the order: a split-off rest is not short here.
		const fo = fulfillmentOf(saga, data.fulfillmentOrderId);
		// A short pick that overtook its allocation cannot be judged yet: the missing units may have been allocated elsewhere.
		const looksShort = lines.some((l) => (l.qtyPicked ?? l.qty) < l.qty);
		if (fo && !fo.allocated && looksShort && !ctx.releasing) return { park: { waitFor: `allocation:${fo.fulfillmentOrderId}`, holdMs: PICK_HOLD_MS }, note: "short pick ahead of its allocation: held until the allocation arrives" };
		add(saga, "picked", lines.map((l) => ({ ...l, qty: l.qtyPicked ?? l.qty })));
		const toPick = (l: WarehouseLine) => (fo ? (fo.lines.find((x) => x.lineNo === l.lineNo)?.qty ?? 0) : l.qty);
		const short = lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: toPick(l) - Math.min(toPick(l), l.qtyPicked ?? l.qty) })).filter((l) => l.qty > 0);
		if (short.length === 0) return { status: ORDER_STATUS.PICKED };
		if (fo && lines.every((l) => (l.qtyPicked ?? l.qty) === 0)) fo.state = "cancelled";
		return settleShortfall(saga, env, ctx, short, "short-pick", "short picked");
	},
};

/**
 * What a warehouse cannot ship is backordered or cancelled per policy, the ERP told per line.
 * The shipped rest goes on; an order with nothing left to ship is cancelled.
 */
export function settleShortfall(saga: OrderSaga, env: Envelope, ctx: FlowContext, short: LineQuantity[], kind: "short-pick" | "allocation-short" | "warehouse-exception", what: string): Outcome {
	const { action } = ctx.policies.shortage(saga.order);
	const stage = action === "backorder" ? "backordered" : "cancelled";
	add(saga, stage, short);
	const n = instancesOf(saga, "shortfall") + 1;
	const commands = takeStep(saga, SHORTAGE, "shortfall", String(n), { type: ERP_COMMANDS.BACKORDER_LINES, data: { orderId: saga.orderId, lines: short, policy: action } }, env.time, { answered: false });
	const summary = `${describe(short)} ${what} at ${env.partner ?? "the warehouse"}: ${action === "backorder" ? "backordered" : "cancelled"}; the rest ships`;
	const nothingLeft = saga.lines.every((l) => expected(l) <= 0);
	const status = nothingLeft ? ORDER_STATUS.CANCELLED : ORDER_STATUS.SHORT;
	const caseKind = kind === "warehouse-exception" ? "short-pick" : kind;
	return merge({ status, detail: summary, commands, note: summary }, openCase(saga, env, ctx, { kind: caseKind, owner: "inventory-control", severity: "warning", partner: env.partner, summary }));
}

export function describe(lines: readonly LineQuantity[]): string {
	return lines.map((l) => `line ${l.lineNo} (${l.sku}) ${l.qty} unit${l.qty === 1 ? "" : "s"}`).join(", ");
}

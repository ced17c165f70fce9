import { ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS, WMS_COMMANDS, WMS_FACTS, isTerminal, rankOf, type Address, type SalesOrder, type TimeWindow } from "../../../canonical/index.ts";
import type { CommandIntent, OrderSaga } from "../order-saga.ts";
import { stepDone, takeStep } from "../saga-definition.ts";
import { orderedLine } from "../line-reconciliation.ts";
import { ORDER_CHANGE } from "./definitions.ts";
import type { Handler, Outcome } from "./flow-kit.ts";

interface OrderChange {
	changeId: string;
	changes: { shipTo?: Address; requestedWindow?: TimeWindow; lines?: SalesOrder["lines"] };
}

/**
 * Order changes from the ERP (address, delivery window, lines) reach the WMS and the last-mile
 * job where they still can, and are refused with the reason, told to the ERP, where they cannot:
 * lines once packed, address and window once out for delivery. A partner that refuses a change
 * in the meantime gets the same answer (see command-failure.flow.ts).
 */
export const ORDER_CHANGE_REACTIONS: Record<string, Handler> = {
	[ERP_FACTS.ORDER_UPDATED]: (saga, env) => {
		const { changeId, changes } = env.data as OrderChange;
		if (saga.changes[changeId]) return { note: `change ${changeId} already handled` };
		const fields = Object.keys(changes).filter((k) => changes[k as keyof OrderChange["changes"]] !== undefined);
		if (fields.length === 0) return { note: "an empty change" };
		const reason = refusal(saga, changes);
		if (reason) return refuse(saga, changeId, fields, reason, env.time);
		const commands = propagate(saga, changeId, changes, env.time);
		saga.changes[changeId] = { changeId, fields, ...(changes.lines ? { lines: changes.lines } : {}), waitingFor: commands.map((c) => c.step), previous: { shipTo: saga.order.shipTo, requestedWindow: saga.order.requestedWindow } };
		if (changes.shipTo) saga.order.shipTo = changes.shipTo;
		if (changes.requestedWindow) saga.order.requestedWindow = changes.requestedWindow;
		return { commands, note: `change ${changeId} (${fields.join(", ")}) sent to ${commands.length} partner order(s)` };
	},
	[WMS_FACTS.FULFILLMENT_UPDATED]: (saga, env) => answered(saga, env.data as { changeId?: string; fulfillmentOrderId?: string }, (env.data as { fulfillmentOrderId?: string }).fulfillmentOrderId, env.time),
	[LASTMILE_FACTS.JOB_UPDATED]: (saga, env) => answered(saga, env.data as { changeId?: string }, (env.data as { deliveryJobId?: string }).deliveryJobId, env.time),
};

/** Why the change cannot be applied any more, or undefined when it can. */
function refusal(saga: OrderSaga, changes: OrderChange["changes"]): string | undefined {
	if (isTerminal(saga.status) || saga.compensation) return `order is ${saga.status}`;
	if (changes.lines && rankOf(saga.status) >= rankOf(ORDER_STATUS.PACKED)) return `lines cannot change: already ${saga.status}`;
	if (changes.lines && Object.keys(saga.fulfillments).length > 1) return "lines cannot change: the order is split across warehouses";
	const out = rankOf(saga.status) >= rankOf(ORDER_STATUS.OUT_FOR_DELIVERY) || Object.values(saga.deliveries).some((d) => d.state === "on-route" || d.state === "delivered");
	if ((changes.shipTo || changes.requestedWindow) && out) return `address and window cannot change: already ${saga.status === ORDER_STATUS.DISPATCHED ? "dispatched" : "out for delivery"}`;
	return undefined;
}

export function refuse(saga: OrderSaga, changeId: string, fields: string[], reason: string, at: string): Outcome {
	const commands = takeStep(saga, ORDER_CHANGE, "refuse-change", changeId, { type: ERP_COMMANDS.REFUSE_ORDER_CHANGE, data: { orderId: saga.orderId, changeId, fields, reason } }, at, { answered: false });
	return { commands, note: `change ${changeId} refused: ${reason}` };
}

/** One update per partner order that has not moved past the point of change. */
function propagate(saga: OrderSaga, changeId: string, changes: OrderChange["changes"], at: string): CommandIntent[] {
	const commands: CommandIntent[] = [];
	if (changes.lines || changes.shipTo) {
		for (const fo of Object.values(saga.fulfillments)) {
			if (fo.state === "shipped" || fo.state === "cancelled" || fo.state === "cancelling") continue;
			const lines = changes.lines?.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty }));
			commands.push(...takeStep(saga, ORDER_CHANGE, "change", `${changeId}:${fo.fulfillmentOrderId}`, {
				type: WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER,
				partner: fo.partner,
				data: { orderId: saga.orderId, fulfillmentOrderId: fo.fulfillmentOrderId, warehouse: fo.warehouse, ...(fo.partnerRef ? { partnerRef: fo.partnerRef } : {}), changeId, ...(changes.shipTo ? { shipTo: changes.shipTo } : {}), ...(lines ? { lines } : {}) },
			}, at));
		}
	}
	if (changes.shipTo || changes.requestedWindow) {
		for (const d of Object.values(saga.deliveries)) {
			// A job the platform has not confirmed yet has no id to address; it was created with the order as it was.
			if (d.state !== "accepted" || !d.partnerRef) continue;
			commands.push(...takeStep(saga, ORDER_CHANGE, "change", `${changeId}:${d.deliveryJobId}`, {
				type: LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB,
				partner: d.partner,
				data: { orderId: saga.orderId, deliveryJobId: d.deliveryJobId, ...(d.partnerRef ? { partnerRef: d.partnerRef } : {}), changeId, ...(changes.shipTo ? { address: changes.shipTo } : {}), ...(changes.requestedWindow ? { window: changes.requestedWindow } : {}) },
			}, at));
		}
	}
	return commands;
}

/** A partner took the change; new lines count once the warehouse has them. */
function answered(saga: OrderSaga, data: { changeId?: string }, instance: string | undefined, at: string): Outcome {
	const change = data.changeId ? saga.changes[data.changeId] : undefined;
	if (!change || !instance) return { note: "update answered" };
	const step = `change:${change.changeId}:${instance}`;
	if (!change.waitingFor.includes(step)) return { note: `change ${change.changeId} already answered by ${instance}` };
	change.waitingFor = change.waitingFor.filter((s) => s !== step);
	stepDone(saga, step, at);
	if (change.lines && instance.startsWith("FO-")) {
		saga.order.lines = change.lines;
		for (const l of change.lines) {
			const line = saga.lines.find((x) => x.lineNo === l.lineNo);
			if (line) line.ordered = l.qty;
			else saga.lines.push(orderedLine(l));
		}
		const fo = saga.fulfillments[instance];
		if (fo) fo.lines = change.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: l.qty }));
	}
	return { note: `change ${change.changeId} applied by ${instance}` };
}

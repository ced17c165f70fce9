import { ERP_COMMANDS, ERP_FACTS, LASTMILE_FACTS, ORDER_STATUS, WMS_FACTS, rankOf } from "../../../canonical/index.ts";
import { add, expected } from "../line-reconciliation.ts";
import type { OrderSaga } from "../order-saga.ts";
import { compensated, nextCompensation, stepKey, takeStep, undoStep } from "../saga-definition.ts";
import { CANCELLATION } from "./definitions.ts";
import { deliveryOf, fulfillmentOf, requestFulfillment } from "./order-to-delivery.flow.ts";
import { startReturn } from "./returns.flow.ts";
import { merge, resolveCase, type Handler, type Outcome } from "./flow-kit.ts";

/**
 * Flow 5 of PRODUCT.md, cancellation. Before dispatch the order is unwound: its steps are
 * compensated last-in-first-out (the delivery job, then the fulfillment orders, whose
 * cancellation releases the reservation), one at a time, each recorded. After dispatch nothing
 * physical is undone: the cancellation becomes a return intercept.
 */
export const CANCELLATION_REACTIONS: Record<string, Handler> = {
	[ERP_FACTS.ORDER_CANCELLED]: (saga, env, ctx) => {
		const { reason } = env.data as { reason: string };
		if (saga.compensation || saga.status === ORDER_STATUS.CANCELLED) return { note: "already cancelled" };
		if (Object.keys(saga.returns).some((rma) => rma.startsWith(INTERCEPT))) return { note: "already cancelled: the delivery is being intercepted" };
		// A job with a failed attempt behind it is still with the carrier, re-attempt scheduled or not.
		const onRoute = Object.values(saga.deliveries).some((d) => d.state === "on-route" || d.state === "failed" || (d.state === "accepted" && d.failures.length > 0));
		if (rankOf(saga.status) < rankOf(ORDER_STATUS.DISPATCHED) && !onRoute) {
			saga.compensation = { reason, startedAt: env.time };
			add(saga, "cancelled", saga.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, qty: Math.max(0, expected(l) - l.shipped) })));
			return { status: ORDER_STATUS.CANCELLED, detail: reason, commands: nextCompensation(saga, ctx.now), note: "unwinding: compensations run last-in-first-out" };
		}
		if (saga.status === ORDER_STATUS.DISPATCHED || saga.status === ORDER_STATUS.OUT_FOR_DELIVERY || onRoute) return intercept(saga, env.time, reason, ctx);
		const why = `order is ${saga.status}: it can no longer be cancelled; authorise a return instead`;
		const commands = takeStep(saga, CANCELLATION, "refuse-cancellation", "", { type: ERP_COMMANDS.REFUSE_ORDER_CHANGE, data: { orderId: saga.orderId, changeId: "cancellation", fields: ["status"], reason: why } }, env.time, { answered: false });
		return { commands, note: why };
	},
	[LASTMILE_FACTS.JOB_CANCELLED]: (saga, env, ctx) => {
		const delivery = deliveryOf(saga, env.data as { deliveryJobId?: string; partnerRef?: string });
		if (!delivery) return { note: "cancellation of an unknown delivery job" };
		if (delivery.state !== "returning") delivery.state = "cancelled";
		compensated(saga, stepKey("delivery", delivery.deliveryJobId), env.time);
		return { commands: nextCompensation(saga, ctx.now), note: `undone: delivery job ${delivery.deliveryJobId} cancelled` };
	},
	[WMS_FACTS.FULFILLMENT_CANCELLED]: (saga, env, ctx) => {
		const fo = fulfillmentOf(saga, (env.data as { fulfillmentOrderId?: string }).fulfillmentOrderId);
		if (!fo) return { note: "cancellation of an unknown fulfillment order" };
		if (fo.state === "cancelled") return { note: `${fo.fulfillmentOrderId} already cancelled` };
		fo.state = "cancelled";
		compensated(saga, stepKey("fulfillment", fo.fulfillmentOrderId), env.time);
		const undone = `undone: ${fo.fulfillmentOrderId} cancelled, reservation at ${fo.warehouse} released`;
		if (fo.reallocateTo && !saga.compensation) {
			const to = fo.reallocateTo;
			fo.reallocateTo = undefined;
			const commands = requestFulfillment(saga, to, fo.lines, env.time, ctx);
			return merge(resolveCase(saga, "inventory-discrepancy", `re-allocated to ${to}`, env.time), { commands, note: `${undone}; re-allocated to ${to}` });
		}
		return { commands: nextCompensation(saga, ctx.now), note: undone };
	},
};

const INTERCEPT = "INT-";

/** Cancelled while on its way: stop the delivery, bring the parcel back, tell customer service. */
function intercept(saga: OrderSaga, at: string, reason: string, ctx: Parameters<Handler>[2]): Outcome {
	const commands = Object.values(saga.deliveries)
		.filter((d) => d.state !== "delivered" && d.state !== "cancelled" && d.state !== "returning")
		.flatMap((d) => {
			d.state = "returning";
			const shipment = saga.shipments.find((s) => s.shipmentId === d.shipmentId);
			return [
				...undoStep(saga, stepKey("delivery", d.deliveryJobId), at),
				...startReturn(saga, ctx, at, { rma: `${INTERCEPT}${d.deliveryJobId}`, reason: `intercepted: ${reason}`, lines: shipment?.lines ?? [], warehouse: shipment?.warehouse ?? "unknown", pickupFrom: saga.order.shipTo }),
			];
		});
	commands.push(...takeStep(saga, CANCELLATION, "cs-case", "intercept", { type: ERP_COMMANDS.RAISE_CS_CASE, data: { orderId: saga.orderId, kind: "intercept", reason: `cancelled after dispatch: ${reason}` } }, at, { answered: false }));
	return { commands, note: "cancelled after dispatch: return intercept" };
}

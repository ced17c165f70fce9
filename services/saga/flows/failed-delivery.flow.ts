import { ERP_COMMANDS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS, WAYBILL_FACTS } from "../../../canonical/index.ts";
import type { DeliveryState, OrderSaga } from "../order-saga.ts";
import { instancesOf, takeStep } from "../saga-definition.ts";
import { FAILED_DELIVERY } from "./definitions.ts";
import { currentDelivery, fulfillmentOf } from "./order-to-delivery.flow.ts";
import { startReturn } from "./returns.flow.ts";
import { merge, openCase, type FlowContext, type Handler, type Outcome } from "./flow-kit.ts";

/**
 * Flow 4 of PRODUCT.md, failed delivery: the ERP's status is updated, a customer-service case is
 * raised and invoicing paused; a re-attempt follows within policy (maximum attempts, window),
 * else the parcel goes back to the warehouse, which is told to expect it, and a credit follows.
 */
export const FAILED_DELIVERY_REACTIONS: Record<string, Handler> = {
	[LASTMILE_FACTS.ATTEMPT_FAILED]: (saga, env, ctx) => {
		const data = env.data as { partnerRef?: string; deliveryJobId?: string; reason?: string; rma?: string };
		const delivery = currentDelivery(saga, data, env.partner);
		if (!delivery) return { note: "failure of a superseded or unknown task" };
		// A failed job waits for its re-attempt to start: another failure now is the last one sent again, not the next attempt.
		if (delivery.failures.length >= delivery.attempt || ["failed", "delivered", "returning", "cancelled"].includes(delivery.state)) {
			return { note: `failure while the job is ${delivery.state} (attempt ${delivery.attempt}): already recorded` };
		}
		delivery.failures.push({ at: env.time, reason: data.reason });
		delivery.state = "failed";
		const reason = data.reason ?? "unknown";
		const attempt = delivery.attempt;
		const alert = customerServiceAlert(saga, delivery, reason, env.time);
		const held = pauseInvoicing(saga, env.time);
		const caseOpened = openCase(saga, env, ctx, { kind: "delivery-failed", owner: "customer-service", severity: "warning", partner: env.partner, summary: `delivery attempt ${delivery.attempt} failed: ${reason}` });
		const next = nextMove(saga, delivery, env.time, ctx);
		return merge({ status: ORDER_STATUS.DELIVERY_FAILED, detail: `attempt ${attempt} failed: ${reason}` }, alert, held, caseOpened, next);
	},
};

/** Re-attempt while the policy allows, else bring the parcel back. */
function nextMove(saga: OrderSaga, delivery: DeliveryState, at: string, ctx: FlowContext): Outcome {
	const policy = ctx.policies.reattempt(saga.order, delivery.partner);
	const first = delivery.failures[0]?.at ?? at;
	const inWindow = Date.parse(at) - Date.parse(first) <= policy.windowMs;
	if (delivery.attempt < policy.maxAttempts && inWindow) {
		delivery.attempt += 1;
		const commands = takeStep(saga, FAILED_DELIVERY, "reattempt", `${delivery.deliveryJobId}:${delivery.attempt}`, {
			type: LASTMILE_COMMANDS.SCHEDULE_REATTEMPT,
			partner: delivery.partner,
			data: { orderId: saga.orderId, deliveryJobId: delivery.deliveryJobId, partnerRef: delivery.partnerRef, window: saga.order.requestedWindow, attempt: delivery.attempt },
		}, at);
		return { commands, note: `re-attempt ${delivery.attempt} of ${policy.maxAttempts} scheduled` };
	}
	delivery.state = "returning";
	const shipment = saga.shipments.find((s) => s.shipmentId === delivery.shipmentId);
	const warehouse = shipment?.warehouse ?? fulfillmentOf(saga, shipment?.fulfillmentOrderId)?.warehouse ?? Object.values(saga.fulfillments)[0]?.warehouse ?? "unknown";
	const why = inWindow ? `${delivery.attempt} attempts failed` : "the re-attempt window closed";
	const commands = startReturn(saga, ctx, at, { rma: `RTW-${delivery.deliveryJobId}`, reason: `undeliverable: ${why}`, lines: shipment?.lines ?? [], warehouse, pickupFrom: saga.order.shipTo });
	return { commands, note: `${why}: returning to ${warehouse}` };
}

function customerServiceAlert(saga: OrderSaga, delivery: DeliveryState, reason: string, at: string): Outcome {
	const data = { orderId: saga.orderId, kind: "delivery-failed", reason: `attempt ${delivery.attempt}: ${reason}` };
	return {
		commands: takeStep(saga, FAILED_DELIVERY, "cs-case", `${delivery.deliveryJobId}:${delivery.attempt}`, { type: ERP_COMMANDS.RAISE_CS_CASE, data }, at, { answered: false }),
		facts: [{ type: WAYBILL_FACTS.CS_CASE_ALERTED, key: `cs-alert:${delivery.deliveryJobId}:${delivery.attempt}`, data: { orderId: saga.orderId, reason: data.reason } }],
	};
}

function pauseInvoicing(saga: OrderSaga, at: string): Outcome {
	if (saga.invoicingPaused || saga.invoice) return {};
	saga.invoicingPaused = true;
	const n = instancesOf(saga, "invoicing-paused") + 1;
	return { commands: takeStep(saga, FAILED_DELIVERY, "invoicing-paused", String(n), { type: ERP_COMMANDS.PAUSE_INVOICING, data: { orderId: saga.orderId, reason: "delivery failed" } }, at, { answered: false }) };
}

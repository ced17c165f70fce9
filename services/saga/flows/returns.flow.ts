import {
	ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS, WMS_COMMANDS, WMS_FACTS, rankOf,
	type Address, type LineQuantity, type ReturnOrder, type SettlementEvent,
} from "../../../canonical/index.ts";
import { add } from "../line-reconciliation.ts";
import type { CommandIntent, OrderSaga } from "../order-saga.ts";
import { stepDone, stepKey, takeStep } from "../saga-definition.ts";
import { RETURNS } from "./definitions.ts";
import { merge, resolveCase, type FlowContext, type Handler } from "./flow-kit.ts";

/**
 * Flow 6 of PRODUCT.md, returns: an RMA from the ERP becomes a pickup job, then a WMS receipt and
 * disposition, then a credit note. Failed deliveries and intercepted cancellations come back the
 * same way: a physical step is never undone, it becomes a forward return flow.
 */
export const RETURN_REACTIONS: Record<string, Handler> = {
	[ERP_FACTS.RETURN_AUTHORISED]: (saga, env, ctx) => {
		const rma = env.data as ReturnOrder;
		if (saga.returns[rma.rma]) return { note: `return ${rma.rma} already under way` };
		if (rankOf(saga.status) < rankOf(ORDER_STATUS.DELIVERED) || saga.status === ORDER_STATUS.CANCELLED) {
			const reason = `order is ${saga.status}, not delivered: cancel it instead of returning it`;
			const commands = takeStep(saga, RETURNS, "refuse-return", rma.rma, { type: ERP_COMMANDS.REFUSE_ORDER_CHANGE, data: { orderId: saga.orderId, changeId: rma.rma, fields: ["return"], reason } }, env.time, { answered: false });
			return { commands, note: `RMA ${rma.rma} refused: ${reason}` };
		}
		return { commands: startReturn(saga, ctx, env.time, { rma: rma.rma, reason: rma.reason, lines: rma.lines, warehouse: rma.warehouse, pickupFrom: rma.pickupFrom }), note: `RMA ${rma.rma}: pickup and receipt requested` };
	},
	[LASTMILE_FACTS.RETURN_PICKUP_ACCEPTED]: (saga, env) => {
		const { rma } = env.data as { rma?: string };
		const ret = rma ? saga.returns[rma] : undefined;
		if (!ret) return { note: `pickup for an unknown return ${rma ?? "?"}` };
		if (ret.state === "expected") ret.state = "in-transit";
		stepDone(saga, stepKey("return-pickup", ret.rma), env.time);
		return { status: ORDER_STATUS.RETURNING, detail: `return ${ret.rma}: ${ret.reason}` };
	},
	[LASTMILE_FACTS.RETURNED_TO_SENDER]: (_saga, env) => ({ note: `parcel of ${(env.data as { rma?: string }).rma ?? "the order"} handed back to the warehouse` }),
	[WMS_FACTS.RETURN_RECEIVED]: (saga, env, ctx) => {
		const data = env.data as { rma: string; lines: LineQuantity[]; disposition?: string };
		const ret = saga.returns[data.rma];
		if (!ret) return { note: `receipt of an unknown return ${data.rma}` };
		if (ret.state === "received" || ret.state === "credited") return { note: `return ${data.rma} already received` };
		ret.state = "received";
		ret.disposition = data.disposition;
		add(saga, "returned", data.lines);
		const closed = resolveCase(saga, "delivery-failed", `returned to the warehouse (${data.disposition ?? "no disposition"})`, env.time);
		if (ctx.policies.returns(saga.order).credit === "none") return merge(closed, { status: ORDER_STATUS.RETURNED, note: "no credit per policy" });
		const credit = creditNoteFor(saga, data.rma, data.lines, env.time);
		// The goods are back whether or not the pickup's acceptance arrived first: the credit note then finds the order returning.
		return merge(closed, { status: ORDER_STATUS.RETURNING, detail: `return ${ret.rma}: ${ret.reason}`, commands: takeStep(saga, RETURNS, "credit", data.rma, { type: ERP_COMMANDS.POST_CREDIT_NOTE, data: credit }, env.time), note: `received (${data.disposition ?? "?"}); credit note of ${credit.total} ${credit.currency} requested` });
	},
	[ERP_FACTS.CREDIT_NOTE_POSTED]: (saga, env) => {
		const credit = env.data as SettlementEvent;
		if (saga.credits.some((c) => (credit.rma && c.rma === credit.rma) || (credit.documentId && c.documentId === credit.documentId))) return { note: "credit note already recorded" };
		saga.credits.push({ documentId: credit.documentId, rma: credit.rma, total: credit.total, postedAt: env.time });
		const ret = credit.rma ? saga.returns[credit.rma] : undefined;
		if (ret) ret.state = "credited";
		if (credit.rma) stepDone(saga, stepKey("credit", credit.rma), env.time);
		return { status: ORDER_STATUS.RETURNED };
	},
};

/** Tells the WMS to expect the goods and the last-mile platform to bring them back. */
export function startReturn(saga: OrderSaga, ctx: FlowContext, at: string, ret: { rma: string; reason: string; lines: LineQuantity[]; warehouse: string; pickupFrom: Address }): CommandIntent[] {
	saga.returns[ret.rma] = { rma: ret.rma, reason: ret.reason, warehouse: ret.warehouse, lines: ret.lines, state: "expected" };
	const order: ReturnOrder = { rma: ret.rma, orderId: saga.orderId, reason: ret.reason, pickupFrom: ret.pickupFrom, warehouse: ret.warehouse, lines: ret.lines };
	return [
		...takeStep(saga, RETURNS, "return-expected", ret.rma, { type: WMS_COMMANDS.EXPECT_RETURN, partner: ctx.policies.wmsPartnerFor(ret.warehouse), data: order }, at, { answered: false }),
		...takeStep(saga, RETURNS, "return-pickup", ret.rma, { type: LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, partner: ctx.policies.route(saga.order).lastmile, data: order }, at),
	];
}

/** Credit at the ERP's own prices for what came back. */
function creditNoteFor(saga: OrderSaga, rma: string, lines: LineQuantity[], at: string): SettlementEvent {
	const priced = lines.flatMap((l) => {
		const line = saga.order.lines.find((o) => o.lineNo === l.lineNo);
		return line && l.qty > 0 ? [{ lineNo: l.lineNo, sku: l.sku, qty: l.qty, unitPrice: line.unitPrice }] : [];
	});
	const total = Math.round(priced.reduce((sum, l) => sum + l.qty * l.unitPrice, 0) * 100) / 100;
	return { kind: "credit-note", orderId: saga.orderId, currency: saga.order.currency, lines: priced, total, at, rma };
}

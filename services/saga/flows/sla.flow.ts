import { ORDER_STATUS, WAYBILL_FACTS, isTerminal, rankOf, type Envelope } from "../../../canonical/index.ts";
import type { OrderSaga } from "../order-saga.ts";
import { isoPlus, merge, openCase, type FlowContext, type Handler, type Outcome } from "./flow-kit.ts";

/**
 * SLA clocks (PRODUCT.md, business SLAs): order-to-dispatch per service level with cut-off and
 * time zone, status freshness for active orders, exception resolution time. Each is a durable
 * timer; when it comes due the saga reads the order as it is then and raises at-risk or breached,
 * each at most once per order and clock.
 */
export function armOrderClocks(saga: OrderSaga, envelope: Envelope, ctx: FlowContext): Outcome {
	const sla = ctx.policies.sla(saga.order);
	const dueAt = sla.dispatchDueAt(envelope.time);
	saga.sla.dispatchDueAt = dueAt;
	return {
		timers: [
			{ clock: "dispatch-at-risk", dueAt: isoPlus(dueAt, -sla.atRiskLeadMs) },
			{ clock: "dispatch", dueAt },
			{ clock: "freshness", dueAt: isoPlus(envelope.time, sla.freshnessMs) },
		],
	};
}

export const SLA_REACTIONS: Record<string, Handler> = {
	[WAYBILL_FACTS.CLOCK_ELAPSED]: (saga, env, ctx) => {
		const clock = env.data as { clock: string; dueAt: string; caseId?: string };
		// A case outlives its order's flow (a compensation that failed belongs to a cancelled order): its clock still counts.
		if (clock.caseId) return caseResolution(saga, env, clock.caseId, clock.dueAt);
		if (finished(saga)) return { note: `${clock.clock} clock elapsed after the order finished` };
		if (clock.clock === "dispatch-at-risk") return dispatchAtRisk(saga, env, clock.dueAt);
		if (clock.clock === "dispatch") return dispatchDue(saga, env, ctx);
		if (clock.clock === "freshness") return freshness(saga, env, ctx);
		return { note: `unknown clock ${clock.clock}` };
	},
};

function finished(saga: OrderSaga): boolean {
	return isTerminal(saga.status) || saga.status === ORDER_STATUS.INVOICED || saga.status === ORDER_STATUS.CLOSED || saga.compensation !== undefined;
}

/** Predicted from warehouse progress: not packed this close to the deadline means it will likely be missed. */
function dispatchAtRisk(saga: OrderSaga, env: Envelope, at: string): Outcome {
	if (rankOf(saga.status) >= rankOf(ORDER_STATUS.PACKED)) return { note: "dispatch on track: packed before the at-risk mark" };
	return atRisk(saga, "order-to-dispatch", saga.sla.dispatchDueAt ?? at, env.time);
}

function dispatchDue(saga: OrderSaga, env: Envelope, ctx: FlowContext): Outcome {
	if (rankOf(saga.status) >= rankOf(ORDER_STATUS.DISPATCHED)) return { note: "dispatched within the SLA" };
	return breach(saga, env, ctx, "order-to-dispatch", saga.sla.dispatchDueAt ?? env.time, "warehouse-ops", `not dispatched by ${saga.sla.dispatchDueAt} (status ${saga.status})`);
}

/** Stale when the status has not moved for the freshness target; otherwise the clock is set again from the last change. */
function freshness(saga: OrderSaga, env: Envelope, ctx: FlowContext): Outcome {
	const target = ctx.policies.sla(saga.order).freshnessMs;
	const staleAt = isoPlus(saga.statusAt, target);
	if (Date.parse(staleAt) > Date.parse(env.time)) return { timers: [{ clock: "freshness", dueAt: staleAt }] };
	return breach(saga, env, ctx, "status-freshness", staleAt, "integration-ops", `no status change since ${saga.statusAt} (status ${saga.status})`);
}

function caseResolution(saga: OrderSaga, env: Envelope, caseId: string, dueAt: string): Outcome {
	const ref = saga.cases.find((c) => c.caseId === caseId);
	if (!ref || ref.resolvedAt) return { note: `case ${caseId} resolved in time` };
	const sla = `exception-resolution:${caseId}`;
	if (saga.sla.breached.includes(sla)) return {};
	saga.sla.breached.push(sla);
	noteDue(saga, sla, dueAt);
	return { facts: [{ type: WAYBILL_FACTS.SLA_BREACHED, key: `sla-breached:${sla}`, data: { orderId: saga.orderId, sla: "exception-resolution", dueAt, at: env.time } }], note: `case ${caseId} (${ref.kind}) still open` };
}

/** Keeps the due time of an SLA raised on the order, for the control tower's at-risk and breached lists. */
export function noteDue(saga: OrderSaga, sla: string, dueAt: string): void {
	saga.sla.due = { ...saga.sla.due, [sla]: dueAt };
}

export function atRisk(saga: OrderSaga, sla: string, dueAt: string, at: string): Outcome {
	if (saga.sla.atRisk.includes(sla)) return {};
	saga.sla.atRisk.push(sla);
	noteDue(saga, sla, dueAt);
	return { facts: [{ type: WAYBILL_FACTS.SLA_AT_RISK, key: `sla-at-risk:${sla}`, data: { orderId: saga.orderId, sla, dueAt, at } }], note: `${sla} SLA at risk (due ${dueAt})` };
}

function breach(saga: OrderSaga, env: Envelope, ctx: FlowContext, sla: string, dueAt: string, owner: "warehouse-ops" | "integration-ops", why: string): Outcome {
	if (saga.sla.breached.includes(sla)) return {};
	saga.sla.breached.push(sla);
	noteDue(saga, sla, dueAt);
	const fact = { facts: [{ type: WAYBILL_FACTS.SLA_BREACHED, key: `sla-breached:${sla}`, data: { orderId: saga.orderId, sla, dueAt, at: env.time } }] };
	return merge(fact, openCase(saga, env, ctx, { kind: "sla-breach", owner, severity: "warning", summary: `${sla} SLA breached: ${why}` }), { note: `${sla} SLA breached` });
}

import { ERP_COMMANDS, type Envelope, type OrderStatus, type SalesOrder } from "../../../canonical/index.ts";
import { caseIdOf } from "../exception-cases.ts";
import type { CaseIntent, CommandIntent, FactIntent, OrderSaga, TimerIntent } from "../order-saga.ts";

/** Policies the flows need, resolved for one order (region, country, service level, partner). */
export interface FlowPolicies {
	route(order: SalesOrder): { warehouses: string[]; lastmile: string };
	wmsPartnerFor(warehouse: string): string;
	reattempt(order: SalesOrder, partner: string): { maxAttempts: number; windowMs: number };
	shortage(order: SalesOrder): { action: "backorder" | "cancel"; reallocate: boolean };
	sla(order: SalesOrder): { dispatchDueAt(releasedAt: string): string; atRiskLeadMs: number; freshnessMs: number; exceptionResolutionMs: number };
	warehouseException(code: string, order: SalesOrder): { action: "short" | "delay" | "hold"; severity: "info" | "warning" | "critical" };
	returns(order: SalesOrder): { credit: "on-receipt" | "none" };
}

/** What the flows need from outside: the time and the policies in force. */
export interface FlowContext {
	now: string;
	policies: FlowPolicies;
	/** Set while a held fact is applied: it must not be held again. */
	releasing?: boolean;
}

/** What one fact does to an order: its status, the commands and facts it calls for, cases and clocks. */
export interface Outcome {
	status?: OrderStatus;
	/** Said to the ERP with the status update. */
	detail?: string;
	commands?: CommandIntent[];
	facts?: FactIntent[];
	cases?: CaseIntent[];
	timers?: TimerIntent[];
	note?: string;
	/** Hold this fact until the condition named here holds (see reactions.ts), at most `holdMs`. */
	park?: { waitFor: string; holdMs: number };
}

export type Handler = (saga: OrderSaga, envelope: Envelope, ctx: FlowContext) => Outcome;

/** Merges outcomes of sub-steps; the later status wins. */
export function merge(...outcomes: Outcome[]): Outcome {
	const out: Outcome = {};
	for (const o of outcomes) {
		if (o.status) out.status = o.status;
		if (o.detail) out.detail = o.detail;
		for (const k of ["commands", "facts", "cases", "timers"] as const) if (o[k]?.length) (out[k] as unknown[]) = [...(out[k] ?? []), ...(o[k] as unknown[])];
		if (o.note) out.note = out.note ? `${out.note}; ${o.note}` : o.note;
	}
	return out;
}

/** The ERP's status update for a status entered the n-th time (a failed delivery can happen per attempt). */
export function statusUpdate(saga: OrderSaga, status: OrderStatus, at: string, detail?: string): CommandIntent {
	const n = saga.statusCounts[status] ?? 1;
	return { type: ERP_COMMANDS.UPDATE_ORDER_STATUS, step: `status-${status}-${n}`, data: { orderId: saga.orderId, status, at, ...(detail ? { detail } : {}) } };
}

/** A case id that is the same however often the fact that opens it is redelivered. */
export function caseIdFor(orderId: string, kind: string, cause: string): string {
	return caseIdOf(orderId, kind, cause);
}

/** Opens a case on the order unless one of that kind is open already; the order remembers it for its resolution clock. */
export function openCase(saga: OrderSaga, envelope: Envelope, ctx: FlowContext, intent: Omit<CaseIntent, "action" | "caseId">): Outcome {
	if (saga.cases.some((c) => c.kind === intent.kind && !c.resolvedAt)) return {};
	const caseId = caseIdFor(saga.orderId, intent.kind, envelope.id);
	saga.cases.push({ caseId, kind: intent.kind, openedAt: envelope.time });
	const due = new Date(Date.parse(envelope.time) + ctx.policies.sla(saga.order).exceptionResolutionMs).toISOString();
	return { cases: [{ action: "open", caseId, ...intent }], timers: [{ clock: `case-${caseId}`, dueAt: due, caseId }] };
}

export function resolveCase(saga: OrderSaga, kind: CaseIntent["kind"], resolution: string, at: string): Outcome {
	const open = saga.cases.filter((c) => c.kind === kind && !c.resolvedAt);
	for (const c of open) c.resolvedAt = at;
	return { cases: open.map((c) => ({ action: "resolve" as const, caseId: c.caseId, kind, summary: resolution })) };
}

export function isoPlus(at: string, ms: number): string {
	return new Date(Date.parse(at) + ms).toISOString();
}

import { MAIN_CHAIN_STATUSES, WAYBILL_FACTS, canAdvance, type Envelope } from "../../canonical/index.ts";
import { CANCELLATION_REACTIONS } from "./flows/cancellation.flow.ts";
import { COMMAND_FAILURE_REACTIONS } from "./flows/command-failure.flow.ts";
import { FAILED_DELIVERY_REACTIONS } from "./flows/failed-delivery.flow.ts";
import { statusUpdate, type FlowContext, type Handler, type Outcome } from "./flows/flow-kit.ts";
import { ORDER_CHANGE_REACTIONS } from "./flows/order-change.flow.ts";
import { ORDER_TO_DELIVERY_REACTIONS, startOrder } from "./flows/order-to-delivery.flow.ts";
import { REALLOCATION_REACTIONS } from "./flows/reallocation.flow.ts";
import { RETURN_REACTIONS } from "./flows/returns.flow.ts";
import { SHORTAGE_REACTIONS } from "./flows/shortage.flow.ts";
import { SLA_REACTIONS } from "./flows/sla.flow.ts";
import { WAREHOUSE_EXCEPTION_REACTIONS } from "./flows/warehouse-exception.flow.ts";
import { PROCESSED_MEMORY, type OrderSaga, type Reaction } from "./order-saga.ts";

const FLOWS: readonly Record<string, Handler>[] = [
	ORDER_TO_DELIVERY_REACTIONS, SHORTAGE_REACTIONS, REALLOCATION_REACTIONS, FAILED_DELIVERY_REACTIONS, CANCELLATION_REACTIONS,
	RETURN_REACTIONS, ORDER_CHANGE_REACTIONS, WAREHOUSE_EXCEPTION_REACTIONS, SLA_REACTIONS, COMMAND_FAILURE_REACTIONS,
];

/** Every fact type has exactly one flow that owns it; a second claim is a programming error found at load. */
const REACTIONS: Record<string, Handler> = {};
for (const flow of FLOWS) {
	for (const [type, handler] of Object.entries(flow)) {
		if (REACTIONS[type]) throw new Error(`two flows handle ${type}`);
		REACTIONS[type] = handler;
	}
}

export const HANDLED_FACTS: ReadonlySet<string> = new Set(Object.keys(REACTIONS));

/** The first fact of an order: the ERP released it. */
export function startSaga(envelope: Envelope, ctx: FlowContext): Reaction {
	const { saga, outcome } = startOrder(envelope, ctx);
	return { saga, commands: [...(outcome.commands ?? []), statusUpdate(saga, saga.status, envelope.time)], facts: [], cases: [], timers: outcome.timers ?? [], statusChange: { to: saga.status } };
}

/**
 * Apply one fact to an order's saga. Returns null when the fact changes nothing (a duplicate,
 * or a type no flow handles). Never mutates its input. The status only moves forward: a
 * progress fact older than the one that set the status (by event time) is logged, not applied.
 */
export function applyFact(current: OrderSaga, envelope: Envelope, ctx: FlowContext): Reaction | null {
	const handler = REACTIONS[envelope.type];
	if (!handler || current.processed.includes(envelope.id)) return null;
	const saga: OrderSaga = structuredClone(current);
	const outcome: Outcome = handler(saga, envelope, ctx);
	const commands = [...(outcome.commands ?? [])];
	const entry = { at: envelope.time, recordedAt: ctx.now, type: envelope.type, messageId: envelope.id, partner: envelope.partner, note: outcome.note };
	let statusChange: Reaction["statusChange"];
	const late = outcome.status !== undefined && MAIN_CHAIN_STATUSES.has(outcome.status) && Date.parse(envelope.time) < Date.parse(saga.statusAt);
	if (outcome.status && !late && canAdvance(saga.status, outcome.status)) {
		statusChange = { from: saga.status, to: outcome.status };
		saga.status = outcome.status;
		saga.statusAt = envelope.time;
		saga.statusCounts[outcome.status] = (saga.statusCounts[outcome.status] ?? 0) + 1;
		commands.push(statusUpdate(saga, outcome.status, envelope.time, outcome.detail));
		saga.timeline.push({ ...entry, status: outcome.status });
	} else if (outcome.status && outcome.status !== saga.status) {
		const why = late ? `late (event time before ${saga.statusAt})` : "no progress";
		saga.timeline.push({ ...entry, note: [outcome.note, `${why}: status stays ${saga.status}, not ${outcome.status}`].filter(Boolean).join("; ") });
	} else {
		saga.timeline.push(entry);
	}
	saga.processed = [...saga.processed, envelope.id].slice(-PROCESSED_MEMORY);
	// A clock is not news from a partner: it must not make a stuck order look alive.
	if (envelope.type !== WAYBILL_FACTS.CLOCK_ELAPSED) saga.updatedAt = ctx.now;
	return { saga, commands, facts: outcome.facts ?? [], cases: outcome.cases ?? [], timers: outcome.timers ?? [], statusChange };
}

import { MAIN_CHAIN_STATUSES, WAYBILL_FACTS, canAdvance, type Envelope } from "../../canonical/index.ts";
import { CANCELLATION_REACTIONS } from "./flows/cancellation.flow.ts";
import { COMMAND_FAILURE_REACTIONS } from "./flows/command-failure.flow.ts";
import { EDI_ACKNOWLEDGEMENT_REACTIONS } from "./flows/edi-acknowledgement.flow.ts";
import { FAILED_DELIVERY_REACTIONS } from "./flows/failed-delivery.flow.ts";
import { statusUpdate, type FlowContext, type Handler, type Outcome } from "./flows/flow-kit.ts";
import { ORDER_CHANGE_REACTIONS } from "./flows/order-change.flow.ts";
import { ORDER_TO_DELIVERY_REACTIONS, startOrder } from "./flows/order-to-delivery.flow.ts";
import { REALLOCATION_REACTIONS } from "./flows/reallocation.flow.ts";
import { RETURN_REACTIONS } from "./flows/returns.flow.ts";
import { SHORTAGE_REACTIONS } from "./flows/shortage.flow.ts";
import { SLA_REACTIONS } from "./flows/sla.flow.ts";
import { WAREHOUSE_EXCEPTION_REACTIONS } from "./flows/warehouse-exception.flow.ts";
import { PROCESSED_MEMORY, type OrderSaga, type Reaction, type StatusChange } from "./order-saga.ts";

const FLOWS: readonly Record<string, Handler>[] = [
	ORDER_TO_DELIVERY_REACTIONS, SHORTAGE_REACTIONS, REALLOCATION_REACTIONS, FAILED_DELIVERY_REACTIONS, CANCELLATION_REACTIONS,
	RETURN_REACTIONS, ORDER_CHANGE_REACTIONS, WAREHOUSE_EXCEPTION_REACTIONS, SLA_REACTIONS, COMMAND_FAILURE_REACTIONS, EDI_ACKNOWLEDGEMENT_REACTIONS,
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
	const change: StatusChange = { to: saga.status, at: envelope.time, cause: envelope.type, n: 1 };
	return { saga, commands: [...(outcome.commands ?? []), statusUpdate(saga, saga.status, envelope.time)], facts: [], cases: [], timers: outcome.timers ?? [], statusChange: { to: saga.status }, statusChanges: [change] };
}

/**
 * Apply one fact to an order's saga. Returns null when the fact changes nothing (a duplicate,
 * or a type no flow handles). Never mutates its input. The status only moves forward: a
 * progress fact older than the one that set the status (by event time) is logged, not applied.
 * A fact a flow holds (it overtook the fact it depends on) is applied when that one arrives, or
 * when its clock runs out, in the same reaction.
 */
export function applyFact(current: OrderSaga, envelope: Envelope, ctx: FlowContext): Reaction | null {
	const handler = REACTIONS[envelope.type];
	if (!handler || current.processed.includes(envelope.id)) return null;
	const saga: OrderSaga = structuredClone(current);
	const reaction: Reaction = { saga, commands: [], facts: [], cases: [], timers: [], statusChanges: [] };
	const clock = envelope.type === WAYBILL_FACTS.CLOCK_ELAPSED ? (envelope.data as { clock: string }).clock : undefined;
	if (clock?.startsWith(HOLD_CLOCK)) {
		const held = release(saga, (p) => p.envelope.id === clock.slice(HOLD_CLOCK.length));
		record(saga, envelope, { note: held.length ? "held fact released: what it waited for did not come in time" : "held fact already applied" }, ctx, reaction);
		for (const h of held) apply(saga, h, { ...ctx, releasing: true }, reaction);
	} else {
		apply(saga, envelope, ctx, reaction);
	}
	// Whatever this fact made possible runs now, and so on: a released fact may release another.
	let ready: Envelope[];
	while ((ready = release(saga, (p) => isSatisfied(saga, p.waitFor))).length > 0) {
		for (const h of ready) apply(saga, h, { ...ctx, releasing: true }, reaction);
	}
	saga.processed = [...saga.processed, envelope.id].slice(-PROCESSED_MEMORY);
	// A clock is not news from a partner: it must not make a stuck order look alive.
	if (envelope.type !== WAYBILL_FACTS.CLOCK_ELAPSED) saga.updatedAt = ctx.now;
	const last = reaction.statusChanges.at(-1);
	if (last) reaction.statusChange = { from: last.from, to: last.to };
	return reaction;
}

const HOLD_CLOCK = "held:";

/** Runs one fact's handler and records what it did; a fact the handler holds is parked with its clock. */
function apply(saga: OrderSaga, envelope: Envelope, ctx: FlowContext, reaction: Reaction): void {
	const outcome: Outcome = REACTIONS[envelope.type]!(saga, envelope, ctx);
	if (outcome.park) {
		saga.parked = [...(saga.parked ?? []), { envelope, waitFor: outcome.park.waitFor }];
		reaction.timers.push({ clock: `${HOLD_CLOCK}${envelope.id}`, dueAt: new Date(Date.parse(ctx.now) + outcome.park.holdMs).toISOString() });
	}
	record(saga, envelope, outcome, ctx, reaction);
}

function record(saga: OrderSaga, envelope: Envelope, outcome: Outcome, ctx: FlowContext, reaction: Reaction): void {
	reaction.commands.push(...(outcome.commands ?? []));
	reaction.facts.push(...(outcome.facts ?? []));
	reaction.cases.push(...(outcome.cases ?? []));
	reaction.timers.push(...(outcome.timers ?? []));
	const entry = { at: envelope.time, recordedAt: ctx.now, type: envelope.type, messageId: envelope.id, partner: envelope.partner, note: outcome.note };
	const late = outcome.status !== undefined && MAIN_CHAIN_STATUSES.has(outcome.status) && Date.parse(envelope.time) < Date.parse(saga.statusAt);
	if (outcome.status && !late && canAdvance(saga.status, outcome.status)) {
		const from = saga.status;
		saga.status = outcome.status;
		saga.statusAt = envelope.time;
		const n = (saga.statusCounts[outcome.status] ?? 0) + 1;
		saga.statusCounts[outcome.status] = n;
		reaction.commands.push(statusUpdate(saga, outcome.status, envelope.time, outcome.detail));
		reaction.statusChanges.push({ from, to: outcome.status, at: envelope.time, cause: envelope.type, n });
		saga.timeline.push({ ...entry, status: outcome.status });
	} else if (outcome.status && outcome.status !== saga.status) {
		const why = late ? `late (event time before ${saga.statusAt})` : "no progress";
		saga.timeline.push({ ...entry, note: [outcome.note, `${why}: status stays ${saga.status}, not ${outcome.status}`].filter(Boolean).join("; ") });
	} else {
		saga.timeline.push(entry);
	}
}

/** Takes the held facts that match out of the order, oldest event first. */
function release(saga: OrderSaga, match: (p: NonNullable<OrderSaga["parked"]>[number]) => boolean): Envelope[] {
	const held = saga.parked ?? [];
	const ready = held.filter(match);
	if (ready.length === 0) return [];
	saga.parked = held.filter((p) => !match(p));
	return ready.map((p) => p.envelope).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** Conditions a held fact can wait for. */
function isSatisfied(saga: OrderSaga, waitFor: string): boolean {
	const [kind, id] = waitFor.split(/:(.*)/s);
	if (kind === "allocation") return saga.fulfillments[id ?? ""]?.allocated === true || saga.fulfillments[id ?? ""]?.state === "cancelled";
	return true;
}

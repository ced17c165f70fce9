import assert from "node:assert/strict";
import {
	ERP_COMMANDS, ERP_FACTS, assertValidMessage, catalogueEntry, createEnvelope,
	type Envelope, type MessageType, type OrderStatus, type SalesOrder,
} from "../../canonical/index.ts";
import { caseIdFor, isoPlus, type FlowPolicies } from "../../services/saga/flows/flow-kit.ts";
import type { CaseIntent, CommandIntent, OrderSaga, Reaction } from "../../services/saga/order-saga.ts";
import { applyFact, startSaga } from "../../services/saga/reactions.ts";
import { DEFINITIONS } from "../../services/saga/flows/definitions.ts";
import { stepOfCommand } from "../../services/saga/saga-definition.ts";
import { at, salesOrder } from "./fixtures.ts";
import { ALL, DJ1, E, FO1, M, ORDER_ID, RESOLUTION_MS, W, fact, policies } from "./saga-flow-facts.ts";


/** Puts an intent in the envelope the saga runner would publish and checks it passes the catalogue gate unchanged. */
export function assertCatalogued(type: MessageType, data: unknown, key: string, orderId = ORDER_ID): void {
	const envelope = createEnvelope({ type, source: "waybill/saga", subject: orderId, data: structuredClone(data), schemaVersion: catalogueEntry(type)!.version, idempotencyKey: key });
	assert.doesNotThrow(() => assertValidMessage(envelope), type);
	assert.deepEqual(envelope.data, data, `${type}: the catalogue schema drops part of the data`);
}

/** One order's saga, driven fact by fact as the saga service does; every reaction is checked against the catalogue. */
export class OrderRun {
	saga: OrderSaga;
	readonly started: Reaction;
	readonly reactions: Reaction[] = [];

	constructor(readonly flowPolicies: FlowPolicies = policies(), order: SalesOrder = salesOrder(ORDER_ID)) {
		this.started = startSaga(fact(ERP_FACTS.ORDER_RELEASED, order, 0, "erp-sim"), { now: at(0), policies: flowPolicies });
		checkReaction(this.started);
		this.saga = this.started.saga;
	}

	/** Applies a fact that the saga must record (not a redelivery). */
	apply(envelope: Envelope): Reaction {
		const reaction = this.maybe(envelope);
		assert.ok(reaction, `${envelope.type} was ignored`);
		return reaction;
	}

	maybe(envelope: Envelope): Reaction | null {
		const before = structuredClone(this.saga);
		const reaction = applyFact(this.saga, envelope, { now: envelope.time, policies: this.flowPolicies });
		assert.deepEqual(this.saga, before, `${envelope.type} mutated the saga it was given`);
		if (reaction) {
			checkReaction(reaction);
			this.reactions.push(reaction);
			this.saga = reaction.saga;
		}
		return reaction;
	}

	all(...envelopes: Envelope[]): Reaction[] {
		return envelopes.map((e) => this.apply(e));
	}

	/** Every command sent since the start (the release included). */
	commands(): CommandIntent[] {
		return [this.started, ...this.reactions].flatMap((r) => r.commands);
	}
}

/** Checks every command and Waybill fact of a reaction passes the catalogue gate, keyed as the saga runner keys them. */
export function checkReaction(reaction: Reaction, orderId = ORDER_ID): void {
	for (const c of reaction.commands) assertCatalogued(c.type, c.data, `${orderId}:${c.step}:1`, orderId);
	for (const f of reaction.facts) assertCatalogued(f.type, f.data, `${orderId}:${f.key}`, orderId);
	for (const c of reaction.commands) assertRecordedStep(reaction, c);
}

/** Every command but a status update is a step instance (or its undo) of a saga definition, saved with the order. */
function assertRecordedStep(reaction: Reaction, command: CommandIntent): void {
	if (command.type === ERP_COMMANDS.UPDATE_ORDER_STATUS) return;
	const { key, undo } = stepOfCommand(command.step);
	const record = reaction.saga.steps[key];
	assert.ok(record, `${command.type} (${command.step}) is not a recorded step`);
	const step = DEFINITIONS.find((d) => d.name === record.flow)?.steps.find((s) => s.name === record.step);
	assert.ok(step, `${key} names no step of a saga definition`);
	assert.ok(step.undo !== undefined || step.forward !== undefined, `${record.flow}/${record.step} has neither compensation nor forward recovery`);
	if (undo) assert.equal(record.state, "compensating", `${key} is being undone`);
}

export type Cmd = [string, string, string | undefined];
export const cmds = (r: Reaction | null): Cmd[] | null => r?.commands.map((c): Cmd => [c.type, c.step, c.partner]) ?? null;
export const statusCmd = (status: OrderStatus, n = 1): Cmd => [ERP_COMMANDS.UPDATE_ORDER_STATUS, `status-${status}-${n}`, undefined];
export const dataOf = (r: Reaction, type: string) => r.commands.filter((c) => c.type === type).map((c) => c.data);

/** A reaction that only records the fact: nothing is sent, raised, opened or armed, and the status stays. */
export function assertNothingNew(r: Reaction | null, note?: RegExp): void {
	assert.ok(r);
	assert.deepEqual({ commands: r.commands, facts: r.facts, cases: r.cases, timers: r.timers, statusChange: r.statusChange }, { commands: [], facts: [], cases: [], timers: [], statusChange: undefined });
	if (note) assert.match(r.saga.timeline.at(-1)!.note ?? "", note);
}

export function opened(kind: CaseIntent["kind"], cause: Envelope, rest: Omit<CaseIntent, "action" | "caseId" | "kind">): CaseIntent {
	return { action: "open", caseId: caseIdFor(ORDER_ID, kind, cause.id), kind, ...rest };
}

export const caseTimer = (kind: CaseIntent["kind"], cause: Envelope) => {
	const caseId = caseIdFor(ORDER_ID, kind, cause.id);
	return { clock: `case-${caseId}`, dueAt: isoPlus(cause.time, RESOLUTION_MS), caseId };
};

export function toAllocated(o: OrderRun): void {
	o.all(W.accepted(FO1, 1), W.allocated(FO1, ALL, 10));
}
export function toPacked(o: OrderRun): void {
	toAllocated(o);
	o.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50));
}
export function toManifested(o: OrderRun, jobAccepted = true): void {
	toPacked(o);
	o.apply(W.manifested(FO1, "shp_1", ALL, 90));
	if (jobAccepted) o.apply(M.jobAccepted(DJ1, "task_1", 91));
}
export function toDispatched(o: OrderRun): void {
	toManifested(o);
	o.apply(M.dispatched(DJ1, "task_1", 300));
}
export function toOutForDelivery(o: OrderRun): void {
	toDispatched(o);
	o.apply(M.out(DJ1, "task_1", 310));
}
export function toDelivered(o: OrderRun): void {
	toOutForDelivery(o);
	o.apply(M.delivered(DJ1, "task_1", 340));
}
export function toInvoiced(o: OrderRun): void {
	toDelivered(o);
	o.apply(E.invoicePosted(ALL, 139.97, 400));
}

export const stateOf = (o: OrderRun, key: string) => o.saga.steps[key]?.state;
export const column = (o: OrderRun, stage: "allocated" | "picked" | "shipped" | "delivered" | "invoiced" | "backordered" | "cancelled" | "returned") => o.saga.lines.map((l) => l[stage]);

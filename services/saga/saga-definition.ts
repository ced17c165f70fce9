import type { CommandIntent, OrderSaga } from "./order-saga.ts";

/**
 * A saga is a list of named steps. Each step either has a compensation (a command that undoes it)
 * or a forward recovery (what happens instead when it cannot be undone: goods that left the
 * warehouse come back as a return, an invoice is answered by a credit note). Step state is part of
 * the order's saga state, saved with every change, so a restart resumes exactly where it stopped.
 */
export interface StepDefinition {
	name: string;
	/** What the compensation does, when the step can be undone. */
	undo?: string;
	/** What happens instead, when it cannot. */
	forward?: string;
}

export interface SagaDefinition {
	name: string;
	steps: readonly StepDefinition[];
}

/** The persisted state of one step instance (one fulfillment order, one delivery job, …). */
export interface StepRecord {
	flow: string;
	step: string;
	/** Order in which steps were taken: compensation runs in reverse of it. */
	seq: number;
	state: "requested" | "done" | "failed" | "compensating" | "compensated" | "compensation-failed";
	at: string;
	/** The command that undoes this step instance, once the partner's reference is known. */
	compensation?: CommandIntent;
	error?: string;
}

/** Flow 1 with its undo and forward recovery per step: cancellation and re-allocation run its compensations. */
export const ORDER_TO_DELIVERY: SagaDefinition = {
	name: "order-to-delivery",
	steps: [
		{ name: "fulfillment", undo: "cancel the fulfillment order, which releases its reservation" },
		{ name: "shipment-confirmation", forward: "goods that shipped come back as a return" },
		{ name: "delivery", undo: "cancel the delivery job" },
		{ name: "invoice", forward: "a credit note" },
	],
};

export const stepKey = (step: string, instance: string) => `${step}:${instance}`;

function definitionOf(flow: SagaDefinition, step: string): StepDefinition {
	const found = flow.steps.find((s) => s.name === step);
	if (!found) throw new Error(`saga '${flow.name}' has no step '${step}'`);
	return found;
}

/** Takes a step once: the first call records it and returns its command, later calls return nothing. */
export function takeStep(saga: OrderSaga, flow: SagaDefinition, step: string, instance: string, command: CommandIntent, at: string): CommandIntent[] {
	definitionOf(flow, step);
	const key = stepKey(step, instance);
	if (saga.steps[key]) return [];
	const seq = Object.keys(saga.steps).length + 1;
	saga.steps[key] = { flow: flow.name, step, seq, state: "requested", at };
	return [command];
}

/** The partner confirmed the step; with its compensation, now that its reference is known. */
export function stepDone(saga: OrderSaga, key: string, at: string, compensation?: CommandIntent): void {
	const record = saga.steps[key];
	if (!record || record.state !== "requested") return;
	record.state = "done";
	record.at = at;
	if (compensation) record.compensation = compensation;
}

/** A forward step that never happened (its command was refused): nothing to undo. */
export function stepFailed(saga: OrderSaga, key: string, at: string, error: string): void {
	const record = saga.steps[key];
	if (!record || record.state !== "requested") return;
	Object.assign(record, { state: "failed", at, error });
}

/** Starts undoing one step instance now (re-allocation), whatever the others do. */
export function undoStep(saga: OrderSaga, key: string, at: string): CommandIntent[] {
	const record = saga.steps[key];
	if (!record?.compensation || record.state !== "done") return [];
	Object.assign(record, { state: "compensating", at });
	return [record.compensation];
}

/**
 * The next compensation of an order being unwound, last-in-first-out: nothing while one is in
 * flight or a later step is still waiting for its partner's answer (it is undone first, once done).
 */
export function nextCompensation(saga: OrderSaga, at: string): CommandIntent[] {
	if (!saga.compensation) return [];
	const records = Object.entries(saga.steps).sort(([, a], [, b]) => b.seq - a.seq);
	for (const [key, record] of records) {
		if (record.state === "compensating") return [];
		if (record.state === "requested" && record.compensation === undefined && isUndoable(record)) return [];
		if (record.state === "done" && record.compensation) {
			const commands = undoStep(saga, key, at);
			// The partner hears why: the ERP's cancellation reason, not a generic one.
			for (const c of commands) c.data = { ...(c.data as object), reason: `order cancelled: ${saga.compensation.reason}` };
			return commands;
		}
	}
	return [];
}

function isUndoable(record: StepRecord): boolean {
	return ORDER_TO_DELIVERY.steps.find((s) => s.name === record.step)?.undo !== undefined;
}

export function compensated(saga: OrderSaga, key: string, at: string): void {
	const record = saga.steps[key];
	if (record && (record.state === "compensating" || record.state === "done")) Object.assign(record, { state: "compensated", at });
}

export function compensationFailed(saga: OrderSaga, key: string, at: string, error: string): void {
	const record = saga.steps[key];
	if (record) Object.assign(record, { state: "compensation-failed", at, error });
}

/** The step a command belongs to, from its step name (`undo:<key>` for a compensation). */
export function stepOfCommand(stepName: string): { key: string; undo: boolean } {
	return stepName.startsWith("undo:") ? { key: stepName.slice("undo:".length), undo: true } : { key: stepName, undo: false };
}

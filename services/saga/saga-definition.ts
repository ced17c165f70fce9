import { DEFINITIONS } from "./flows/definitions.ts";
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

export const stepKey = (step: string, instance = "") => (instance ? `${step}:${instance}` : step);

function definitionOf(flow: SagaDefinition, step: string): StepDefinition {
	const found = flow.steps.find((s) => s.name === step);
	if (!found) throw new Error(`saga '${flow.name}' has no step '${step}'`);
	return found;
}

/**
 * Takes a step once: the first call records it and returns its command (named by the step
 * instance's key), later calls return nothing. A step whose partner answers nothing (telling the
 * ERP) is done once it is on the durable command stream; if the partner refuses it for good, the
 * dead letter marks it failed. The others wait for the answer that proves them (stepDone).
 */
export function takeStep(saga: OrderSaga, flow: SagaDefinition, step: string, instance: string, command: Omit<CommandIntent, "step">, at: string, options: { answered?: boolean } = {}): CommandIntent[] {
	definitionOf(flow, step);
	const key = stepKey(step, instance);
	if (saga.steps[key]) return [];
	const seq = Object.keys(saga.steps).length + 1;
	saga.steps[key] = { flow: flow.name, step, seq, state: options.answered === false ? "done" : "requested", at };
	return [{ ...command, step: key }];
}

/** How many instances of a step the order has taken: numbers the next one (the second shortfall, the second pause). */
export function instancesOf(saga: OrderSaga, step: string): number {
	return Object.values(saga.steps).filter((s) => s.step === step).length;
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
	return DEFINITIONS.find((d) => d.name === record.flow)?.steps.find((s) => s.name === record.step)?.undo !== undefined;
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

import { CHANNELS, type Envelope } from "../../../canonical/index.ts";
import { DEAD_LETTER_TYPE } from "../../../mixins/streams/stream-bus.ts";
import type { OrderSaga } from "../order-saga.ts";
import { compensationFailed, nextCompensation, stepFailed, stepOfCommand } from "../saga-definition.ts";
import { refuse } from "./order-change.flow.ts";
import { merge, openCase, type FlowContext, type Handler, type Outcome } from "./flow-kit.ts";

interface DeadLetter {
	channel: string;
	error: { type: string; message: string };
	partner?: string;
	messageType?: string;
	message: Envelope;
}

const COMMAND_CHANNELS: ReadonlySet<string> = new Set([CHANNELS.ERP_COMMANDS, CHANNELS.WMS_COMMANDS, CHANNELS.LASTMILE_COMMANDS]);

/** True for dead letters the saga acts on: commands it sent for an order. */
export function isFailedCommand(envelope: Envelope): boolean {
	return envelope.type === DEAD_LETTER_TYPE && COMMAND_CHANNELS.has((envelope.data as DeadLetter).channel);
}

/**
 * A command the partner refused for good (it was dead-lettered with its error). Nothing is
 * swallowed: a failed compensation opens a critical case and the unwinding goes on with the next
 * step; a refused change is reported to the ERP with the partner's reason; a failed forward step
 * opens a case for integration operations, who can correct and replay it from the dead letters.
 */
export const COMMAND_FAILURE_REACTIONS: Record<string, Handler> = {
	[DEAD_LETTER_TYPE]: (saga, env, ctx) => {
		const letter = env.data as DeadLetter;
		const step = stepName(saga, letter.message);
		if (!step) return { note: "dead letter of a command without a step" };
		const why = `${letter.partner ?? "partner"} refused ${letter.messageType ?? "a command"}: ${letter.error.message}`;
		if (step.startsWith("change:")) return changeRefused(saga, step, why, env.time);
		const { key, undo } = stepOfCommand(step);
		if (undo) return compensationFailedOutcome(saga, env, ctx, key, why);
		stepFailed(saga, key, env.time, why);
		return merge(openCase(saga, env, ctx, { kind: "dead-letter", owner: "integration-ops", severity: "warning", partner: letter.partner, summary: `${step}: ${why}. Correct and replay it from /ops/dead-letters.` }), { note: why });
	},
};

/** The step name inside the command's idempotency key `<orderId>:<step>:<attempt group>`. */
function stepName(saga: OrderSaga, command: Envelope): string | undefined {
	const key = command.idempotencykey;
	if (typeof key !== "string" || !key.startsWith(`${saga.orderId}:`)) return undefined;
	return key.slice(saga.orderId.length + 1).replace(/:\d+$/, "");
}

function compensationFailedOutcome(saga: OrderSaga, env: Envelope, ctx: FlowContext, key: string, why: string): Outcome {
	compensationFailed(saga, key, env.time, why);
	const fo = key.startsWith("fulfillment:") ? saga.fulfillments[key.slice("fulfillment:".length)] : undefined;
	const aborted = fo?.reallocateTo ? ` (re-allocation to ${fo.reallocateTo} abandoned: the warehouse keeps the order)` : "";
	if (fo) {
		fo.reallocateTo = undefined;
		if (fo.state === "cancelling") fo.state = "accepted";
	}
	const summary = `compensation failed: could not undo ${key}: ${why}${aborted}`;
	const opened = openCase(saga, env, ctx, { kind: "compensation-failed", owner: "integration-ops", severity: "critical", summary });
	return merge(opened, { commands: nextCompensation(saga, ctx.now), note: summary });
}

function changeRefused(saga: OrderSaga, step: string, why: string, at: string): Outcome {
	const changeId = step.split(":")[1] ?? "";
	const change = saga.changes[changeId];
	if (!change || change.waitingFor.length === 0) return { note: `late refusal of change ${changeId}` };
	saga.order.shipTo = change.previous.shipTo;
	saga.order.requestedWindow = change.previous.requestedWindow;
	change.waitingFor = [];
	stepFailed(saga, step, at, why);
	return refuse(saga, changeId, change.fields, why, at);
}


import {
	CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, ERP_FACTS, WAYBILL_FACTS, ConcurrentUpdateError, OrderNotYetKnownError, catalogueEntry, createEnvelope,
	systemOfCommand, WMS_FACTS, type ChannelName, type Envelope, type Shipment,
} from "../../canonical/index.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import type { ExceptionCases } from "./exception-cases.ts";
import { isFailedCommand } from "./flows/command-failure.flow.ts";
import type { FlowContext } from "./flows/flow-kit.ts";
import type { CommandIntent, FactIntent, Reaction, TimerIntent } from "./order-saga.ts";
import { caseFact } from "./partner-health-flow.ts";
import { HANDLED_FACTS, applyFact, startSaga } from "./reactions.ts";
import type { SagaStore } from "./saga.store.ts";
import type { SagaObserver } from "./saga-metrics.ts";

const SOURCE = "waybill/saga";
const MAX_CONFLICT_RETRIES = 5;

export interface SagaDeps {
	sagas: SagaStore;
	cases: ExceptionCases;
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
	/** Arms a durable timer (idempotent per order and clock); the fact it fires continues the order's trace. */
	schedule(orderId: string, timer: TimerIntent, traceparent?: string): Promise<void>;
	flowContext(): FlowContext;
	/** Metrics: told of each status change and fact the first time its stream stores it. */
	observe?: SagaObserver;
}

/** Facts about no order yet known that are dropped rather than retried: they can never apply. */
const IGNORED_WHEN_UNKNOWN: ReadonlySet<string> = new Set([WAYBILL_FACTS.CLOCK_ELAPSED, WAYBILL_FACTS.MESSAGE_DEAD_LETTERED]);

/**
 * Apply one fact: compute the reaction, publish its commands, facts and status change, open or
 * resolve its cases, arm its clocks, then save the state with a version check. Everything before
 * the save is idempotent on purpose: if the process dies before the save, the redelivered fact
 * produces the same commands with the same ids, which the stream drops as duplicates, the same
 * case ids and the same timers; saving first could lose them.
 */
export async function handleFact(deps: SagaDeps, envelope: Envelope): Promise<void> {
	const relevant = envelope.type === ERP_FACTS.ORDER_RELEASED || HANDLED_FACTS.has(envelope.type);
	if (!relevant) return;
	if (envelope.type === WAYBILL_FACTS.MESSAGE_DEAD_LETTERED && !isFailedCommand(envelope)) return;
	for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
		const current = await deps.sagas.load(envelope.subject);
		let reaction: Reaction | null;
		if (envelope.type === ERP_FACTS.ORDER_RELEASED) {
			reaction = current ? null : startSaga(envelope, deps.flowContext());
		} else if (!current) {
			if (IGNORED_WHEN_UNKNOWN.has(envelope.type)) return;
			throw new OrderNotYetKnownError(envelope.subject, envelope.type);
		} else {
			reaction = applyFact(current.value, envelope, deps.flowContext());
		}
		if (!reaction) return;
		await publishReaction(deps, envelope, reaction);
		if (await deps.sagas.save(reaction.saga, current?.version ?? 0, current?.value.status)) {
			await rememberTrackingCodes(deps, envelope);
			return;
		}
	}
	throw new ConcurrentUpdateError(`saga:order:{${envelope.subject}}`);
}

/** A manifest names the carrier tracking codes; carriers' own webhooks (EasyPost) are matched to the order by them. */
async function rememberTrackingCodes(deps: SagaDeps, envelope: Envelope): Promise<void> {
	if (envelope.type !== WMS_FACTS.SHIPMENT_MANIFESTED) return;
	const shipment = envelope.data as Shipment;
	const codes = new Set([shipment.trackingNumber, ...shipment.packages.map((p) => p.trackingNumber)].filter((c): c is string => Boolean(c)));
	for (const code of codes) await deps.sagas.rememberTracking(code, shipment.orderId);
}

async function publishReaction(deps: SagaDeps, fact: Envelope, reaction: Reaction): Promise<void> {
	const orderId = reaction.saga.orderId;
	// The order's trace, whatever trace the fact came with (a clock, an operator, an order from before traces were kept).
	const traceparent = reaction.saga.traceparent ?? fact.traceparent;
	const cause: Envelope = traceparent ? { ...fact, traceparent } : fact;
	for (const command of reaction.commands) {
		await deps.publish(COMMAND_CHANNEL_BY_SYSTEM[systemOfCommand(command.type)], commandEnvelope(orderId, cause, command));
	}
	// A redelivered fact publishes the same ids again: only a first store is news for the metrics.
	for (const fact of reaction.facts) {
		const stored = await deps.publish(CHANNELS.EVENTS, factEnvelope(orderId, cause, fact));
		if (!stored.duplicate) deps.observe?.factRaised(reaction.saga, fact);
	}
	for (const { n, ...change } of reaction.statusChanges) {
		const stored = await deps.publish(CHANNELS.EVENTS, factEnvelope(orderId, cause, { type: WAYBILL_FACTS.ORDER_STATUS_CHANGED, key: `status:${change.to}${n > 1 ? `:${n}` : ""}`, data: { orderId, ...change } }));
		if (!stored.duplicate) deps.observe?.statusChanged(reaction.saga, change);
	}
	for (const intent of reaction.cases) {
		if (intent.action === "open") {
			const { exceptionCase, created } = await deps.cases.open({ caseId: intent.caseId, kind: intent.kind, owner: intent.owner ?? "integration-ops", severity: intent.severity ?? "warning", summary: intent.summary, at: cause.time, orderId, ...(intent.partner ? { partner: intent.partner } : {}) });
			if (created) await deps.publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_OPENED, exceptionCase, cause));
		} else {
			const resolved = await deps.cases.resolve(intent.caseId, intent.summary, cause.time);
			if (resolved) await deps.publish(CHANNELS.EVENTS, caseFact(WAYBILL_FACTS.EXCEPTION_RESOLVED, resolved, cause));
		}
	}
	for (const timer of reaction.timers) await deps.schedule(orderId, timer, traceparent);
}

function factEnvelope(orderId: string, cause: Envelope, fact: FactIntent): Envelope {
	return createEnvelope({
		type: fact.type,
		source: SOURCE,
		subject: orderId,
		time: cause.time,
		data: fact.data,
		schemaVersion: catalogueEntry(fact.type)?.version ?? 1,
		causationId: cause.id,
		correlationId: orderId,
		idempotencyKey: `${orderId}:${fact.key}`,
		traceparent: cause.traceparent,
	});
}

/**
 * Attempt group 1: a later deliberate re-send of the same step would use group 2. A command is
 * addressed to the partner its intent names (the routed WMS, the chosen last-mile provider),
 * else the one its data names, else the system's default.
 */
function commandEnvelope(orderId: string, cause: Envelope, command: CommandIntent): Envelope {
	const partner = command.partner ?? (command.data as { partner?: unknown }).partner;
	return createEnvelope({
		...(typeof partner === "string" ? { partner } : {}),
		type: command.type,
		source: SOURCE,
		subject: orderId,
		data: command.data,
		schemaVersion: catalogueEntry(command.type)?.version ?? 1,
		causationId: cause.id,
		correlationId: orderId,
		idempotencyKey: `${orderId}:${command.step}:1`,
		traceparent: cause.traceparent,
	});
}

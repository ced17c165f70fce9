import {
	CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, ERP_FACTS, WAYBILL_FACTS, ConcurrentUpdateError, OrderNotYetKnownError, catalogueEntry, createEnvelope,
	systemOfCommand, WMS_FACTS, type ChannelName, type Envelope, type Shipment,
} from "../../canonical/index.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import { HANDLED_FACTS, applyFact, startOrder, type FlowContext } from "./flows/order-to-delivery.flow.ts";
import type { CommandIntent, Reaction } from "./order-saga.ts";
import type { SagaStore } from "./saga.store.ts";

const SOURCE = "waybill/saga";
const MAX_CONFLICT_RETRIES = 5;

export interface SagaDeps {
	sagas: SagaStore;
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
	flowContext(): FlowContext;
}

/**
 * Apply one fact: compute the reaction, publish its commands and status change, then save the
 * state with a version check. Publishing comes first on purpose: if the process dies before the
 * save, the redelivered fact produces the same commands with the same ids, and the stream drops
 * them as duplicates; saving first could lose them.
 */
export async function handleFact(deps: SagaDeps, envelope: Envelope): Promise<void> {
	const relevant = envelope.type === ERP_FACTS.ORDER_RELEASED || HANDLED_FACTS.has(envelope.type);
	if (!relevant) return;
	for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
		const current = await deps.sagas.load(envelope.subject);
		let reaction: Reaction | null;
		if (envelope.type === ERP_FACTS.ORDER_RELEASED) {
			reaction = current ? null : startOrder(envelope, deps.flowContext());
		} else {
			if (!current) throw new OrderNotYetKnownError(envelope.subject, envelope.type);
			reaction = applyFact(current.value, envelope, deps.flowContext());
		}
		if (!reaction) return;
		await publishReaction(deps, envelope, reaction);
		if (await deps.sagas.save(reaction.saga, current?.version ?? 0)) {
			await rememberTrackingCodes(deps, envelope);
			return;
		}
	}
	throw new ConcurrentUpdateError(`saga:order:${envelope.subject}`);
}

/** A manifest names the carrier tracking codes; carriers' own webhooks (EasyPost) are matched to the order by them. */
async function rememberTrackingCodes(deps: SagaDeps, envelope: Envelope): Promise<void> {
	if (envelope.type !== WMS_FACTS.SHIPMENT_MANIFESTED) return;
	const shipment = envelope.data as Shipment;
	const codes = new Set([shipment.trackingNumber, ...shipment.packages.map((p) => p.trackingNumber)].filter((c): c is string => Boolean(c)));
	for (const code of codes) await deps.sagas.rememberTracking(code, shipment.orderId);
}

async function publishReaction(deps: SagaDeps, cause: Envelope, reaction: Reaction): Promise<void> {
	const orderId = reaction.saga.orderId;
	for (const command of reaction.commands) {
		await deps.publish(COMMAND_CHANNEL_BY_SYSTEM[systemOfCommand(command.type)], commandEnvelope(orderId, cause, command));
	}
	if (reaction.statusChange) {
		await deps.publish(
			CHANNELS.EVENTS,
			createEnvelope({
				type: WAYBILL_FACTS.ORDER_STATUS_CHANGED,
				source: SOURCE,
				subject: orderId,
				time: cause.time,
				data: { orderId, ...reaction.statusChange, at: cause.time, cause: cause.type },
				schemaVersion: 1,
				causationId: cause.id,
				idempotencyKey: `${orderId}:status:${reaction.statusChange.to}`,
				traceparent: cause.traceparent,
			}),
		);
	}
}

/**
 * Attempt group 1: a later deliberate re-send of the same step (a re-attempt) uses group 2, and
 * so on. A command whose data names its partner (the routed WMS, the chosen last-mile provider)
 * is addressed to it; otherwise the system's default partner takes it.
 */
function commandEnvelope(orderId: string, cause: Envelope, command: CommandIntent): Envelope {
	const partner = (command.data as { partner?: unknown }).partner;
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

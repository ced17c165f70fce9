import { randomUUID } from "node:crypto";
import { connect } from "nats";
import { catalogueEntry, createEnvelope, WMS_FACTS } from "../../../canonical/index.ts";
import { channelSubject, streamName } from "../../../mixins/streams/jetstream-layout.ts";
import { partitionOf, DEFAULT_PARTITIONS } from "../../../mixins/streams/stream-bus.ts";
import { signed3plHeaders } from "../../../simulators/signatures.ts";
import { webhookPaths } from "../../../bin/demo/platform.ts";
import { retrying } from "./log.ts";

/**
 * A message that no handler can process: it must end on the dead-letter stream with its error.
 * It is recognised there by `ids` (its envelope id, or `<stream>:<seq>` for bytes that are not
 * JSON) or, for JSON without an id, by `marker` somewhere in the dead letter's copy of it.
 */
export interface Poison {
	label: string;
	channel: string;
	ids: string[];
	marker: string;
}

const EVENTS = "events";

/**
 * Five messages published straight onto the events stream, past the gateway and its checks, as
 * a buggy or hostile producer with stream access would: each must be dead-lettered, by every
 * group that reads the stream, without blocking the orders that share its partition.
 */
export async function injectStreamPoison(natsUrl: string, namespace: string, runId: string): Promise<Poison[]> {
	const nc = await retrying("connecting to NATS for poison", () => connect({ servers: natsUrl, name: `chaos-poison-${namespace}` }));
	try {
		const js = nc.jetstream();
		const stream = streamName(namespace, EVENTS);
		const subjectFor = (key: string) => `${channelSubject(namespace, EVENTS)}.${partitionOf(key, DEFAULT_PARTITIONS)}`;
		const allocated = catalogueEntry(WMS_FACTS.ALLOCATED)!;
		const envelopeOf = (n: number, type: string, data: unknown, version: number) =>
			createEnvelope({ type, source: "chaos/poison", subject: `POISON-${runId}-${n}`, data, schemaVersion: version, idempotencyKey: `poison-${runId}-${n}` });

		const wrongSchema = envelopeOf(5, WMS_FACTS.ALLOCATED, { orderId: `POISON-${runId}-5`, warehouse: "WH1" }, allocated.version);
		wrongSchema.dataschema = `urn:waybill:schema:${WMS_FACTS.ALLOCATED}:v99`;
		const messages: Array<{ label: string; key: string; payload: string; id?: string; marker: string }> = [
			{ label: "not JSON", key: `POISON-${runId}-1`, payload: `poison-${runId}-1 {this is not json`, marker: `poison-${runId}-1` },
			{ label: "JSON, not an envelope", key: `POISON-${runId}-2`, payload: JSON.stringify({ poison: `poison-${runId}-2`, hello: "world" }), marker: `poison-${runId}-2` },
			...[
				{ label: "envelope of an unknown type", envelope: envelopeOf(3, "chaos.poison.unknown-type", { orderId: `POISON-${runId}-3` }, 1) },
				{ label: "known type, invalid data", envelope: envelopeOf(4, WMS_FACTS.ALLOCATED, { orderId: 42, lines: "none" }, allocated.version) },
				{ label: "wrong dataschema", envelope: wrongSchema },
			].map(({ label, envelope }) => ({ label, key: envelope.subject, payload: JSON.stringify(envelope), id: envelope.id, marker: envelope.id })),
		];

		const poison: Poison[] = [];
		for (const m of messages) {
			const ack = await retrying(`publishing poison '${m.label}'`, () => js.publish(subjectFor(m.key), m.payload, { msgID: m.id ?? randomUUID(), expect: { streamName: stream } }));
			// An unreadable message is dead-lettered under `<stream>:<seq>` (JetStreamBus.handle).
			poison.push({ label: m.label, channel: EVENTS, ids: [...(m.id ? [m.id] : []), `${ack.stream}:${ack.seq}`], marker: m.marker });
		}
		return poison;
	} finally {
		await nc.close();
	}
}

export interface WebhookPoisonResult {
	poison: Poison[];
	/** Refused at the edge (non-2xx) instead of stored: then it is audited as a rejection, not dead-lettered. */
	refused: Array<{ label: string; status: number }>;
	/** Signed, well-formed, but meaning nothing: stored and ignored, so not poison. */
	ignoredIds: string[];
}

/**
 * Three validly signed WMS webhooks the mapper cannot turn into facts: the gateway must store
 * them (the signature is good) and the mapper must dead-letter what it cannot map, and ignore
 * what maps to nothing.
 */
export async function injectWebhookPoison(gatewayUrl: string, wmsSecret: string, runId: string): Promise<WebhookPoisonResult> {
	const occurredAt = new Date().toISOString();
	const bodies = [
		// Refused at the edge since partner JSON must be a JSON object (gateway json-shape.ts); were it stored, it would be poison.
		{ label: "webhook body not JSON", poison: true, body: `poison-${runId}-w1 <<not json>>` },
		{ label: "webhook of an unknown eventType", poison: false, body: JSON.stringify({ eventId: `poison-${runId}-w2`, eventType: "order.teleported", occurredAt, order: { id: "wo_x", externalRef: "FO-x", orderRef: `POISON-${runId}-w2`, warehouse: "WH1" }, lines: [] }) },
		{ label: "order.allocated without orderRef", poison: true, body: JSON.stringify({ eventId: `poison-${runId}-w3`, eventType: "order.allocated", occurredAt, order: { id: "wo_y", externalRef: "FO-y", warehouse: "WH1" }, lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }] }) },
	];
	const result: WebhookPoisonResult = { poison: [], refused: [], ignoredIds: [] };
	for (const [i, b] of bodies.entries()) {
		const delivery = `poison-${runId}-w${i + 1}`;
		const response = await retrying(`posting '${b.label}'`, async () => {
			const r = await fetch(gatewayUrl + webhookPaths.wms, {
				method: "POST",
				headers: { "content-type": "application/json", "x-3pl-delivery": delivery, ...signed3plHeaders(b.body, wmsSecret) },
				body: b.body,
				signal: AbortSignal.timeout(10_000),
			});
			if (r.status >= 500) throw new Error(`gateway answered ${r.status}`);
			return { status: r.status, body: (await r.json().catch(() => ({}))) as { id?: string } };
		});
		if (response.status >= 300 || !response.body.id) {
			result.refused.push({ label: b.label, status: response.status });
		} else if (b.poison) {
			result.poison.push({ label: b.label, channel: "inbound", ids: [response.body.id], marker: delivery });
		} else {
			result.ignoredIds.push(response.body.id);
		}
	}
	return result;
}

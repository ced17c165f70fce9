import { ORDERED_CONSUME } from "./ordered-consume-shape.ts";
import { rawOrderedConsume } from "./raw/jetstream-ordered-consume.ts";
import { rawJetStreamPublish } from "./raw/jetstream-publish.ts";
import { rawMoleculerCalls } from "./raw/moleculer-calls.ts";
import { rawNatsPubSub } from "./raw/nats-pubsub.ts";

export interface Baselines {
	rawNatsPubSubPerSec: number;
	rawJetStreamPublishPerSec: number;
	/** The in-flight window that gave the JetStream figure (the best of those tried). */
	rawJetStreamWindow: number;
	/**
	 * Messages/s JetStream alone gets published and acked by every group of ORDERED_CONSUME when
	 * consumed as Waybill consumes (a consumer per partition, one unacked message each), with no
	 * application work: the engine's ceiling under our ordering guarantee.
	 */
	rawOrderedConsumePerSec: number;
	rawMoleculerCallsPerSec: number;
	payloadBytes: number;
}

/** An envelope as Waybill stores it is about this size (a fact with a few order lines). */
const PAYLOAD_BYTES = 1_024;

/** The engines' own limits on this machine, measured before the platform starts so nothing competes with them. */
export async function measureBaselines(natsUrl: string, durationMs: number, logDir: string, log: (line: string) => void): Promise<Baselines> {
	const rawNatsPubSubPerSec = await rawNatsPubSub(natsUrl, { durationMs, payloadBytes: PAYLOAD_BYTES });
	log(`raw NATS publish-subscribe: ${rawNatsPubSubPerSec} messages/s`);
	let best = { perSec: 0, window: 0 };
	for (const window of [32, 128, 512]) {
		const perSec = await rawJetStreamPublish(natsUrl, { durationMs, payloadBytes: PAYLOAD_BYTES, window });
		log(`raw JetStream publish (message ids, ${window} in flight): ${perSec} messages/s`);
		if (perSec > best.perSec) best = { perSec, window };
	}
	const rawOrderedConsumePerSec = await rawOrderedConsume(natsUrl, { durationMs, payloadBytes: PAYLOAD_BYTES, ...ORDERED_CONSUME });
	const { groups, partitions, window } = ORDERED_CONSUME;
	log(`raw JetStream ordered consumption (${groups} groups x ${partitions} partitions, one unacked each, ${window} publishes in flight): ${rawOrderedConsumePerSec} messages/s`);
	const rawMoleculerCallsPerSec = await rawMoleculerCalls(natsUrl, { durationMs, payloadBytes: PAYLOAD_BYTES, concurrency: 64, logDir });
	log(`raw Moleculer remote calls: ${rawMoleculerCallsPerSec} calls/s`);
	return { rawNatsPubSubPerSec, rawJetStreamPublishPerSec: best.perSec, rawJetStreamWindow: best.window, rawOrderedConsumePerSec, rawMoleculerCallsPerSec, payloadBytes: PAYLOAD_BYTES };
}

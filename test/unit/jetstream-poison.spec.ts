import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "nats";
import { JetStreamBus, channelSubject, deleteNamespace } from "../../mixins/streams/jetstream.bus.ts";
import { createEnvelope, CHANNELS } from "../../canonical/index.ts";
import { partitionOf, type DeadLetter } from "../../mixins/streams/stream-bus.ts";
import { eventually } from "../helpers/poll.ts";

const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";

describe("poison on a JetStream channel: raw bytes no publisher of ours would send", () => {
	const namespace = `t${randomUUID().slice(0, 8)}`;
	let bus: JetStreamBus;
	let nc: NatsConnection;
	before(async () => {
		bus = await JetStreamBus.connect({ servers: NATS_URL, namespace, partitions: 2 });
		nc = await connect({ servers: NATS_URL });
	});
	after(async () => {
		await bus.close();
		await nc.close();
		await deleteNamespace(NATS_URL, namespace);
	});

	it("dead-letters JSON that is not an envelope under a stand-in id, and the partition moves on", async () => {
		const handled: string[] = [];
		await bus.ensureChannel("events");
		await bus.subscribe("events", { group: "g", backoffMs: [10] }, async (d) => {
			if (typeof d.envelope.id !== "string" || typeof d.envelope.subject !== "string") throw Object.assign(new Error("not an envelope"), { retryable: false, type: "SCHEMA_INVALID" });
			handled.push(d.envelope.subject);
		});
		const good = createEnvelope({ type: "test.thing.happened", source: "test", subject: "SO-AFTER", data: {}, schemaVersion: 1 });
		const partition = partitionOf(good.subject, 2);
		const js = nc.jetstream();
		await js.publish(`${channelSubject(namespace, "events")}.${partition}`, JSON.stringify({ hello: "not an envelope" }));
		await js.publish(`${channelSubject(namespace, "events")}.${partition}`, "{not json at all");
		await bus.publish("events", good);

		await eventually("the good message after the poison", async () => handled.includes("SO-AFTER"), 10_000);
		const dead = await eventually("two dead letters", async () => {
			const letters = await bus.read(CHANNELS.DEAD_LETTERS, 1, 10);
			return letters.length === 2 ? letters : undefined;
		}, 10_000);
		const data = dead.map((l) => l.envelope.data as DeadLetter & { message: { id: string; raw: string } });
		assert.deepEqual(data.map((d) => d.message.raw), [JSON.stringify({ hello: "not an envelope" }), "{not json at all"]);
		assert.ok(data.every((d) => /^[A-Z0-9_]+:\d+$/.test(d.message.id)), "stand-in ids name stream and sequence");
	});
});

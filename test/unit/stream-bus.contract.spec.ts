import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";
import { CHANNELS } from "../../canonical/channels.ts";
import { createEnvelope, type Envelope } from "../../canonical/envelope.ts";
import { JetStreamBus, deleteNamespace } from "../../mixins/streams/jetstream.bus.ts";
import { MemoryStreamBus } from "../../mixins/streams/memory-stream.bus.ts";
import { DEAD_LETTER_TYPE, partitionOf, type DeadLetter, type Delivery, type StreamBus } from "../../mixins/streams/stream-bus.ts";

const PARTITIONS = 4;
const FAST = { backoffMs: [20, 40] };
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

interface BusFactory {
	open(namespace: string): Promise<StreamBus>;
	destroy(namespace: string): Promise<void>;
}

const envelopeFor = (subject: string, data: unknown = {}): Envelope =>
	createEnvelope({ type: "test.thing.happened", source: "test/streams", subject, data, schemaVersion: 1 });
const transient = (message: string) => Object.assign(new Error(message), { type: "TEST_TRANSIENT", code: 503, retryable: true });
const fatal = (message: string) => Object.assign(new Error(message), { type: "TEST_FATAL", code: 422, retryable: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(10);
	}
}

async function deadLettersOf(bus: StreamBus, channel: string): Promise<Array<Envelope<DeadLetter>>> {
	const stored = await bus.read(CHANNELS.DEAD_LETTERS, 1, 10_000);
	return stored.map((s) => s.envelope as Envelope<DeadLetter>).filter((e) => e.data.channel === channel);
}

function streamBusContract(name: string, factory: BusFactory): void {
	describe(`${name} honours the stream-bus contract`, () => {
		const namespace = `t${randomUUID().slice(0, 8)}`;
		let opened: StreamBus[] = [];
		let channelNo = 0;
		const nextChannel = () => `c${++channelNo}`;
		const open = async () => {
			const bus = await factory.open(namespace);
			opened.push(bus);
			return bus;
		};

		// Fail, not skip, when the broker is missing: a silent skip would hide a broken environment.
		before(async () => (await open()).close());
		afterEach(async () => {
			await Promise.all(opened.map((b) => b.close()));
			opened = [];
		});
		after(() => factory.destroy(namespace));

		it("delivers a published envelope intact, to its subject's partition, on attempt 1", async () => {
			const bus = await open();
			const channel = nextChannel();
			const sent = envelopeFor("order-1", { lines: [{ sku: "A", qty: 2 }], note: "ü" });
			const before = Date.now();
			const result = await bus.publish(channel, sent);
			assert.deepEqual(result, { duplicate: false, seq: 1 });
			const got: Delivery[] = [];
			await bus.subscribe(channel, { group: "g", ...FAST }, async (d) => void got.push(d));
			await waitFor(() => got.length === 1, "the delivery");
			// Stored at publish time, on the broker's clock (a second of slack for a clock between processes).
			const storedAt = Date.parse(got[0]!.storedAt);
			assert.ok(storedAt >= before - 1_000 && storedAt <= Date.now() + 1_000, `stored at ${got[0]!.storedAt}`);
			assert.deepEqual({ ...got[0], storedAt: "" }, { channel, group: "g", partition: partitionOf("order-1", PARTITIONS), attempt: 1, storedAt: "", envelope: sent });
		});

		it("drops a second publish of the same id and delivers the message once", async () => {
			const bus = await open();
			const channel = nextChannel();
			const sent = envelopeFor("order-1");
			const first = await bus.publish(channel, sent);
			assert.deepEqual(await bus.publish(channel, { ...sent }), { duplicate: true, seq: first.seq });
			const marker = envelopeFor("order-1");
			await bus.publish(channel, marker);
			const ids: string[] = [];
			await bus.subscribe(channel, { group: "g", ...FAST }, async (d) => void ids.push(d.envelope.id));
			await waitFor(() => ids.includes(marker.id), "the marker after the duplicate");
			assert.deepEqual(ids, [sent.id, marker.id]);
			assert.equal(await bus.depth(channel), 2);
		});

		it("handles each subject's messages in publish order, however long each handler takes", async () => {
			const bus = await open();
			const channel = nextChannel();
			const subjects = ["order-a", "order-b", "order-c"];
			const sent = Array.from({ length: 30 }, (_, i) => envelopeFor(subjects[i % 3]!, { n: i }));
			for (const e of sent) await bus.publish(channel, e);
			const handled: Envelope[] = [];
			await bus.subscribe(channel, { group: "g", ...FAST }, async (d) => {
				await sleep(Math.random() * 5);
				handled.push(d.envelope);
			});
			await waitFor(() => handled.length === 30, "all 30 messages");
			for (const subject of subjects) {
				const inOrder = sent.filter((e) => e.subject === subject).map((e) => e.id);
				assert.deepEqual(handled.filter((e) => e.subject === subject).map((e) => e.id), inOrder, subject);
			}
		});

		it("has at most one message in flight per partition, while partitions run side by side", async () => {
			const bus = await open();
			const channel = nextChannel();
			for (let i = 0; i < 40; i++) await bus.publish(channel, envelopeFor(`order-${i % 10}`));
			const inFlight = new Map<number, number>();
			let maxPerPartition = 0;
			let total = 0;
			let maxTotal = 0;
			let handled = 0;
			await bus.subscribe(channel, { group: "g", ...FAST }, async (d) => {
				inFlight.set(d.partition, (inFlight.get(d.partition) ?? 0) + 1);
				maxPerPartition = Math.max(maxPerPartition, inFlight.get(d.partition)!);
				maxTotal = Math.max(maxTotal, ++total);
				await sleep(5);
				inFlight.set(d.partition, inFlight.get(d.partition)! - 1);
				total--;
				handled++;
			});
			await waitFor(() => handled === 40, "all 40 messages");
			assert.equal(maxPerPartition, 1);
			assert.ok(maxTotal > 1 && maxTotal <= PARTITIONS, `in flight at once: ${maxTotal}`);
		});

		it("gives every group every message, including a group that subscribes later", async () => {
			const bus = await open();
			const channel = nextChannel();
			const sent = Array.from({ length: 5 }, (_, i) => envelopeFor(`order-${i}`));
			const byGroup: Record<string, string[]> = { early: [], late: [] };
			await bus.subscribe(channel, { group: "early", ...FAST }, async (d) => void byGroup.early!.push(d.envelope.id));
			for (const e of sent) await bus.publish(channel, e);
			await bus.subscribe(channel, { group: "late", ...FAST }, async (d) => void byGroup.late!.push(d.envelope.id));
			await waitFor(() => byGroup.early!.length === 5 && byGroup.late!.length === 5, "both groups");
			for (const ids of Object.values(byGroup)) assert.deepEqual([...ids].sort(), sent.map((e) => e.id).sort());
		});

		it("redelivers a retryable failure until it succeeds, holding back its subject's later messages", async () => {
			const bus = await open();
			const channel = nextChannel();
			const [flaky, next] = [envelopeFor("order-1"), envelopeFor("order-1")];
			await bus.publish(channel, flaky);
			await bus.publish(channel, next);
			const calls: Array<[string, number]> = [];
			await bus.subscribe(channel, { group: "g", maxAttempts: 5, ...FAST }, async (d) => {
				calls.push([d.envelope.id === flaky.id ? "flaky" : "next", d.attempt]);
				if (d.envelope.id === flaky.id && d.attempt < 3) throw transient("partner down");
			});
			await waitFor(() => calls.length === 4, "the retries and the next message");
			assert.deepEqual(calls, [["flaky", 1], ["flaky", 2], ["flaky", 3], ["next", 1]]);
			await waitFor(async () => (await bus.backlog(channel, "g")) === 0, "both acked");
			assert.deepEqual(await deadLettersOf(bus, channel), []);
		});

		it("dead-letters a message still failing retryably after maxAttempts, with the error, and acks it", async () => {
			const bus = await open();
			const channel = nextChannel();
			const doomed = envelopeFor("order-9");
			await bus.publish(channel, doomed);
			const attempts: number[] = [];
			await bus.subscribe(channel, { group: "g", maxAttempts: 3, ...FAST }, async (d) => {
				attempts.push(d.attempt);
				throw transient("still down");
			});
			await waitFor(async () => (await deadLettersOf(bus, channel)).length === 1, "the dead letter");
			const [letter] = await deadLettersOf(bus, channel);
			assert.equal(letter!.type, DEAD_LETTER_TYPE);
			assert.equal(letter!.source, "waybill/streams");
			assert.equal(letter!.dataschema, `urn:waybill:schema:${DEAD_LETTER_TYPE}:v1`);
			assert.equal(letter!.subject, doomed.subject);
			assert.equal(letter!.correlationid, doomed.correlationid);
			assert.equal(letter!.causationid, doomed.id);
			assert.equal(letter!.idempotencykey, `dlq:${channel}:g:${doomed.id}`);
			const data = letter!.data as { firstAttemptAt: string; failedAt: string };
			assert.ok(Date.parse(data.firstAttemptAt) <= Date.parse(data.failedAt), "the first attempt came before the last");
			assert.deepEqual({ ...letter!.data, failedAt: "", firstAttemptAt: "" }, {
				channel,
				group: "g",
				attempts: 3,
				firstAttemptAt: "",
				failedAt: "",
				error: { name: "Error", type: "TEST_TRANSIENT", code: 503, message: "still down", retryable: true },
				orderId: doomed.correlationid,
				messageType: doomed.type,
				message: doomed,
			});
			assert.deepEqual(attempts, [1, 2, 3]);
			await waitFor(async () => (await bus.backlog(channel, "g")) === 0, "the original acked");
		});

		it("dead-letters a non-retryable failure on the first attempt and moves on to the next message", async () => {
			const bus = await open();
			const channel = nextChannel();
			const [bad, good] = [envelopeFor("order-1"), envelopeFor("order-1")];
			await bus.publish(channel, bad);
			await bus.publish(channel, good);
			const calls: Array<[string, number]> = [];
			await bus.subscribe(channel, { group: "g", ...FAST }, async (d) => {
				calls.push([d.envelope.id === bad.id ? "bad" : "good", d.attempt]);
				if (d.envelope.id === bad.id) throw fatal("rejected by partner");
			});
			await waitFor(() => calls.length === 2, "both messages");
			assert.deepEqual(calls, [["bad", 1], ["good", 1]]);
			const letters = await deadLettersOf(bus, channel);
			assert.equal(letters.length, 1);
			assert.deepEqual([letters[0]!.data.attempts, letters[0]!.data.error.type, letters[0]!.data.error.retryable], [1, "TEST_FATAL", false]);
		});

		it("resumes a group subscribing again after stop() without redelivering what it acked", async () => {
			const bus = await open();
			const channel = nextChannel();
			const sent = Array.from({ length: 5 }, () => envelopeFor("order-1"));
			for (const e of sent.slice(0, 3)) await bus.publish(channel, e);
			const firstRun: string[] = [];
			const subscription = await bus.subscribe(channel, { group: "g", ...FAST }, async (d) => void firstRun.push(d.envelope.id));
			await waitFor(() => firstRun.length === 3, "the first three");
			await subscription.stop();
			for (const e of sent.slice(3)) await bus.publish(channel, e);
			const secondRun: string[] = [];
			await (await open()).subscribe(channel, { group: "g", ...FAST }, async (d) => void secondRun.push(d.envelope.id));
			await waitFor(() => secondRun.length === 2, "the last two");
			assert.deepEqual(secondRun, sent.slice(3).map((e) => e.id));
		});

		it("close() waits for a handler in flight, and its ack survives the close", async () => {
			const bus = await open();
			const channel = nextChannel();
			await bus.publish(channel, envelopeFor("order-1"));
			const events: string[] = [];
			let release = () => {};
			const gate = new Promise<void>((resolve) => (release = resolve));
			await bus.subscribe(channel, { group: "g", ...FAST }, async () => {
				events.push("handler started");
				await gate;
				events.push("handler finished");
			});
			await waitFor(() => events.length === 1, "the handler to start");
			const closed = bus.close().then(() => events.push("closed"));
			await sleep(50);
			assert.deepEqual(events, ["handler started"]);
			release();
			await closed;
			assert.deepEqual(events, ["handler started", "handler finished", "closed"]);
			assert.equal(await (await open()).backlog(channel, "g"), 0);
		});

		it("counts as backlog every message the group has not acked, in flight or not yet delivered", async () => {
			const bus = await open();
			const channel = nextChannel();
			for (let i = 0; i < 3; i++) await bus.publish(channel, envelopeFor("order-1"));
			assert.equal(await bus.backlog(channel, "g"), 3);
			let release = () => {};
			const gate = new Promise<void>((resolve) => (release = resolve));
			let started = 0;
			await bus.subscribe(channel, { group: "g", ...FAST }, async () => {
				started++;
				await gate;
			});
			await waitFor(() => started === 1, "the first delivery");
			assert.equal(await bus.backlog(channel, "g"), 3);
			release();
			await waitFor(async () => (await bus.backlog(channel, "g")) === 0, "everything acked");
			assert.equal(await bus.depth(channel), 3);
		});

		it("reads stored messages in order from a sequence without consuming them", async () => {
			const bus = await open();
			const channel = nextChannel();
			const sent = Array.from({ length: 5 }, (_, i) => envelopeFor(`order-${i}`));
			for (const e of sent) await bus.publish(channel, e);
			const read = await bus.read(channel, 2, 3);
			assert.deepEqual(read, sent.slice(1, 4).map((envelope, i) => ({ seq: i + 2, envelope })));
			assert.equal(await bus.backlog(channel, "g"), 5);
			assert.deepEqual(await bus.read("never-used", 1, 10), []);
		});

		it("shares channels between bus objects opened on the same namespace", async () => {
			const [publisher, consumer] = [await open(), await open()];
			const channel = nextChannel();
			const sent = envelopeFor("order-1");
			await publisher.publish(channel, sent);
			const ids: string[] = [];
			await consumer.subscribe(channel, { group: "g", ...FAST }, async (d) => void ids.push(d.envelope.id));
			await waitFor(() => ids.length === 1, "the delivery on the other bus");
			assert.deepEqual(ids, [sent.id]);
			assert.equal((await consumer.publish(channel, sent)).duplicate, true);
		});
	});
}

streamBusContract("MemoryStreamBus", {
	open: async (namespace) => new MemoryStreamBus({ namespace, partitions: PARTITIONS }),
	destroy: async (namespace) => MemoryStreamBus.reset(namespace),
});

streamBusContract("JetStreamBus", {
	open: (namespace) => JetStreamBus.connect({ servers: NATS_URL, namespace, partitions: PARTITIONS, name: `waybill-test-${namespace}` }),
	destroy: (namespace) => deleteNamespace(NATS_URL, namespace),
});

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { connect, type NatsConnection } from "nats";
import { ERROR_TYPES } from "../../canonical/index.ts";
import { JetStreamPayloadBackend } from "../../mixins/payloads/jetstream.payload-backend.ts";
import { PayloadStore } from "../../mixins/payloads/payload-store.ts";
import { objectStoreStream, payloadBucket } from "../../mixins/streams/jetstream-layout.ts";

// CI provides NATS with JetStream; an unreachable one must fail this file, never skip it.
const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";

/**
 * A bucket with a max age expires an object's chunks a moment before its meta (the chunks were
 * written first). Read in that moment, the object must be reported missing, not waited for: a
 * read that never ends would hold its handler and its partition for good.
 */
describe("a claim-checked payload whose chunks expired before its meta", () => {
	const namespace = `test-payloads-${randomUUID().slice(0, 8)}`;
	const bucket = payloadBucket(namespace);
	let nc: NatsConnection;
	let backend: JetStreamPayloadBackend;
	before(async () => {
		nc = await connect({ servers: NATS_URL });
		backend = await JetStreamPayloadBackend.connect({ servers: NATS_URL, namespace });
	});
	after(async () => {
		await backend.clear();
		await backend.close();
		await nc.close();
	});

	it("is missing, promptly", { timeout: 20_000 }, async () => {
		const payloads = new PayloadStore(backend, { ttlMs: 0 });
		const { ref } = await payloads.put(Buffer.from("x".repeat(300_000)));
		const [object] = await (await nc.jetstream().views.os(bucket)).list();
		assert.ok(object, "the payload is an object of the bucket");
		// What expiry does to the chunks alone: the meta stays, naming chunks that are gone.
		const jsm = await nc.jetstreamManager();
		await jsm.streams.purge(objectStoreStream(bucket), { filter: `$O.${bucket}.C.${object.nuid}` });
		const started = Date.now();
		const failure = await payloads.get(ref).then(
			() => undefined,
			(e: { type?: string }) => e,
		);
		assert.equal(failure?.type, ERROR_TYPES.PAYLOAD_MISSING);
		assert.ok(Date.now() - started < 5_000, `reported after ${Date.now() - started} ms`);
	});

	it("an intact payload of several chunks still reads back whole", async () => {
		const payloads = new PayloadStore(backend, { ttlMs: 0 });
		const bytes = Buffer.from(Array.from({ length: 400_000 }, (_, i) => i % 251));
		const { ref } = await payloads.put(bytes);
		assert.deepEqual(await payloads.get(ref), bytes);
	});
});

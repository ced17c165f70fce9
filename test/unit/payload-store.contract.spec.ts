import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, before, describe, it } from "node:test";

import { ERROR_TYPES, isRetryable } from "../../canonical/index.ts";
import { JetStreamPayloadBackend } from "../../mixins/payloads/jetstream.payload-backend.ts";
import { MemoryPayloadBackend } from "../../mixins/payloads/memory.payload-backend.ts";
import { PayloadStore, sha256Hex, type PayloadBackend } from "../../mixins/payloads/payload-store.ts";

// CI provides NATS with JetStream; an unreachable one must fail this file, never skip it.
const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";
const DAY = 86_400_000;

type MakeBackend = (namespace: string, ttlMs?: number) => Promise<PayloadBackend>;

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

async function rejection(promise: Promise<unknown>): Promise<{ type?: string; retryable?: boolean }> {
	try {
		await promise;
	} catch (e: unknown) {
		return e as { type?: string };
	}
	throw new Error("expected the call to fail");
}

/** The claim-check contract, run against the embedded twin and the JetStream Object Store alike. */
function payloadStoreContract(name: string, makeBackend: MakeBackend, expiryTtlMs: number): void {
	describe(name, () => {
		const opened: PayloadBackend[] = [];
		const open = async (ttlMs?: number) => {
			const backend = await makeBackend(`test-payloads-${randomUUID().slice(0, 8)}`, ttlMs);
			opened.push(backend);
			return backend;
		};
		const store = async (options: { ttlMs?: number; now?: () => number } = {}) => {
			const backend = await open();
			return { backend, payloads: new PayloadStore(backend, options) };
		};

		before(async () => {
			const probe = await makeBackend(`test-payloads-${randomUUID().slice(0, 8)}`);
			await probe.usage();
			await probe.clear();
			await probe.close();
		});
		afterEach(async () => {
			for (const backend of opened.splice(0)) {
				await backend.clear();
				await backend.close();
			}
		});

		it("stores bytes under their sha256 and gives them back, verified, with a reference naming digest, size and type", async () => {
			const { payloads } = await store();
			const bytes = Buffer.from("ISA*00*~GS*SW*~ST*945*0001~");
			const { ref, stored } = await payloads.put(bytes, "application/edi-x12");
			assert.equal(stored, true);
			assert.deepEqual({ ...ref, uri: undefined }, { uri: undefined, digest: sha256Hex(bytes), size: bytes.byteLength, contentType: "application/edi-x12" });
			assert.match(ref.uri, new RegExp(`/sha256-${ref.digest}$`));
			assert.deepEqual(await payloads.get(ref), bytes);
		});

		it("stores the same bytes once: a second put stores nothing new and returns the same reference", async () => {
			const { payloads } = await store();
			const bytes = randomBytes(4096);
			const first = await payloads.put(bytes, "application/json");
			const second = await payloads.put(Buffer.from(bytes), "application/json");
			assert.deepEqual([first.stored, second.stored], [true, false]);
			assert.deepEqual(second.ref, first.ref);
			assert.deepEqual(await payloads.usage(), { objects: 1, bytes: 4096 });
		});

		it("stores one copy when the same bytes are put concurrently", async () => {
			const { payloads } = await store();
			const bytes = randomBytes(2048);
			const puts = await Promise.all(Array.from({ length: 5 }, () => payloads.put(bytes)));
			assert.equal(puts.filter((p) => p.stored).length, 1);
			assert.deepEqual(await payloads.usage(), { objects: 1, bytes: 2048 });
			assert.deepEqual(await payloads.get(puts[0]!.ref), bytes);
		});

		it("keeps different bytes apart and round-trips a document of several megabytes (many chunks)", async () => {
			const { payloads } = await store();
			const large = randomBytes(3 * 1024 * 1024 + 17);
			const small = Buffer.from("{}");
			const [a, b] = [await payloads.put(large), await payloads.put(small)];
			assert.notEqual(a.ref.digest, b.ref.digest);
			assert.deepEqual(await payloads.get(a.ref), large);
			assert.deepEqual(await payloads.get(b.ref), small);
			assert.deepEqual(await payloads.usage(), { objects: 2, bytes: large.byteLength + 2 });
		});

		it("answers a digest it does not hold, or one that is no sha256, with PAYLOAD_MISSING, not retryable", async () => {
			const { payloads } = await store();
			const { ref } = await payloads.put(Buffer.from("kept"));
			const unknown = await rejection(payloads.get({ ...ref, digest: sha256Hex(Buffer.from("never stored")) }));
			const malformed = await rejection(payloads.get({ ...ref, digest: "../../etc/passwd" }));
			for (const e of [unknown, malformed]) {
				assert.equal(e.type, ERROR_TYPES.PAYLOAD_MISSING);
				assert.equal(isRetryable(e), false);
			}
		});

		it("refuses bytes that are not what the digest names as PAYLOAD_CORRUPT, not retryable, and a size that disagrees too", async () => {
			const { backend, payloads } = await store();
			const { ref } = await payloads.put(Buffer.from("the real document"));
			const state = await backend.stat(`sha256-${ref.digest}`);
			assert.ok(await backend.write(`sha256-${ref.digest}`, Buffer.from("a forged document"), state.revision));
			const forged = await rejection(payloads.get(ref));
			assert.equal(forged.type, ERROR_TYPES.PAYLOAD_CORRUPT);
			assert.equal(isRetryable(forged), false);

			const { ref: other } = await payloads.put(Buffer.from("another"));
			assert.equal((await rejection(payloads.get({ ...other, size: other.size + 1 }))).type, ERROR_TYPES.PAYLOAD_CORRUPT);
		});

		it("writes bytes again when they are older than half the TTL, so a new reference has at least that long to live", async () => {
			let now = Date.now();
			const { payloads } = await store({ ttlMs: 30 * DAY, now: () => now });
			const bytes = randomBytes(512);
			assert.equal((await payloads.put(bytes)).stored, true);
			now += 14 * DAY;
			assert.equal((await payloads.put(bytes)).stored, false, "younger than half the TTL: nothing new");
			now += 2 * DAY;
			const refreshed = await payloads.put(bytes);
			assert.equal(refreshed.stored, true, "older than half the TTL: stored again");
			assert.deepEqual(await payloads.usage(), { objects: 1, bytes: 512 }, "still one copy");
			assert.deepEqual(await payloads.get(refreshed.ref), bytes);
		});

		it("forgets a payload once the backend's TTL has passed: it is then missing", async () => {
			const backend = await open(expiryTtlMs);
			const payloads = new PayloadStore(backend, { ttlMs: expiryTtlMs });
			const { ref } = await payloads.put(Buffer.from("short-lived"));
			assert.deepEqual(await payloads.get(ref), Buffer.from("short-lived"));
			await eventually(async () => (await rejection(payloads.get(ref)).catch(() => undefined))?.type === ERROR_TYPES.PAYLOAD_MISSING, expiryTtlMs * 5 + 1_000);
		});

		it("clear removes every payload", async () => {
			const { payloads } = await store();
			const { ref } = await payloads.put(Buffer.from("gone soon"));
			await payloads.clear();
			assert.equal((await rejection(payloads.get(ref))).type, ERROR_TYPES.PAYLOAD_MISSING);
		});
	});
}

payloadStoreContract("MemoryPayloadBackend (embedded mode)", async (namespace, ttlMs) => new MemoryPayloadBackend(namespace, ttlMs), 50);
payloadStoreContract("JetStreamPayloadBackend (distributed mode, NATS Object Store)", (namespace, ttlMs) => JetStreamPayloadBackend.connect({ servers: NATS_URL, namespace, ttlMs }), 1_000);

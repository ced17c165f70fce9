import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { CHANNELS, ERROR_TYPES, INBOUND_MESSAGES, assertValidMessage, createEnvelope, type ChannelName, type Envelope } from "../../canonical/index.ts";
import { recordInbound } from "../../services/gateway/inbound-recorder.ts";
import { withBody, type PartnerMessage } from "../../services/mapper/partner-message.ts";
import { digestOf, entryFor, hashOf, GENESIS_HASH } from "../../services/ledger/ledger-entry.ts";
import { MemoryPayloadBackend } from "../../mixins/payloads/memory.payload-backend.ts";
import { DAY_MS, PayloadStore } from "../../mixins/payloads/payload-store.ts";
import { runtimeSettingsFromEnv } from "../../mixins/runtime/runtime-settings.ts";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function recorder() {
	const published: Array<{ channel: ChannelName; envelope: Envelope }> = [];
	const publish = async (channel: ChannelName, envelope: Envelope) => {
		published.push({ channel, envelope: assertValidMessage(envelope) });
		return { duplicate: false, seq: published.length };
	};
	return { published, publish };
}

const webhook = (body: string) => ({ system: "wms" as const, partner: "acme-3pl", body: Buffer.from(body), headers: { "content-type": "application/json", authorization: "secret" }, deliveryId: randomUUID(), traceparent: TRACEPARENT });

describe("the claim check at the gateway", () => {
	const payloads = new PayloadStore(new MemoryPayloadBackend(`t-claim-${randomUUID().slice(0, 8)}`));
	const claimCheck = { inlineMaxBytes: 64, payloads };

	it("stores a body above the threshold once and records the message with an empty body and its reference", async () => {
		const { published, publish } = recorder();
		const body = JSON.stringify({ eventType: "order.packed", padding: "x".repeat(500) });
		await recordInbound(publish, webhook(body), claimCheck);
		const [{ channel, envelope }] = published as [{ channel: ChannelName; envelope: Envelope<PartnerMessage> }];
		assert.equal(channel, CHANNELS.INBOUND);
		assert.equal(envelope.type, INBOUND_MESSAGES.PARTNER_MESSAGE_RECEIVED);
		assert.equal(envelope.data.body, "");
		assert.deepEqual({ ...envelope.payloadref, uri: undefined }, { uri: undefined, digest: createHash("sha256").update(body).digest("hex"), size: Buffer.byteLength(body), contentType: "application/json" });
		assert.equal((await withBody(envelope, payloads)).body, body, "the mapper reads the body back, verified");
		await recordInbound(publish, webhook(body), claimCheck);
		assert.deepEqual(await payloads.usage(), { objects: 1, bytes: Buffer.byteLength(body) }, "the same bytes twice are stored once");
	});

	it("keeps a body at or under the threshold inline, and every body inline without a claim check", async () => {
		const { published, publish } = recorder();
		await recordInbound(publish, webhook("{}"), claimCheck);
		await recordInbound(publish, webhook(JSON.stringify({ padding: "x".repeat(500) })));
		for (const { envelope } of published) {
			assert.equal(envelope.payloadref, undefined);
			assert.notEqual((envelope.data as PartnerMessage).body, "");
		}
	});

	it("makes a reference whose payload is gone a PAYLOAD_MISSING error for the mapper", async () => {
		const { published, publish } = recorder();
		const lost = new PayloadStore(new MemoryPayloadBackend(`t-lost-${randomUUID().slice(0, 8)}`));
		await recordInbound(publish, webhook("y".repeat(200)), { inlineMaxBytes: 64, payloads: lost });
		await lost.clear();
		await assert.rejects(withBody(published[0]!.envelope, lost), (e: { type?: string }) => e.type === ERROR_TYPES.PAYLOAD_MISSING);
	});
});

describe("ledger entries of claim-checked and traced messages", () => {
	const inbound = createEnvelope({
		type: INBOUND_MESSAGES.PARTNER_MESSAGE_RECEIVED, source: "waybill/gateway", subject: "SO-1", schemaVersion: 1, traceparent: TRACEPARENT,
		payloadRef: { uri: "memory://t/sha256-ab", digest: "ab".repeat(32), size: 300_000, contentType: "application/edi-x12" },
		data: { system: "wms", partner: "edi-3pl", contentType: "application/edi-x12", receivedAt: new Date().toISOString(), headers: {}, body: "" },
	});

	it("record the payload's digest beside the envelope's, and the traceparent, both covered by the hash", () => {
		const entry = entryFor(1, GENESIS_HASH, "inbound", inbound, new Date().toISOString());
		assert.equal(entry.payloadDigest, "ab".repeat(32));
		assert.equal(entry.traceparent, TRACEPARENT);
		assert.equal(entry.digest, digestOf(inbound));
		const { hash, ...rest } = entry;
		assert.equal(hashOf(rest), hash);
		assert.notEqual(hashOf({ ...rest, payloadDigest: "cd".repeat(32) }), hash, "a changed payload digest breaks the chain");
		assert.notEqual(hashOf({ ...rest, traceparent: undefined }), hash, "so does a removed traceparent");
	});

	it("hash an entry without them exactly as before they existed, so older chains still verify", () => {
		const { traceparent: _t, payloadref: _p, ...plain } = inbound;
		const { hash, ...e } = entryFor(7, "f".repeat(64), "inbound", plain as Envelope, "2024-05-01T00:00:00.000Z");
		const before = digestOf([e.seq, e.recordedAt, e.channel, e.kind, e.messageId, e.type, e.subject, e.correlationId, e.causationId ?? null, e.source, e.partner ?? null, e.mappingVersion ?? null, e.partnerEventId ?? null, e.actor ?? null, e.eventTime, e.storedAt ?? null, e.digest, e.prevHash]);
		assert.equal(hash, before);
	});
});

describe("payload retention (PAYLOAD_TTL_DAYS)", () => {
	it("keeps payloads 30 days by default, for good with 0, and refuses less than twice the streams' 7 days and a day", () => {
		assert.equal(runtimeSettingsFromEnv({}).payloadTtlMs, 30 * DAY_MS);
		assert.equal(runtimeSettingsFromEnv({ PAYLOAD_TTL_DAYS: "0" }).payloadTtlMs, 0);
		assert.equal(runtimeSettingsFromEnv({ PAYLOAD_TTL_DAYS: "15" }).payloadTtlMs, 15 * DAY_MS);
		for (const days of ["14", "-1", "soon"]) {
			assert.throws(() => runtimeSettingsFromEnv({ PAYLOAD_TTL_DAYS: days }), (e: { type?: string }) => e.type === ERROR_TYPES.CONFIGURATION_INVALID, days);
		}
	});
});

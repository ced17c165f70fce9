import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import { verifyWebhook } from "../../services/gateway/webhook-verifier.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { jsonProfileFor } from "../../bin/cli/convert-document.ts";
import { assertValidMessage, catalogueEntry, createEnvelope, isSignatureInvalid } from "../../canonical/index.ts";

const CORPUS = new URL("../../../shared/conformance/lastmile/", import.meta.url);
const corpus = (name: string) => new URL(name, CORPUS);
const skip = existsSync(CORPUS) ? false : "the conformance corpus (../shared/conformance) is not beside this checkout";
const profile = () => loadProfiles(new URL("../../mappings", import.meta.url).pathname).get("lastmile/easypost")!;
const tracked = (orders: Record<string, string>) => ({ receivedAt: "2026-11-26T10:00:00Z", orderForTracking: async (code: unknown) => orders[String(code)] });

describe("EasyPost tracker webhooks", { skip }, () => {
	const entry = loadPartnerRegistry().find("lastmile", "easypost");

	it("verifies EasyPost's published signature vector: HMAC-SHA256 keyed with the NFKD-normalised secret", () => {
		// The vector is over the file's bytes without its final newline, as EasyPost sends the body.
		const body = Buffer.from(readFileSync(corpus("easypost_webhook_tracker-updated_in-transit_fedex.json"), "utf8").replace(/\n$/, ""));
		const headers = { "x-hmac-signature": "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db" };
		assert.doesNotThrow(() => verifyWebhook(entry, ["sécret"], headers, body));
		let error: unknown;
		try {
			verifyWebhook(entry, ["secret"], headers, body);
		} catch (e) {
			error = e;
		}
		assert.ok(isSignatureInvalid(error), "a different secret is refused");
	});

	it("maps an in-transit tracker to a dispatched fact about the order that owns its tracking code", async () => {
		const facts = await mapInbound(profile(), readFileSync(corpus("easypost_webhook_tracker-updated_in-transit_fedex.json"), "utf8"), tracked({ "1": "SO-EP-1" }));
		assert.equal(facts.length, 1);
		const [fact] = facts;
		assert.deepEqual([fact!.type, fact!.subject, fact!.time, fact!.partnerEventId], ["lastmile.job.dispatched", "SO-EP-1", "2024-08-02T18:50:00Z", "evt_1"]);
		assert.deepEqual(fact!.data, { orderId: "SO-EP-1", partnerRef: "trk_1", trackingUrl: (fact!.data as { trackingUrl: string }).trackingUrl, eta: "2024-08-05T00:00:00Z" });
		assertValidMessage(createEnvelope({ type: fact!.type, source: "test", subject: fact!.subject, data: fact!.data, schemaVersion: catalogueEntry(fact!.type)!.version }));
	});

	it("maps a delivered tracker to a delivered fact with who signed for it", async () => {
		const [fact] = await mapInbound(profile(), readFileSync(corpus("easypost_webhook_tracker-updated_delivered_ups.json"), "utf8"), tracked({ EZ4000000004: "SO-EP-2" }));
		assert.equal(fact!.type, "lastmile.delivered");
		assert.equal(fact!.time, "2014-11-19T10:51:54Z");
		assert.deepEqual((fact!.data as { proofOfDelivery: unknown }).proofOfDelivery, { recipientName: "John Tester", notes: "DELIVERED" });
		assertValidMessage(createEnvelope({ type: fact!.type, source: "test", subject: fact!.subject, data: fact!.data, schemaVersion: catalogueEntry(fact!.type)!.version }));
	});

	it("yields nothing for a lean event without its tracker", async () => {
		assert.deepEqual(await mapInbound(profile(), readFileSync(corpus("easypost_webhook_event_minimal.json"), "utf8"), tracked({})), []);
	});

	it("refuses a tracker whose tracking code belongs to no order Waybill knows", async () => {
		await assert.rejects(mapInbound(profile(), readFileSync(corpus("easypost_webhook_tracker-updated_in-transit_fedex.json"), "utf8"), tracked({})), /MAPPING|mapping/i);
	});
});

describe("EasyPost Trackers read by polling (GET /trackers/:id)", () => {
	const tracker = {
		id: "trk_5c2b7f0e9d1a4b6c8e3f",
		object: "Tracker",
		mode: "production",
		tracking_code: "9400111899223344556677",
		status: "out_for_delivery",
		status_detail: "out_for_delivery",
		created_at: "2026-11-25T18:02:11Z",
		updated_at: "2026-11-27T07:40:03Z",
		signed_by: null,
		est_delivery_date: "2026-11-27T20:00:00Z",
		carrier: "USPS",
		tracking_details: [
			{ object: "TrackingDetail", message: "Arrived at Post Office", status: "in_transit", status_detail: "arrived_at_facility", datetime: "2026-11-27T05:12:00Z", source: "USPS" },
			{ object: "TrackingDetail", message: "Out for Delivery", status: "out_for_delivery", status_detail: "out_for_delivery", datetime: "2026-11-27T07:38:00Z", source: "USPS" },
		],
		public_url: "https://track.easypost.com/djE6dHJrXzVjMmI3ZjBlOWQxYTRiNmM4ZTNm",
	};
	const orders = tracked({ "9400111899223344556677": "SO-EP-7" });

	it("maps a polled Tracker as the same fact its tracker.updated Event would carry, identified by its last update", async () => {
		const [polled] = await mapInbound(profile(), JSON.stringify(tracker), orders);
		const [pushed] = await mapInbound(profile(), JSON.stringify({ object: "Event", id: "evt_9f8e", description: "tracker.updated", created_at: "2026-11-27T07:40:05Z", result: tracker }), orders);
		assert.deepEqual([polled!.type, polled!.subject, polled!.time, polled!.partnerEventId], ["lastmile.out-for-delivery", "SO-EP-7", "2026-11-27T07:38:00Z", "trk_5c2b7f0e9d1a4b6c8e3f@2026-11-27T07:40:03Z"]);
		assert.deepEqual({ ...polled, partnerEventId: undefined }, { ...pushed, partnerEventId: undefined });
		assert.equal(pushed!.partnerEventId, "evt_9f8e");
	});

	it("reports a pre-transit tracker only by the delivery date the carrier expects, and not at all without one", async () => {
		const preTransit = { ...tracker, status: "pre_transit", tracking_details: [tracker.tracking_details[0]!] };
		const [fact] = await mapInbound(profile(), JSON.stringify(preTransit), orders);
		assert.deepEqual([fact!.type, (fact!.data as { eta: string }).eta], ["lastmile.eta.updated", "2026-11-27T20:00:00Z"]);
		assert.deepEqual(await mapInbound(profile(), JSON.stringify({ ...preTransit, est_delivery_date: null }), orders), []);
	});

	it("is recognised as EasyPost by its shape without --profile", () => {
		assert.equal(jsonProfileFor(tracker), "lastmile/easypost");
	});
});

describe("EasyPost's published Tracker retrieve response (conformance corpus)", { skip }, () => {
	it("maps the pre-transit USPS tracker to its expected delivery date, for the order that owns EZ1000000001", async () => {
		const facts = await mapInbound(profile(), readFileSync(corpus("easypost_tracker_retrieve_response.json"), "utf8"), tracked({ EZ1000000001: "SO-EP-3" }));
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId]), [["lastmile.eta.updated", "SO-EP-3", "2025-04-10T09:17:17Z", "trk_9135862729734d96ad2f9ed0f0565a27@2025-05-09T20:40:17Z"]]);
		assert.deepEqual(facts[0]!.data, { orderId: "SO-EP-3", partnerRef: "trk_9135862729734d96ad2f9ed0f0565a27", trackingUrl: "https://track.easypost.com/djE6dHJrXzkxMzU4NjI3Mjk3MzRkOTZhZDJmOWVkMGYwNTY1YTI3", eta: "2025-05-09T20:40:17Z" });
		assertValidMessage(createEnvelope({ type: facts[0]!.type, source: "test", subject: facts[0]!.subject, data: facts[0]!.data, schemaVersion: catalogueEntry(facts[0]!.type)!.version }));
	});
});

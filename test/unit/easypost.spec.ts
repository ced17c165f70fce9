import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import { verifyWebhook } from "../../services/gateway/webhook-verifier.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
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

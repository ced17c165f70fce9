import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Envelope, PayloadRef } from "../../canonical/index.ts";
import type { PayloadsMethods } from "../../mixins/payloads.mixin.ts";
import type { DurableStreamsMethods } from "../../mixins/durable-streams.mixin.ts";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { signed3plHeaders } from "../../simulators/signatures.ts";

/** Small enough that the X12 documents and most partner webhooks of a normal order go through the claim check. */
const INLINE_MAX_BYTES = 512;
const X12_PROFILE = fileURLToPath(new URL("../../mappings/wms/x12-3pl", import.meta.url));

interface Inbound {
	id: string;
	partner: string;
	body: string;
	payloadref?: PayloadRef;
}

function gatewayOf(h: Harness): DurableStreamsMethods & PayloadsMethods {
	const broker = h.brokers.find((b) => b.getLocalService("gateway"))!;
	return broker.getLocalService("gateway") as unknown as DurableStreamsMethods & PayloadsMethods;
}

async function inboundMessages(h: Harness): Promise<Inbound[]> {
	const page = await gatewayOf(h).streamBus().read("inbound", 1, 10_000);
	return page.map(({ envelope }) => {
		const data = (envelope as Envelope<{ partner: string; body: string }>).data;
		return { id: envelope.id, partner: data.partner, body: data.body, ...(envelope.payloadref ? { payloadref: envelope.payloadref } : {}) };
	});
}

/** The live X12 profile under a new version that names the carrier by its SCAC: each 945 maps differently. */
function carrierCandidate(): Record<string, string> {
	const dir = mkdtempSync(join(tmpdir(), "waybill-claim-shadow-"));
	cpSync(X12_PROFILE, dir, { recursive: true });
	const profile = JSON.parse(readFileSync(join(dir, "profile.json"), "utf8")) as { version: string };
	writeFileSync(join(dir, "profile.json"), JSON.stringify({ ...profile, version: "x12-3pl@9.9.9-claim" }));
	const advice = join(dir, "shipping-advice.jsonata");
	writeFileSync(advice, readFileSync(advice, "utf8").replace("$d.carrier.routing ? $d.carrier.routing : $d.carrier.scac", "$d.carrier.scac"));
	return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

for (const mode of ["embedded", "distributed"] as const) {
	describe(`the claim check for large partner documents (${mode}${mode === "distributed" ? ": NATS Object Store" : ": in memory"})`, () => {
		let h: Harness;
		before(async () => {
			process.env.PAYLOAD_INLINE_MAX_BYTES = String(INLINE_MAX_BYTES);
			h = await startHarness({ mode });
			assert.equal((await releaseOrder(h, { ...testOrder("SO-CLAIM-X12", 3), warehouse: "WH2" })).status, 202);
			assert.equal((await releaseOrder(h, testOrder("SO-CLAIM-JSON", 3))).status, 202);
			await eventually("both orders invoiced", async () => (await h.client.call<{ invoiced: number }>("saga.stats")).invoiced === 2, 60_000);
		});
		after(async () => {
			delete process.env.PAYLOAD_INLINE_MAX_BYTES;
			await h?.stop();
		});

		it("takes partners' documents above the threshold by reference, and the orders still complete from them", async () => {
			const inbound = await inboundMessages(h);
			const checked = inbound.filter((m) => m.payloadref);
			assert.ok(checked.some((m) => m.partner === "edi-3pl"), "the X12 945 and 856 went by reference");
			for (const m of checked) {
				assert.equal(m.body, "", "a claim-checked message carries no body");
				assert.ok(m.payloadref!.size > INLINE_MAX_BYTES);
			}
			for (const m of inbound.filter((x) => !x.payloadref)) assert.ok(Buffer.byteLength(m.body) <= INLINE_MAX_BYTES, "what stayed inline is small");
			for (const orderId of ["SO-CLAIM-X12", "SO-CLAIM-JSON"]) {
				assert.equal((await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId })).status, "invoiced");
			}
		});

		it("accepts a signed 300 KB webhook: the stream holds its reference, the store its verified bytes, the ledger both digests, and its fact reaches the order", async () => {
			const event = {
				eventId: `evt_claim_${mode}`,
				eventType: "order.allocated",
				occurredAt: new Date().toISOString(),
				order: { id: "wo_claim", externalRef: "FO-SO-CLAIM-JSON-WH1", orderRef: "SO-CLAIM-JSON", warehouse: "WH1" },
				lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }],
				notes: "pallet audit trail ".repeat(16_000),
			};
			const body = JSON.stringify(event);
			assert.ok(Buffer.byteLength(body) > 300_000);
			const answer = await fetch(`${h.gatewayUrl}/webhooks/wms/acme-3pl`, {
				method: "POST",
				headers: { "content-type": "application/json", "x-3pl-delivery": `delivery-claim-${mode}`, ...signed3plHeaders(body, h.secrets.wms) },
				body,
			});
			assert.equal(answer.status, 200);
			const { id } = (await answer.json()) as { id: string };

			const message = (await inboundMessages(h)).find((m) => m.id === id)!;
			const digest = createHash("sha256").update(body).digest("hex");
			assert.equal(message.body, "");
			assert.deepEqual({ ...message.payloadref, uri: undefined }, { uri: undefined, digest, size: Buffer.byteLength(body), contentType: "application/json" });
			assert.match(message.payloadref!.uri, mode === "distributed" ? /^nats-os:\/\/t-[0-9a-f]{8}_payloads\/sha256-/ : /^memory:\/\//);
			assert.equal((await gatewayOf(h).payloads().get(message.payloadref!)).toString("utf8"), body);

			const entries = await eventually("the fact mapped from it in the ledger", async () => {
				const found = await h.client.call<Array<{ kind: string; type: string; messageId: string; causationId?: string; payloadDigest?: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-CLAIM-JSON" });
				return found.some((e) => e.causationId === id && e.type === "wms.fulfillment.allocated") ? found : undefined;
			});
			assert.equal(entries.find((e) => e.messageId === id)?.payloadDigest, digest, "the inbound entry names the payload's digest");
			const fact = entries.find((e) => e.causationId === id)!;
			await eventually("the fact on the order's timeline", async () =>
				(await h.client.call<{ timeline: Array<{ messageId: string }> }, { orderId: string }>("saga.getOrder", { orderId: "SO-CLAIM-JSON" })).timeline.some((t) => t.messageId === fact.messageId),
			);
			assert.equal((await h.client.call<{ ok: boolean }>("ledger.verify")).ok, true);
		});

		it("replays claim-checked messages in a shadow run: each 945 is read back and diffed", async () => {
			const response = await fetch(`${h.gatewayUrl}/ops/mappings/shadow`, { method: "POST", headers: { "content-type": "application/json", ...h.auth }, body: JSON.stringify({ system: "wms", partner: "edi-3pl", files: carrierCandidate() }) });
			assert.equal(response.status, 200);
			const report = (await response.json()) as { messages: number; changed: number; unresolved?: unknown[]; results: Array<{ diffs: Array<{ path: string; live: unknown; candidate: unknown }> }> };
			assert.equal(report.unresolved, undefined);
			assert.equal(report.changed, 1, "the one order's 945");
			assert.deepEqual(report.results[0]!.diffs.map((d) => [d.path, d.live, d.candidate]), [["[0].data.carrier", "WAYBILL-LASTMILE", "WBLM"]]);
		});
	});
}

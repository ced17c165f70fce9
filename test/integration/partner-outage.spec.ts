import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";

/** Short pauses so a test sees the circuit open and close in seconds, not minutes. */
const FAST_POLICY = { timeoutMs: 1_000, breakerThreshold: 3, breakerHalfOpenAfterMs: 400, retryAttempts: 1, retryInitialDelayMs: 20, retryMaxDelayMs: 100 };

interface ExceptionCase {
	kind: string;
	summary: string;
	resolvedAt?: string;
}

describe("a partner outage: store and forward, a visible exception, and answers from the last known state", () => {
	let h: Harness;
	before(async () => {
		h = await startHarness({ mode: "embedded", partnerPolicy: FAST_POLICY });
	});
	after(async () => h?.stop());

	it("keeps every other part of the flow moving while last-mile is down, then delivers the held jobs in order", async () => {
		h.lastmile.setFaults({ mode: "error500" });
		const ids = ["SO-OUT-A", "SO-OUT-B", "SO-OUT-C"];
		for (const id of ids) assert.equal((await releaseOrder(h, testOrder(id))).status, 202);

		// The WMS side and the ERP milestones go on: every order reaches manifested.
		await eventually("orders manifested while last-mile is down", async () => {
			const statuses = await Promise.all(ids.map((orderId) => h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId })));
			return statuses.every((s) => s.status === "manifested");
		}, 20_000);
		await eventually("the ERP told of every milestone so far", async () => ids.every((id) => h.erp.statusesFor(id).join() === "released,allocated,picked,packed,manifested"), 10_000);

		const open = await eventually("a partner-degraded exception", async () => {
			const cases = (await (await fetch(`${h.gatewayUrl}/ops/exceptions`, { headers: h.auth })).json()) as ExceptionCase[];
			return cases.find((c) => c.kind === "partner-degraded");
		}, 20_000);
		assert.match(open.summary, /lastmile partner 'onfleet' is degraded/);
		const circuits = await h.client.call<Array<{ partner: string; degraded: boolean }>>("lastmile.circuits");
		assert.deepEqual(circuits.map((c) => [c.partner, c.degraded]), [["onfleet", true]]);
		assert.equal(h.lastmile.stats().tasks, 0);

		h.lastmile.setFaults({ mode: "none" });
		await eventually("every held order delivered and invoiced", async () => {
			const statuses = await Promise.all(ids.map((orderId) => h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId })));
			return statuses.every((s) => s.status === "invoiced");
		}, 30_000);
		for (const id of ids) assert.equal(h.lastmile.tasksFor(id), 1, `one delivery task for ${id}`);
		const all = (await (await fetch(`${h.gatewayUrl}/ops/exceptions?status=all`, { headers: h.auth })).json()) as ExceptionCase[];
		assert.ok(all.find((c) => c.kind === "partner-degraded")?.resolvedAt, "the exception is resolved on recovery");
		assert.deepEqual((await (await fetch(`${h.gatewayUrl}/ops/exceptions`, { headers: h.auth })).json()) as ExceptionCase[], []);
	});

	it("answers inventory from the last known position, saying so and how old it is, while the WMS is down", async () => {
		const live = await fetch(`${h.gatewayUrl}/api/v1/inventory/SKU-1?warehouse=WH1`, { headers: h.auth });
		assert.equal(live.status, 200);
		const fresh = (await live.json()) as { stale: boolean; positions: Array<{ source: string; onHand: number }> };
		assert.deepEqual([fresh.stale, fresh.positions[0]!.source], [false, "live"]);

		h.wms.setFaults({ mode: "error500" });
		try {
			const cached = await fetch(`${h.gatewayUrl}/api/v1/inventory/SKU-1?warehouse=WH1`, { headers: h.auth });
			assert.equal(cached.status, 200);
			assert.equal(cached.headers.get("warning"), '110 - "Response is Stale"');
			assert.ok(Number(cached.headers.get("age")) >= 0);
			const body = (await cached.json()) as { stale: boolean; positions: Array<{ source: string; onHand: number; ageSeconds: number; reason: string }> };
			assert.equal(body.stale, true);
			assert.equal(body.positions[0]!.source, "last-known");
			assert.equal(body.positions[0]!.onHand, fresh.positions[0]!.onHand);
			assert.match(body.positions[0]!.reason, /unavailable/);

			const never = await fetch(`${h.gatewayUrl}/api/v1/inventory/SKU-NEVER-SEEN?warehouse=WH1`, { headers: h.auth });
			assert.equal(never.status, 503, "nothing known: the outage is the answer");
			assert.equal(((await never.json()) as { type: string }).type, "https://waybill.dev/problems/partner-unavailable");
		} finally {
			h.wms.setFaults({ mode: "none" });
		}
		assert.equal((await fetch(`${h.gatewayUrl}/api/v1/inventory/SKU-1?warehouse=WH9`, { headers: h.auth })).status, 404);
	});

	it("books a shipment live when the carrier answers, and accepts one with 202 to complete it when the carrier is back", async () => {
		const booking = (reference: string) => ({
			reference,
			from: { name: "Waybill DC", line1: "1 Dock Road", city: "Hamburg", postalCode: "20457", country: "DE" },
			to: { name: "Ada Lovelace", line1: "12 Harbour Street", city: "Hamburg", postalCode: "20095", country: "DE" },
			parcels: [{ weightKg: 2.5 }],
		});
		const post = (body: unknown) => fetch(`${h.gatewayUrl}/api/v1/shipments`, { method: "POST", headers: { "content-type": "application/json", ...h.auth }, body: JSON.stringify(body) });

		const live = await post(booking("REF-LIVE-1"));
		assert.equal(live.status, 201);
		assert.equal(((await live.json()) as { status: string }).status, "booked");

		h.lastmile.setFaults({ mode: "error500" });
		const queued = await post(booking("REF-QUEUED-1"));
		assert.equal(queued.status, 202);
		const location = queued.headers.get("location")!;
		assert.equal(location, "/api/v1/shipments/BK-REF-QUEUED-1");
		assert.equal(((await (await fetch(h.gatewayUrl + location, { headers: h.auth })).json()) as { status: string }).status, "pending");

		h.lastmile.setFaults({ mode: "none" });
		const done = await eventually("the queued booking completed", async () => {
			const record = (await (await fetch(h.gatewayUrl + location, { headers: h.auth })).json()) as { status: string; confirmation?: { trackingCode: string } };
			return record.status === "booked" ? record : undefined;
		}, 30_000);
		assert.ok(done.confirmation?.trackingCode);
		assert.equal((await post(booking("REF-QUEUED-1"))).status, 201, "the same reference again is the booked booking");
		assert.equal(h.lastmile.stats().bookings, 2, "one carrier booking per reference");
	});
});

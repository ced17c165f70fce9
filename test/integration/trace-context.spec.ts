import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseTraceparent, traceIdOf } from "../../canonical/index.ts";
import type { RecordedRequest } from "../../simulators/sim-server.ts";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { testOrder } from "../helpers/orders.ts";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN = "b7ad6b7169203331";
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
/** An order for the X12 warehouse: its 945, 856 and the 997s that answer them belong to its trace too. */
const X12_TRACE_ID = "5c1bd1f1c5b84d0e9a3b6f0d2e4a7c19";

interface Entry {
	kind: string;
	type: string;
	channel: string;
	messageId: string;
	traceparent?: string;
}

/** A partner request that names the order (and not another whose id it begins). */
const about = (orderId: string) => {
	const named = new RegExp(`${orderId}(?![\\w-])`);
	return (r: RecordedRequest) => !r.path.startsWith("/_sim") && (named.test(r.path) || named.test(JSON.stringify(r.body ?? "")));
};

describe("trace context end to end (embedded)", () => {
	let h: Harness;
	const requests = () => ({ erp: h.erp.received(), wms: h.wms.received(), lastmile: h.lastmile.received() });

	before(async () => {
		h = await startHarness({ mode: "embedded" });
		const release = (orderId: string, headers: Record<string, string>, warehouse?: string) =>
			fetch(`${h.gatewayUrl}/api/v1/orders`, { method: "POST", headers: { "content-type": "application/json", ...h.auth, ...headers }, body: JSON.stringify({ ...testOrder(orderId, 2), ...(warehouse ? { warehouse } : {}) }) });
		assert.equal((await release("SO-TRACED", { traceparent: TRACEPARENT })).status, 202);
		assert.equal((await release("SO-UNTRACED", {})).status, 202);
		assert.equal((await release("SO-TRACED-X12", { traceparent: `00-${X12_TRACE_ID}-${CALLER_SPAN}-01` }, "WH2")).status, 202);
		await eventually("the orders invoiced", async () => (await h.client.call<{ invoiced: number }>("saga.stats")).invoiced === 3, 60_000);
	});
	after(async () => h?.stop());

	it("sends every partner call for the order with a traceparent of the caller's trace, each call a span of its own", () => {
		for (const [system, received] of Object.entries(requests())) {
			const calls = received.filter(about("SO-TRACED"));
			assert.ok(calls.length > 0, `${system} was called for the order`);
			for (const call of calls) {
				const context = parseTraceparent(call.headers.traceparent);
				assert.ok(context, `${system} ${call.method} ${call.path} carries a valid traceparent`);
				assert.equal(context.traceId, TRACE_ID, `${system} ${call.method} ${call.path}`);
				assert.notEqual(context.parentId, CALLER_SPAN, "the parent is Waybill's span, not the ERP's");
				assert.equal(context.flags, "01");
			}
		}
	});

	it("starts a trace for an order released without one, and keeps to it across every partner", () => {
		const traces = new Set(Object.values(requests()).flatMap((received) => received.filter(about("SO-UNTRACED")).map((r) => traceIdOf(r.headers.traceparent))));
		assert.equal(traces.size, 1);
		const [trace] = traces;
		assert.ok(trace && trace !== TRACE_ID);
	});

	it("carries the trace id on every fact, status change and command of the order, as the ledger records them", async () => {
		const entries = await h.client.call<Entry[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-TRACED" });
		const messages = entries.filter((e) => ["fact", "status", "command"].includes(e.kind));
		const channels = new Set(messages.map((e) => e.channel));
		for (const channel of ["events", "commands-erp", "commands-wms", "commands-lastmile"]) assert.ok(channels.has(channel), `the order has messages on ${channel}`);
		const untraced = messages.filter((e) => traceIdOf(e.traceparent) !== TRACE_ID).map((e) => `${e.channel} ${e.type}`);
		assert.deepEqual(untraced, []);
		const release = entries.find((e) => e.kind === "inbound" && e.type === "inbound.partner-message.received")!;
		assert.equal(traceIdOf(release.traceparent), TRACE_ID);
		// The partners' webhooks name no trace: each is received under one of its own, and what they prove continues the order's.
		const webhooks = entries.filter((e) => e.kind === "inbound" && e.messageId !== release.messageId);
		assert.ok(webhooks.length > 0);
		assert.ok(webhooks.every((e) => traceIdOf(e.traceparent) !== undefined && traceIdOf(e.traceparent) !== TRACE_ID));
	});

	it("keeps an X12 order's documents, and the functional acknowledgements for them, in its trace", async () => {
		const calls = h.wmsX12.received().filter(about("SO-TRACED-X12"));
		assert.ok(calls.length > 0);
		assert.ok(calls.every((r) => traceIdOf(r.headers.traceparent) === X12_TRACE_ID));
		const entries = await h.client.call<Entry[], { correlationId: string }>("ledger.byCorrelation", { correlationId: "SO-TRACED-X12" });
		const messages = entries.filter((e) => ["fact", "status", "command"].includes(e.kind));
		assert.ok(messages.some((e) => e.type === "wms.functional-ack.send"), "Waybill's 997 for the 3PL's documents is among them");
		assert.deepEqual(messages.filter((e) => traceIdOf(e.traceparent) !== X12_TRACE_ID).map((e) => `${e.channel} ${e.type}`), []);
	});

	it("shows the trace id on every hop of the order's trace", async () => {
		const trace = (await (await fetch(`${h.gatewayUrl}/api/v1/orders/SO-TRACED/trace`, { headers: h.auth })).json()) as { hops: Array<{ kind: string; traceId?: string }> };
		assert.ok(trace.hops.filter((hop) => hop.kind !== "inbound").every((hop) => hop.traceId === TRACE_ID));
	});
});

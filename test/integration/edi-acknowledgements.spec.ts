import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { issueKey } from "../helpers/api-keys.ts";

interface Sent {
	partner: string;
	groupControl: string;
	functionalId: string;
	orderId: string;
	state: string;
	resends: number;
	sets: Array<{ set: string; controlNumber: string }>;
	ack?: { status: string; sets: Array<{ accepted: boolean; problems?: string[] }> };
	command: { type: string };
}
interface Case { kind: string; severity: string; partner?: string; summary: string; resolvedAt?: string }

for (const mode of ["embedded", "distributed"] as const) {
	describe(`EDI acknowledgements both ways with the X12 3PL (${mode})`, () => {
		let h: Harness;
		const get = async <T>(path: string): Promise<T> => (await (await fetch(`${h.gatewayUrl}${path}`, { headers: h.auth })).json()) as T;
		const interchanges = (orderId: string) => get<Sent[]>(`/ops/edi/interchanges?orderId=${orderId}`);
		const cases = (orderId: string, kind: string) => get<Case[]>(`/ops/exceptions?status=all&orderId=${orderId}&type=${kind}`);

		before(async () => {
			// The partner has 1.5 s for its 997 here (an hour by default).
			process.env.EDI_ACK_WITHIN_MS = "1500";
			process.env.EDI_ACK_TICK_MS = "100";
			h = await startHarness({ mode });
		});
		after(async () => {
			await h?.stop();
			delete process.env.EDI_ACK_WITHIN_MS;
			delete process.env.EDI_ACK_TICK_MS;
		});

		it("answers the 3PL's 945 and 856 with Waybill's own 997s, and records the 3PL's 997 for the 940", async () => {
			assert.equal((await releaseOrder(h, { ...testOrder(`SO-ACK-${mode}-1`, 2), warehouse: "WH2" })).status, 202);
			await eventually("the order invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: `SO-ACK-${mode}-1` })).status === "invoiced", 60_000);
			await eventually("two 997s at the 3PL", async () => h.wmsX12.stats().acknowledgementsReceived >= 2, 20_000);
			const received = h.wmsX12.received().filter((r) => r.path === "/edi" && /\*FA\*/.test(String(r.body)));
			assert.ok(received.every((r) => /AK1\*SW\*|AK1\*SH\*/.test(String(r.body)) && /AK9\*A\*1\*1\*1/.test(String(r.body))), "each 997 accepts the one 945 or 856 it answers");
			const [sent] = await interchanges(`SO-ACK-${mode}-1`);
			assert.deepEqual([sent?.functionalId, sent?.state, sent?.sets.map((s) => s.set), sent?.command.type], ["OW", "accepted", ["940"], "wms.fulfillment-order.create"]);
		});

		it("raises an overdue 997 as a case, and resolves it when the interchange sent again is accepted", async () => {
			const orderId = `SO-ACK-${mode}-2`;
			h.wmsX12.withholdAcks(1);
			assert.equal((await releaseOrder(h, { ...testOrder(orderId, 1), warehouse: "WH2" })).status, 202);
			const [overdue] = await eventually("the 940 overdue", async () => (await interchanges(orderId)).filter((s) => s.state === "overdue").length === 1 && interchanges(orderId), 20_000);
			const [opened] = await eventually("an edi-ack-overdue case", async () => (await cases(orderId, "edi-ack-overdue")).length === 1 && cases(orderId, "edi-ack-overdue"), 20_000);
			assert.deepEqual([opened!.partner, opened!.severity, opened!.resolvedAt], ["edi-3pl", "warning", undefined]);
			assert.match(opened!.summary, new RegExp(`no 997 for group ${overdue!.groupControl} \\(940 0001\\)`));

			const operator = await issueKey(h, `ops: EDI desk (${mode})`, "operator");
			const resend = await fetch(`${h.gatewayUrl}/ops/edi/interchanges/edi-3pl/${overdue!.groupControl}/resend`, { method: "POST", headers: operator.auth });
			assert.equal(resend.status, 200);
			assert.equal(((await resend.json()) as { resends: number }).resends, 1);
			const recorded = await eventually("the resend in the ledger", async () => {
				const list = await h.client.call<Array<{ type: string; actor?: string }>, { correlationId: string }>("ledger.byCorrelation", { correlationId: `operator:edi-3pl/${overdue!.groupControl}` });
				const acted = list.filter((e) => e.type === "waybill.operator.acted");
				return acted.length > 0 ? acted : undefined;
			}, 20_000);
			assert.deepEqual(recorded.map((e) => e.actor), [operator.actor], "the resend, and the key that asked for it, is in the ledger");
			await eventually("the case resolved by the accepted resend", async () => (await cases(orderId, "edi-ack-overdue"))[0]?.resolvedAt, 20_000);
			const all = await interchanges(orderId);
			assert.deepEqual(all.map((s) => s.state).sort(), ["accepted", "overdue"], "the lost one stays overdue; the resend, a new interchange, is accepted");
			assert.notEqual(all[0]!.groupControl, all[1]!.groupControl);
			assert.equal(h.wmsX12.fulfillmentOrdersFor(orderId), 2, "the 3PL saw the 940 twice");
			await eventually("the order still completes once", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId })).status === "invoiced", 60_000);
			assert.equal(h.erp.invoicesFor(orderId), 1);
		});

		it("opens a critical case when the 3PL's 997, sent on its own later, rejects the 940", async () => {
			const orderId = `SO-ACK-${mode}-3`;
			h.wmsX12.answerAcks("async");
			h.wmsX12.rejectAcks(1);
			try {
				assert.equal((await releaseOrder(h, { ...testOrder(orderId, 1), warehouse: "WH2" })).status, 202);
				const [rejected] = await eventually("the 940 rejected", async () => (await interchanges(orderId)).filter((s) => s.state === "rejected").length === 1 && interchanges(orderId), 20_000);
				assert.deepEqual(rejected!.ack?.sets.map((s) => s.accepted), [false]);
				const [opened] = await eventually("an edi-ack-rejected case", async () => (await cases(orderId, "edi-ack-rejected")).length === 1 && cases(orderId, "edi-ack-rejected"), 20_000);
				assert.deepEqual([opened!.severity, opened!.partner], ["critical", "edi-3pl"]);
				assert.match(opened!.summary, /rejected group \d+ \(AK9 R\): 940 0001/);
				assert.equal(h.wmsX12.fulfillmentOrdersFor(orderId), 0, "a rejected 940 is not acted on");
			} finally {
				h.wmsX12.answerAcks("sync");
			}
		});

		it("shows Waybill's 997s in the order's trace, as commands to the 3PL", async () => {
			const trace = await h.client.call<{ hops: Array<{ type: string }> }, { orderId: string }>("ledger.trace", { orderId: `SO-ACK-${mode}-1` });
			assert.ok(trace.hops.some((x) => x.type === "wms.functional-ack.send"), "Waybill's 997s are commands in the ledger, traced to the order's documents");
		});
	});
}

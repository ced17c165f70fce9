import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";
import { replCommands } from "../../bin/repl-commands.ts";

/** Runs a REPL command as moleculer-repl would, and returns what it printed, parsed. */
async function run(h: Harness, command: string, params: Record<string, unknown> = {}): Promise<unknown> {
	const definition = replCommands.find((c) => c.command.split(" ")[0] === command);
	assert.ok(definition, `a REPL command '${command}'`);
	const printed: string[] = [];
	const original = console.log;
	console.log = (line: unknown) => void printed.push(String(line));
	try {
		await definition!.action(h.client, params);
	} finally {
		console.log = original;
	}
	return JSON.parse(printed.join("\n"));
}

describe("REPL commands for SREs, against a running platform", () => {
	let h: Harness;
	before(async () => {
		h = await startHarness({ mode: "embedded" });
		assert.equal((await releaseOrder(h, testOrder("SO-REPL-1"))).status, 202);
		await eventually("the order invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-REPL-1" })).status === "invoiced");
	});
	after(async () => h?.stop());

	it("order shows the unified status and timeline", async () => {
		const order = (await run(h, "order", { orderId: "SO-REPL-1" })) as { status: string; timeline: unknown[] };
		assert.equal(order.status, "invoiced");
		assert.ok(order.timeline.length >= 9);
	});

	it("trace lists the messages of a correlation id (the order's) in causal order", async () => {
		const trace = (await run(h, "trace", { correlationId: "SO-REPL-1" })) as { correlationId: string; hops: Array<{ type: string }> };
		assert.equal(trace.correlationId, "SO-REPL-1");
		assert.equal(trace.hops[1]!.type, "erp.order.released");
	});

	it("sla shows the clocks pending, next due first, and no order at risk or breached on the happy path", async () => {
		const sla = (await run(h, "sla")) as { clocks: { pending: number; next: Array<{ orderId: string; clock: string; dueAt: string }> }; atRisk: unknown[]; breached: unknown[] };
		assert.ok(sla.clocks.pending >= sla.clocks.next.length && sla.clocks.next.length > 0);
		assert.ok(sla.clocks.next.some((c) => c.orderId === "SO-REPL-1" && c.clock === "dispatch"), "the order's dispatch clock is armed");
		const due = sla.clocks.next.map((c) => Date.parse(c.dueAt));
		assert.deepEqual(due, [...due].sort((a, b) => a - b));
		assert.deepEqual([sla.atRisk, sla.breached], [[], []]);
	});

	it("ledger verify walks the chain", async () => {
		const result = (await run(h, "ledger", { action: "verify" })) as { ok: boolean; entries: number };
		assert.equal(result.ok, true);
		assert.ok(result.entries > 0);
	});

	it("breakers and partners show each partner's circuit and command backlog", async () => {
		const breakers = (await run(h, "breakers")) as Record<string, Array<{ partner: string; state: string }>>;
		assert.deepEqual(breakers.wms!.map((b) => [b.partner, b.state]), [["acme-3pl", "closed"]]);
		const partners = (await run(h, "partners")) as Record<string, { commandBacklog: number }>;
		assert.deepEqual(Object.keys(partners), ["erp", "wms", "lastmile"]);
		assert.ok(Object.values(partners).every((p) => typeof p.commandBacklog === "number"));
	});

	it("policies shows the policies in force; exceptions <orderId> shows every case of the order", async () => {
		const policies = (await run(h, "policies")) as { version: string; loadedAt: string; refused?: unknown };
		assert.match(policies.version, /^[0-9a-f]{12}$/);
		assert.equal(policies.refused, undefined);
		h.wms.setScenario({ orders: { "SO-REPL-2": { shortPick: [{ lineNo: 2, qtyPicked: 1 }] } } });
		assert.equal((await releaseOrder(h, testOrder("SO-REPL-2"))).status, 202);
		await eventually("the short order invoiced", async () => (await h.client.call<{ status: string }, { orderId: string }>("saga.getOrder", { orderId: "SO-REPL-2" })).status === "invoiced");
		const cases = (await run(h, "exceptions", { orderId: "SO-REPL-2" })) as Array<{ kind: string; state: string; owner: string }>;
		assert.deepEqual(cases.map((c) => [c.kind, c.owner, c.state]), [["short-pick", "inventory-control", "resolved"]]);
		assert.deepEqual(await run(h, "exceptions"), []);
	});

	it("dlq list shows the dead letters waiting", async () => {
		assert.deepEqual(await run(h, "dlq", { action: "list" }), []);
	});
});

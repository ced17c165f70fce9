import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "nats";
import { Redis } from "ioredis";
import { NATS_URL, REDIS_URL } from "../helpers/platform-harness.ts";

const run = promisify(execFile);
const REQUIRED_KEYS = ["orders", "delivered", "invoiced", "inFlight", "exceptions", "stuck", "ledgerEntries", "durationMs"];
const EXCEPTION_KEYS = ["shortPicks", "splitShipments", "backordered", "failedAttempts", "reattempted", "returned", "cancelled", "creditNotes", "slaBreaches"];

async function demo(args: string[]): Promise<Record<string, unknown>> {
	const { stdout } = await run(process.execPath, ["--import", "tsx", "bin/demo.ts", ...args, "--json"], {
		env: { ...process.env, TRANSPORTER: NATS_URL, REDIS_URL, LOG_LEVEL: "warn" },
		timeout: 240_000,
		maxBuffer: 16 * 1024 * 1024,
	});
	const lines = stdout.trim().split("\n");
	return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

function assertHappyRun(summary: Record<string, unknown>, orders: number): void {
	for (const key of REQUIRED_KEYS) assert.ok(key in summary, `summary has ${key}`);
	assert.equal(summary.orders, orders);
	assert.equal(summary.delivered, orders);
	assert.equal(summary.invoiced, orders);
	assert.equal(summary.inFlight, 0);
	assert.equal(summary.stuck, 0);
	assert.equal(summary.exceptions, 0);
	assert.equal(summary.ledgerVerified, true);
	// Every fifth sample order is express, which the routing policy gives the second courier.
	assert.deepEqual(summary.partners, { fulfillmentOrders: orders, x12FulfillmentOrders: 0, deliveryTasks: orders, rapidCourierTasks: Math.floor(orders / 5), invoices: orders, duplicateInvoices: 0, statusUpdates: orders * 9, shipmentConfirmations: orders });
	assert.ok((summary.ledgerEntries as number) >= orders * 40, "ledger holds every message of every order");
}

describe("npm run demo, as a newcomer runs it", () => {
	it("runs embedded with a realistic mix of exceptions by default: every order ends invoiced, cancelled or returned, none stuck", async () => {
		const orders = 80;
		const summary = await demo(["--orders", String(orders)]);
		for (const key of [...REQUIRED_KEYS, ...EXCEPTION_KEYS]) assert.equal(typeof summary[key], "number", `summary has ${key}`);
		const n = (key: string) => summary[key] as number;
		assert.deepEqual([n("stuck"), n("inFlight"), summary.ledgerVerified], [0, 0, true]);
		assert.equal(n("invoiced") + n("cancelled") + n("returned"), orders, "every order reached an end");
		const exceptions = EXCEPTION_KEYS.filter((k) => k !== "slaBreaches").reduce((sum, k) => sum + n(k), 0);
		assert.ok(exceptions > 0, "the mix played some exception flows");
		assert.ok(n("failedAttempts") >= n("reattempted"), "a re-attempt follows a failed attempt");
		assert.ok(n("creditNotes") >= n("returned"), "every returned order was credited");
		const partners = summary.partners as { invoices: number; duplicateInvoices: number };
		assert.equal(partners.duplicateInvoices, 0);
	});

	it("runs embedded with --scenario happy and prints a summary where every order is delivered and invoiced", async () => {
		assertHappyRun(await demo(["--orders", "30", "--scenario", "happy"]), 30);
	});

	it("runs with a warehouse partner over X12 beside the JSON one (--x12), every order delivered and invoiced once", async () => {
		const summary = await demo(["--orders", "20", "--x12", "--scenario", "happy"]);
		assert.deepEqual([summary.delivered, summary.invoiced, summary.stuck, summary.deadLetters], [20, 20, 0, 0]);
		const partners = summary.partners as { fulfillmentOrders: number; x12FulfillmentOrders: number; invoices: number; duplicateInvoices: number };
		assert.deepEqual([partners.fulfillmentOrders, partners.x12FulfillmentOrders, partners.invoices, partners.duplicateInvoices], [20, 10, 20, 0]);
	});

	it("runs distributed, one process per service over NATS and Redis, and removes its streams and keys", async () => {
		const summary = await demo(["--distributed", "--orders", "12", "--scenario", "happy"]);
		assertHappyRun(summary, 12);
		const namespace = String(summary.namespace);
		const nc = await connect({ servers: NATS_URL });
		const jsm = await nc.jetstreamManager();
		const left: string[] = [];
		for await (const info of jsm.streams.list()) if (info.config.name.startsWith(namespace.toUpperCase().replace(/[^A-Z0-9_]/g, "_"))) left.push(info.config.name);
		await nc.close();
		assert.deepEqual(left, [], "no streams of the demo's namespace remain");
		const redis = new Redis(REDIS_URL);
		const [, keys] = await redis.scan(0, "MATCH", `${namespace}:*`, "COUNT", 1000);
		await redis.quit();
		assert.deepEqual(keys, [], "no keys of the demo's namespace remain");
	});
});

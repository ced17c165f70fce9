import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "nats";
import { Redis } from "ioredis";
import { NATS_URL, REDIS_URL } from "../helpers/platform-harness.ts";

const run = promisify(execFile);
const REQUIRED_KEYS = ["orders", "delivered", "invoiced", "inFlight", "exceptions", "stuck", "ledgerEntries", "durationMs"];

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
	assert.deepEqual(summary.partners, { fulfillmentOrders: orders, x12FulfillmentOrders: 0, deliveryTasks: orders, invoices: orders, duplicateInvoices: 0, statusUpdates: orders * 9, shipmentConfirmations: orders });
	assert.ok((summary.ledgerEntries as number) >= orders * 40, "ledger holds every message of every order");
}

describe("npm run demo, as a newcomer runs it", () => {
	it("runs embedded and prints a summary where every order is delivered and invoiced", async () => {
		assertHappyRun(await demo(["--orders", "30"]), 30);
	});

	it("runs with a warehouse partner over X12 beside the JSON one (--x12), every order delivered and invoiced once", async () => {
		const summary = await demo(["--orders", "20", "--x12"]);
		assert.deepEqual([summary.delivered, summary.invoiced, summary.stuck, summary.deadLetters], [20, 20, 0, 0]);
		const partners = summary.partners as { fulfillmentOrders: number; x12FulfillmentOrders: number; invoices: number; duplicateInvoices: number };
		assert.deepEqual([partners.fulfillmentOrders, partners.x12FulfillmentOrders, partners.invoices, partners.duplicateInvoices], [20, 10, 20, 0]);
	});

	it("runs distributed, one process per service over NATS and Redis, and removes its streams and keys", async () => {
		const summary = await demo(["--distributed", "--orders", "12"]);
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

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrivateNats } from "../helpers/private-nats.ts";
import { PrivateRedis } from "../helpers/private-redis.ts";
import { Cluster } from "./fault-injection/cluster.ts";
import { say } from "./fault-injection/log.ts";
import { describeShares } from "./horizontal-scale/process-metrics.ts";
import { metricsPortsFor, runScenario, type ScenarioResult } from "./horizontal-scale/scenario.ts";

/**
 * Horizontal scale, locally: three processes each of mapper, saga and ledger (one each of the
 * rest) over one private NATS and Redis, 300 orders released through the API at a steady rate,
 * one saga and one mapper SIGKILLed after a third of them and not restarted. Every process of a
 * service pulls from the same durable consumers, one message in flight per partition, so the work
 * spreads, per-order order holds, and a dead process's unacked message goes to a survivor.
 */
const ORDERS = 300;
const SCALED = ["mapper", "saga", "ledger"] as const;
const REPLICAS = 3;
const KILLED = ["saga-2", "mapper-2"];
const MIN_SHARE = 0.1;
const STEP_DELAY_MS = 20;
/** From the start: leaves the after hook its time within npm test's 180 s per test. */
const SETTLE_WITHIN_MS = 150_000;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe("horizontal scale: three processes each of mapper, saga and ledger over one NATS and one Redis", () => {
	const runId = randomUUID().slice(0, 6);
	const logDir = mkdtempSync(join(tmpdir(), "waybill-hscale-"));
	let nats: PrivateNats | undefined;
	let redis: PrivateRedis | undefined;
	let cluster: Cluster | undefined;
	let run: ScenarioResult | undefined;

	async function cleanup(): Promise<void> {
		process.off("SIGINT", interrupted);
		process.off("SIGTERM", interrupted);
		await cluster?.stop().catch((e: unknown) => say(`stopping processes: ${(e as Error).message}`));
		await nats?.destroy().catch(() => undefined);
		await redis?.destroy().catch(() => undefined);
		if (process.env.CHAOS_KEEP_LOGS) say(`logs kept in ${logDir}`);
		else rmSync(logDir, { recursive: true, force: true });
	}
	function interrupted(): void {
		void cleanup().finally(() => process.exit(130));
	}

	before(async () => {
		const startedAt = Date.now();
		process.once("SIGINT", interrupted);
		process.once("SIGTERM", interrupted);
		nats = await PrivateNats.start();
		redis = await PrivateRedis.start({ logFile: join(logDir, "redis-server.log") });
		let ports = new Map<string, number>();
		cluster = new Cluster(`hscale-${runId}`, logDir, nats, redis, STEP_DELAY_MS, {
			replicas: Object.fromEntries(SCALED.map((s) => [s, REPLICAS])),
			envFor: (instance): Record<string, string> => ({ METRICS: "true", METRICS_PORT: String(ports.get(instance)) }),
		});
		ports = await metricsPortsFor(cluster);
		await cluster.start();
		say(`${cluster.namespace}: ${ports.size} service processes up after ${seconds(Date.now() - startedAt)}; logs in ${logDir}`);
		run = await runScenario(cluster, ports, nats.url, redis.url, {
			runId, orders: ORDERS, ratePerSecond: 10, concurrency: 8, scaled: SCALED, killed: KILLED, killAfterAccepted: Math.ceil(ORDERS / 3), settleDeadline: startedAt + SETTLE_WITHIN_MS,
		});
	}, { timeout: 175_000 });

	after(cleanup, { timeout: 60_000 });

	it("every mapper, saga and ledger process handles a substantial share of its group's messages", (t) => {
		const { beforeKill, afterKill } = run!;
		for (const line of describeShares(beforeKill)) t.diagnostic(`before the kill: ${line}`);
		for (const line of describeShares(afterKill)) t.diagnostic(`after the kill: ${line}`);
		for (const s of beforeKill) assert.ok(s.share >= MIN_SHARE, `${s.instance} handled ${Math.round(s.share * 100)}% of ${s.group}'s messages before the kill (${s.processed})`);
		for (const s of afterKill) assert.ok(s.share >= MIN_SHARE, `${s.instance} handled ${Math.round(s.share * 100)}% of ${s.group}'s messages after the kill (${s.processed})`);
	});

	it("the surviving processes take over when one saga and one mapper are killed mid-run, and invoice every order", (t) => {
		const { accepted, acceptedAtKill, sagasRead, driver, settled, findings, killedAt, releaseDoneAt, lastInvoicedAt, droppedAt, failures, unexpectedExits } = run!;
		t.diagnostic(`${ORDERS} orders at 10/s; ${KILLED.join(" and ")} SIGKILLed with ${acceptedAtKill} accepted, not restarted; release retries ${driver.retries}`);
		t.diagnostic(`last order invoiced ${seconds(lastInvoicedAt - killedAt)} after the kill, ${seconds(lastInvoicedAt - releaseDoneAt)} after the last release; order to invoice p95 ${seconds(findings.p95OrderToInvoiceMs)}, max ${seconds(findings.maxOrderToInvoiceMs)}`);
		t.diagnostic(`killed nodes dropped from the registry after: ${Object.entries(droppedAt).map(([node, at]) => `${node.replace(`${cluster!.namespace}-`, "")} ${seconds(at - killedAt)}`).join(", ") || "(not within the run)"}`);
		t.diagnostic(`failed attempts, retried by the streams: ${JSON.stringify(failures)}`);
		assert.equal(accepted, ORDERS, `every order accepted (refused ${JSON.stringify(driver.refused.slice(0, 3))}, unreleased ${driver.unreleased.length})`);
		assert.equal(sagasRead, accepted, "every accepted order's saga read from Redis (none found: evidence.ts's key names no longer match the saga store's)");
		assert.equal(settled.settled, true, `settled before the deadline: ${JSON.stringify(settled)}`);
		assert.equal(findings.completed, ORDERS, `every order invoiced: ${JSON.stringify(findings.details.notInvoiced)}`);
		assert.deepEqual(unexpectedExits, [], "no process died on its own");
	});

	it("every order has exactly one fulfillment order, delivery task and invoice at the partners", () => {
		const { findings } = run!;
		assert.equal(findings.duplicateSideEffects, 0, JSON.stringify(findings.details.duplicatedSideEffects));
		assert.equal(findings.missingSideEffects, 0, JSON.stringify(findings.details.missingSideEffects));
		assert.equal(findings.duplicateShipmentConfirmations, 0, "shipment confirmations");
	});

	it("the ledger records every stored message exactly once and its hash chain verifies", (t) => {
		const { findings, ledgerVerify, ledgerIdDuplicates } = run!;
		t.diagnostic(`ledger: ${findings.ledgerEntries} entries for ${findings.streamMessages} stream messages, chain ${ledgerVerify.ok ? "verified" : "broken"}`);
		assert.equal(ledgerVerify.ok, true, `hash chain: ${JSON.stringify(ledgerVerify)}`);
		assert.equal(findings.ledgerEntries, ledgerVerify.entries, "entries the checker read from Redis against the ledger's own count (0 read: evidence.ts's key names no longer match the ledger store's)");
		assert.equal(findings.ledgerDuplicates, 0, JSON.stringify(findings.details.ledgerDuplicates));
		assert.deepEqual(ledgerIdDuplicates.slice(0, 5), [], "no message id recorded twice");
		assert.equal(findings.ledgerMissing, 0, JSON.stringify(findings.details.ledgerMissing));
		assert.equal(findings.ledgerOrphans, 0, JSON.stringify(findings.details.ledgerOrphans));
		assert.equal(findings.ledgerHoles, 0, "holes in the chain");
		assert.equal(findings.deadLettered, 0, JSON.stringify(findings.details.unexpectedDeadLetters));
	});

	it("each order's statuses advance in lattice order at the saga and reach the ERP in that order", (t) => {
		const { ordering, sampleStatuses } = run!;
		t.diagnostic(`each order's statuses, saga and ERP alike: ${sampleStatuses.join(" > ")}`);
		assert.ok(sampleStatuses.length >= 8, "a whole status chain to compare");
		assert.deepEqual(ordering.slice(0, 5), [], `${ordering.length} orders out of order`);
	});
});

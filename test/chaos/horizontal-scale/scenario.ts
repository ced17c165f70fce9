import { createServer } from "node:net";
import type { Context } from "moleculer";
import { sampleOrder } from "../../../bin/demo/order-factory.ts";
import { ORDER_STATUS } from "../../../canonical/order-status.ts";
import { check, type Findings } from "../fault-injection/checker.ts";
import { SERVICES, type Cluster } from "../fault-injection/cluster.ts";
import { OrderDriver } from "../fault-injection/driver.ts";
import { readLedger, readSagas, readSideEffects, readStreams } from "../fault-injection/evidence.ts";
import { say, sleep } from "../fault-injection/log.ts";
import { erpStatusesByOrder, orderingViolations, sagaStatuses, type OrderingViolation } from "./order-sequence.ts";
import { failuresOf, processedBy, sharesOf, type Share } from "./process-metrics.ts";
import { waitUntilSettled, type Settled } from "./settle.ts";

export interface ScenarioOptions {
	runId: string;
	orders: number;
	ratePerSecond: number;
	concurrency: number;
	/** Services run as several processes; their shares are measured. */
	scaled: readonly string[];
	/** Instances SIGKILLed, and not restarted, once `killAfterAccepted` orders were accepted. */
	killed: string[];
	killAfterAccepted: number;
	settleDeadline: number;
}

export interface ScenarioResult {
	accepted: number;
	driver: OrderDriver;
	beforeKill: Share[];
	/** What each survivor handled between the kill and the end, as its part of its group's. */
	afterKill: Share[];
	killedAt: number;
	acceptedAtKill: number;
	releaseDoneAt: number;
	lastInvoicedAt: number;
	/** When the control broker's registry dropped each killed node (Moleculer's heartbeat timeout). */
	droppedAt: Record<string, number>;
	/** Failed handling attempts (each retried by its stream) per surviving process, by error type. */
	failures: Record<string, Record<string, number>>;
	settled: Settled;
	findings: Findings;
	ledgerVerify: { ok: boolean; entries: number; brokenAt?: number; reason?: string };
	/** Message ids the ledger holds more than once, on any channel. */
	ledgerIdDuplicates: string[];
	ordering: OrderingViolation[];
	/** Sagas the checker found in Redis for the accepted orders (its own read, not the saga's). */
	sagasRead: number;
	sampleStatuses: string[];
	unexpectedExits: Cluster["unexpectedExits"];
}

/** A free metrics port per process of the cluster, for `envFor` (allocated before it starts). */
/**
 * A free port below Linux's ephemeral range (32768 and up): a port the OS hands out for port 0 can be
 * taken by some process's outgoing connection before the exporter binds it, and a NATS client that
 * keeps it makes that exporter fail at every restart (seen once: a mapper crash-looping a whole run).
 */
function freeFixedPort(): Promise<number> {
	const port = 20_000 + Math.floor(Math.random() * 10_000);
	return new Promise((resolve) => {
		const probe = createServer();
		probe.once("error", () => resolve(freeFixedPort()));
		probe.listen(port, "0.0.0.0", () => probe.close(() => resolve(port)));
	});
}

export async function metricsPortsFor(cluster: Cluster): Promise<Map<string, number>> {
	const ports = new Map<string, number>();
	for (const instance of SERVICES.flatMap((s) => cluster.instancesOf(s))) {
		let port = await freeFixedPort();
		while ([...ports.values()].includes(port)) port = await freeFixedPort();
		ports.set(instance, port);
	}
	return ports;
}

/** Releases the orders, kills mid-run, waits for the flow to settle, then reads every witness. */
export async function runScenario(c: Cluster, ports: Map<string, number>, natsUrl: string, redisUrl: string, o: ScenarioOptions): Promise<ScenarioResult> {
	const droppedAt: Record<string, number> = {};
	c.broker.createService({ name: "hscale-watch", events: { "$node.disconnected"(ctx: Context<{ node: { id: string } }>) { droppedAt[ctx.params.node.id] = Date.now(); } } });
	const scaled = o.scaled.flatMap((service) => c.instancesOf(service).map((instance) => ({ service, instance })));
	const snapshot = (alive: typeof scaled) => Promise.all(alive.map(({ service, instance }) => processedBy(instance, service, ports.get(instance)!)));

	const driver = new OrderDriver(c.gatewayUrl, c.secrets.adminKey, Array.from({ length: o.orders }, (_, i) => sampleOrder(o.runId, i + 1)), o.concurrency, o.ratePerSecond);
	let releaseDoneAt = 0;
	const releasing = driver.run().then(() => (releaseDoneAt = Date.now()));
	while (driver.accepted.size < o.killAfterAccepted && releaseDoneAt === 0) await sleep(100);
	const beforeKill = sharesOf(await snapshot(scaled));
	const killedAt = Date.now();
	const acceptedAtKill = driver.accepted.size;
	await Promise.all(o.killed.map((instance) => c.kill(instance)));
	say(`killed ${o.killed.join(", ")} with ${driver.accepted.size}/${o.orders} orders accepted`);

	await releasing;
	const live = (service: string) => c.instancesOf(service).find((i) => !o.killed.includes(i))!;
	const settled = await waitUntilSettled(c, live, driver.accepted.size, o.settleDeadline);
	const survivors = scaled.filter((p) => !o.killed.includes(p.instance));
	const since = (await snapshot(survivors)).map((s) => ({ ...s, processed: s.processed - (beforeKill.find((b) => b.instance === s.instance)?.processed ?? 0) }));
	const failures: Record<string, Record<string, number>> = {};
	for (const instance of SERVICES.flatMap((s) => c.instancesOf(s)).filter((i) => !o.killed.includes(i))) {
		const byType = await failuresOf(instance, ports.get(instance)!);
		if (Object.keys(byType).length > 0) failures[instance] = byType;
	}

	const ledgerVerify = await c.broker.call<ScenarioResult["ledgerVerify"], object>("ledger.verify", {}, { nodeID: c.nodeIdOf(live("ledger")), timeout: 60_000 });
	const orderIds = [...driver.accepted.keys()];
	const { sagas } = await readSagas(redisUrl, c.namespace, orderIds);
	const ledger = await readLedger(redisUrl, c.namespace);
	const findings = check({ accepted: driver.accepted, sagas, streams: await readStreams(natsUrl, c.namespace), ledger, sideEffects: await readSideEffects(c.simUrls), poison: [] });
	const ledgerIdDuplicates = [...Map.groupBy(ledger.entries, (e) => e.messageId)].filter(([, es]) => es.length > 1).map(([id, es]) => `${id} x${es.length} (${es.map((e) => e.channel).join(", ")})`);
	const ordering = orderingViolations(orderIds, sagas, await erpStatusesByOrder(c.simUrls.erp), ORDER_STATUS.INVOICED);
	const invoicedAt = [...sagas.values()].map((s) => Date.parse(s?.timeline.find((e) => e.status === ORDER_STATUS.INVOICED)?.recordedAt ?? "") || 0);
	const first = sagas.get(orderIds[0] ?? "");
	return {
		accepted: driver.accepted.size, driver, beforeKill, afterKill: sharesOf(since), killedAt, acceptedAtKill, releaseDoneAt, lastInvoicedAt: Math.max(...invoicedAt), droppedAt, failures,
		settled, findings, ledgerVerify, ledgerIdDuplicates, ordering, sagasRead: [...sagas.values()].filter(Boolean).length, sampleStatuses: first ? sagaStatuses(first) : [], unexpectedExits: [...c.unexpectedExits],
	};
}

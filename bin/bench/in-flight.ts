import type { SalesOrder } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { DemoPlatform } from "../demo/platform.ts";
import { releaseOrders } from "../demo/order-pump.ts";
import { ledgerCountBetween, ledgerEntriesBetween } from "./ledger-reader.ts";
import { ledgerLatencies } from "./ledger-latency.ts";
import { offerAtRate } from "./open-loop.ts";
import type { Percentiles } from "./percentiles.ts";
import { redisUsedMemory } from "./redis-memory.ts";

export interface InFlightLevel {
	ordersInFlight: number;
	/** Redis used_memory grown since before the first order, per order in flight. */
	redisBytesPerOrder: number;
	/** The same, for the orders added since the previous level only (what one more order costs there). */
	marginalRedisBytesPerOrder: number;
	/** A probe of releases at a low fixed rate with this many orders in flight: ingress to the ledger commit of its fact. */
	probeIngressToFact: Percentiles;
	/** Minutes the fill to this level took. */
	fillMinutes: number;
}

/** Quiet for this long means every order released so far has reached its waiting point. */
const SETTLED_QUIET_MS = 3_000;

/**
 * Orders held in flight (the partners accept them and then wait), filled level by level; at each
 * level, Redis memory per order and the latency of a probe at a low fixed rate. Growth from one
 * level to the next in either is what a platform team needs to know before a peak.
 */
export async function measureInFlight(
	platform: DemoPlatform,
	store: Store,
	redisUrl: string,
	levels: number[],
	nextOrder: () => SalesOrder,
	probe: { ordersPerSecond: number; ms: number },
	log: (line: string) => void,
): Promise<InFlightLevel[]> {
	const baseline = await redisUsedMemory(redisUrl);
	const out: InFlightLevel[] = [];
	let inFlight = 0;
	let previousMemory = baseline;
	let inFlightAtPreviousMemory = 0;
	for (const level of levels) {
		const fillStarted = Date.now();
		const batch = Array.from({ length: level - inFlight }, nextOrder);
		for (let i = 0; i < batch.length; i += 5_000) {
			await releaseAll(platform, batch.slice(i, i + 5_000));
			log(`in flight: ${inFlight + Math.min(i + 5_000, batch.length)} of ${level} released`);
		}
		await settled(store);
		inFlight = level;
		const fillMinutes = Math.round(((Date.now() - fillStarted) / 60_000) * 10) / 10;
		const memory = await redisUsedMemory(redisUrl);
		const probeStarted = Date.now();
		const offered = await offerAtRate(platform, probe.ordersPerSecond, probe.ms, nextOrder);
		await settled(store);
		const entries = await ledgerEntriesBetween(store, probeStarted, Date.now());
		const latency = ledgerLatencies(entries, { fromMs: probeStarted, toMs: Date.now() }, offered.sentAt);
		inFlight += offered.accepted;
		out.push({
			ordersInFlight: level,
			redisBytesPerOrder: Math.round((memory - baseline) / level),
			marginalRedisBytesPerOrder: Math.round((memory - previousMemory) / (level - inFlightAtPreviousMemory)),
			probeIngressToFact: latency.ingressToFact,
			fillMinutes,
		});
		previousMemory = await redisUsedMemory(redisUrl);
		inFlightAtPreviousMemory = inFlight;
		log(`in flight: ${level}: ${out.at(-1)!.redisBytesPerOrder} Redis bytes per order, probe p99 ${latency.ingressToFact.p99} ms`);
	}
	return out;
}

/** Releases in flight at once while filling: faster than the platform drains, so its backpressure paces the fill. */
const FILL_CONCURRENCY = 16;
const OVERLOADED_PAUSE_MS = 5_000;

/**
 * Releases every order, as a patient client: one the gateway sheds (503 overloaded, 429) is sent
 * again after a pause, however often; any other refusal stops the benchmark.
 */
async function releaseAll(platform: DemoPlatform, orders: SalesOrder[]): Promise<void> {
	let pending = orders;
	while (pending.length > 0) {
		const { rejected } = await releaseOrders(platform, pending, FILL_CONCURRENCY, () => undefined);
		const other = rejected.find((r) => r.status !== 503 && r.status !== 429);
		if (other) throw new Error(`in-flight fill: a release was refused: ${JSON.stringify(other)}`);
		const shed = new Set(rejected.map((r) => r.orderId));
		pending = pending.filter((o) => shed.has(o.orderId));
		if (pending.length > 0) await new Promise((r) => setTimeout(r, OVERLOADED_PAUSE_MS));
	}
}

/** Waits until the ledger has taken nothing new for SETTLED_QUIET_MS. */
async function settled(store: Store): Promise<void> {
	for (;;) {
		if ((await ledgerCountBetween(store, Date.now() - SETTLED_QUIET_MS, Date.now())) === 0) return;
		await new Promise((r) => setTimeout(r, 1_000));
	}
}

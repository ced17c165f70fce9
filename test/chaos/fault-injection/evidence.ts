import { Redis } from "ioredis";
import { connect } from "nats";
import { ALL_CHANNELS, assertValidMessage, type Envelope } from "../../../canonical/index.ts";
import { STREAM_NOT_FOUND, apiErrorCode, streamName } from "../../../mixins/streams/jetstream-layout.ts";
import type { LedgerEntry } from "../../../services/ledger/ledger-entry.ts";
import type { OrderSaga } from "../../../services/saga/order-saga.ts";
import type { SimKind } from "./cluster.ts";

/**
 * Reads what the run left behind, straight from where it is kept (JetStream, Redis, the
 * simulators' memory), not through the services under test: the checker must not trust the
 * system's own account of itself.
 */

export interface StreamMessage {
	channel: string;
	seq: number;
	stream: string;
	raw: string;
	/** Parsed JSON, when the bytes are JSON at all. */
	json?: unknown;
	/** Set when the message passes the canonical gate (envelope, known type, dataschema, data). */
	envelope?: Envelope;
}

/** Every message of every stream of the namespace, in stream order, through ordered consumers. */
export async function readStreams(natsUrl: string, namespace: string): Promise<StreamMessage[]> {
	const nc = await connect({ servers: natsUrl, name: `chaos-checker-${namespace}` });
	const out: StreamMessage[] = [];
	try {
		const jsm = await nc.jetstreamManager();
		const js = nc.jetstream();
		for (const channel of ALL_CHANNELS) {
			const name = streamName(namespace, channel);
			const info = await jsm.streams.info(name).catch((e: unknown) => {
				if (apiErrorCode(e) === STREAM_NOT_FOUND) return undefined;
				throw e;
			});
			if (!info || info.state.messages === 0) continue;
			const consumer = await js.consumers.get(name);
			const messages = await consumer.consume({ max_messages: 1_000 });
			for await (const m of messages) {
				const raw = m.string();
				const message: StreamMessage = { channel, seq: m.seq, stream: name, raw };
				try {
					message.json = JSON.parse(raw);
					message.envelope = assertValidMessage(structuredClone(message.json));
				} catch {
					/* kept as it is: the checker reports it as unparseable */
				}
				out.push(message);
				if (m.seq >= info.state.last_seq) break;
			}
			await messages.close();
		}
	} finally {
		await nc.close();
	}
	return out;
}

export interface LedgerEvidence {
	/** The head's sequence: how many entries the chain claims. */
	head: number;
	entries: LedgerEntry[];
	/** Sequences up to the head with no entry key (verify would fail on these). */
	holes: number[];
	/** Entry keys in Redis, wherever they sit (more than `head` means entries past the head). */
	entryKeys: number;
}

export async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
	const redis = new Redis(url, { maxRetriesPerRequest: 3 });
	try {
		return await use(redis);
	} finally {
		redis.disconnect();
	}
}

export async function readLedger(redisUrl: string, namespace: string): Promise<LedgerEvidence> {
	return withRedis(redisUrl, async (redis) => {
		const headJson = await redis.hget(`${namespace}:{ledger}:head`, "d");
		const head = headJson ? (JSON.parse(headJson) as { seq: number }).seq : 0;
		const entries: LedgerEntry[] = [];
		const holes: number[] = [];
		for (let from = 1; from <= head; from += 1_000) {
			const seqs = Array.from({ length: Math.min(1_000, head - from + 1) }, (_, i) => from + i);
			const values = await redis.mget(seqs.map((s) => `${namespace}:{ledger}:entry:${s}`));
			values.forEach((v, i) => (v === null ? holes.push(seqs[i]!) : entries.push(JSON.parse(v) as LedgerEntry)));
		}
		let entryKeys = 0;
		let cursor = "0";
		do {
			const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:{ledger}:entry:*`, "COUNT", 2_000);
			entryKeys += keys.length;
			cursor = next;
		} while (cursor !== "0");
		return { head, entries, holes, entryKeys };
	});
}

/** Each order's saga as the store holds it, and how many sagas exist in all. */
export async function readSagas(redisUrl: string, namespace: string, orderIds: string[]): Promise<{ sagas: Map<string, OrderSaga | undefined>; total: number }> {
	return withRedis(redisUrl, async (redis) => {
		const sagas = new Map<string, OrderSaga | undefined>();
		for (let i = 0; i < orderIds.length; i += 500) {
			const batch = orderIds.slice(i, i + 500);
			const pipeline = redis.pipeline();
			for (const id of batch) pipeline.hget(`${namespace}:saga:order:{${id}}`, "d");
			const replies = (await pipeline.exec()) ?? [];
			batch.forEach((id, j) => {
				const json = replies[j]?.[1] as string | null | undefined;
				sagas.set(id, json ? (JSON.parse(json) as OrderSaga) : undefined);
			});
		}
		return { sagas, total: await redis.zcard(`${namespace}:saga:orders`) };
	});
}

export interface SideEffects {
	fulfillmentOrders: Map<string, number>;
	deliveryTasks: Map<string, number>;
	invoices: Map<string, number>;
	/** ERP shipment confirmations per order, when the ERP simulator counts them. */
	shipmentConfirmations?: Map<string, number>;
	/** Where each count came from: the simulator's own per-order map, or counted from its request log. */
	source: Record<"fulfillmentOrders" | "deliveryTasks" | "invoices", string>;
	stats: Record<SimKind, unknown>;
}

interface Received {
	method: string;
	path: string;
	headers: Record<string, string>;
	body: unknown;
}

async function getJson<T>(url: string): Promise<T> {
	const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
	if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
	return (await response.json()) as T;
}

/**
 * Resources each simulator created per order. When a simulator does not keep a per-order map,
 * the count is rebuilt from its request log as distinct Idempotency-Keys per order: a retry
 * with the same key is a replay the partner answers from memory, not a second resource.
 */
export async function readSideEffects(simUrls: Record<SimKind, string>): Promise<SideEffects> {
	const stats = {
		erp: await getJson<Record<string, unknown>>(`${simUrls.erp}/_sim/stats`),
		wms: await getJson<Record<string, unknown>>(`${simUrls.wms}/_sim/stats`),
		lastmile: await getJson<Record<string, unknown>>(`${simUrls.lastmile}/_sim/stats`),
	};
	const fromStats = (sim: SimKind, field: string) => {
		const map = stats[sim][field];
		return map && typeof map === "object" ? new Map(Object.entries(map as Record<string, number>)) : undefined;
	};
	const fromLog = async (sim: SimKind, path: string, orderOf: (body: unknown) => string | undefined) => {
		const keys = new Map<string, Set<string>>();
		for (const r of await getJson<Received[]>(`${simUrls[sim]}/_sim/received`)) {
			if (r.method !== "POST" || r.path.split("?")[0] !== path) continue;
			const order = orderOf(r.body);
			if (!order) continue;
			const set = keys.get(order) ?? new Set<string>();
			set.add(r.headers["idempotency-key"] ?? `(no key ${keys.size})`);
			keys.set(order, set);
		}
		return new Map([...keys].map(([order, set]) => [order, set.size]));
	};
	const source = { fulfillmentOrders: "wms stats.fulfillmentOrdersByOrder", deliveryTasks: "lastmile stats.tasksByOrder", invoices: "erp stats.invoicesByOrder" };
	let fulfillmentOrders = fromStats("wms", "fulfillmentOrdersByOrder");
	if (!fulfillmentOrders) {
		source.fulfillmentOrders = "wms request log (distinct Idempotency-Keys)";
		fulfillmentOrders = await fromLog("wms", "/v1/fulfillment-orders", (b) => (b as { orderRef?: string })?.orderRef);
	}
	let deliveryTasks = fromStats("lastmile", "tasksByOrder");
	if (!deliveryTasks) {
		source.deliveryTasks = "lastmile request log (distinct Idempotency-Keys)";
		deliveryTasks = await fromLog("lastmile", "/api/v2/tasks", (b) => (b as { metadata?: Array<{ name?: string; value?: string }> })?.metadata?.find((m) => m.name === "orderId")?.value);
	}
	let invoices = fromStats("erp", "invoicesByOrder");
	if (!invoices) {
		source.invoices = "erp request log (distinct Idempotency-Keys)";
		invoices = await fromLog("erp", "/api/invoices", (b) => (b as { orderId?: string })?.orderId);
	}
	// Not one of the three the issue names, but a second confirmation is a side effect at the ERP too.
	const shipmentConfirmations = fromStats("erp", "shipmentConfirmationsByOrder");
	// The per-order maps are evidence, not something to print: keep the totals only.
	for (const sim of ["erp", "wms", "lastmile"] as const) {
		for (const field of Object.keys(stats[sim])) if (field.endsWith("ByOrder")) delete stats[sim][field];
	}
	return { fulfillmentOrders, deliveryTasks, invoices, shipmentConfirmations, source, stats };
}

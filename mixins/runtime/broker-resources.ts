import type { ServiceBroker } from "moleculer";
import type { StreamBus } from "../streams/stream-bus.ts";
import type { Store } from "../store/store.ts";
import { createStreamBus } from "../streams/bus-factory.ts";
import { createStore } from "../store/store-factory.ts";
import { RedisStore } from "../store/redis.store.ts";
import type { PayloadStore } from "../payloads/payload-store.ts";
import { createPayloadStore } from "../payloads/payload-store-factory.ts";
import { EMBEDDED_SETTINGS, type RuntimeSettings } from "./runtime-settings.ts";

/**
 * One stream connection and one store connection per broker, shared by the services it hosts,
 * opened by the first service that starts and closed when the last one stops. Streams and keys
 * are named after the broker's namespace, which is what isolates one deployment (or test) from another.
 */
interface Shared<T> {
	value: Promise<T>;
	users: number;
}

const buses = new Map<ServiceBroker, Shared<StreamBus>>();
const stores = new Map<ServiceBroker, Shared<Store>>();
const payloadStores = new Map<ServiceBroker, Shared<PayloadStore>>();

export function settingsOf(broker: ServiceBroker): RuntimeSettings {
	const meta = broker.metadata as { waybill?: RuntimeSettings } | undefined;
	return meta?.waybill ?? EMBEDDED_SETTINGS;
}

export function namespaceOf(broker: ServiceBroker): string {
	return broker.namespace || "waybill";
}

function acquire<T>(registry: Map<ServiceBroker, Shared<T>>, broker: ServiceBroker, open: () => Promise<T>): Promise<T> {
	let shared = registry.get(broker);
	if (!shared) {
		shared = { value: open(), users: 0 };
		registry.set(broker, shared);
		shared.value.catch(() => registry.delete(broker));
	}
	shared.users++;
	return shared.value;
}

async function release<T>(registry: Map<ServiceBroker, Shared<T>>, broker: ServiceBroker, close: (t: T) => Promise<void>): Promise<void> {
	const shared = registry.get(broker);
	if (!shared) return;
	shared.users--;
	if (shared.users > 0) return;
	registry.delete(broker);
	await close(await shared.value);
}

export function acquireBus(broker: ServiceBroker): Promise<StreamBus> {
	const settings = settingsOf(broker);
	return acquire(buses, broker, () =>
		createStreamBus({
			natsUrl: settings.natsUrl,
			namespace: namespaceOf(broker),
			partitions: settings.partitions,
			replicas: settings.replicas,
			dedupWindowMs: settings.dedupWindowMs,
		}),
	);
}

export const releaseBus = (broker: ServiceBroker) => release(buses, broker, (bus) => bus.close());

export function acquireStore(broker: ServiceBroker): Promise<Store> {
	const settings = settingsOf(broker);
	return acquire(stores, broker, async () => {
		const store = createStore({ redisUrl: settings.redisUrl, prefix: namespaceOf(broker) });
		// Fail the service's start with a clear error rather than its first request.
		if (store instanceof RedisStore) await store.ready();
		return store;
	});
}

export const releaseStore = (broker: ServiceBroker) => release(stores, broker, (store) => store.close());

/** The claim-check store: the namespace's object store bucket in distributed mode, memory in embedded mode. */
export function acquirePayloads(broker: ServiceBroker): Promise<PayloadStore> {
	const settings = settingsOf(broker);
	return acquire(payloadStores, broker, () =>
		createPayloadStore({ natsUrl: settings.natsUrl, namespace: namespaceOf(broker), replicas: settings.replicas, ttlMs: settings.payloadTtlMs }),
	);
}

export const releasePayloads = (broker: ServiceBroker) => release(payloadStores, broker, (payloads) => payloads.close());

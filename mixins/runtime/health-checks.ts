import type { ServiceBroker } from "moleculer";
import { CHANNELS } from "../../canonical/channels.ts";
import type { StreamBus } from "../streams/stream-bus.ts";
import type { Store } from "../store/store.ts";
import { RedisStore } from "../store/redis.store.ts";

/** What a readiness probe depends on, by the name it reports when that is down. */
export const DEPENDENCIES = {
	TRANSPORTER: "transporter",
	REDIS: "redis",
	STREAMS: "streams",
} as const;

export type DependencyName = (typeof DEPENDENCIES)[keyof typeof DEPENDENCIES];

/** One dependency of the process: resolves when it answers, rejects with the reason otherwise. */
export interface HealthCheck {
	name: DependencyName;
	check(): Promise<void>;
}

/** Key read to prove a Redis round trip; under the store's prefix, so the ACL allows it. */
const PING_KEY = "health:ping";
/** A probe does not wait out a reconnect: a client not connected now fails now, with ioredis's last error. */
const REDIS_READY_WAIT_MS = 100;

/** The part of nats.js a round trip needs; Moleculer's NATS transporter keeps its connection as `client`. */
interface NatsClientLike {
	rtt(): Promise<number>;
}

/**
 * The Moleculer transporter. `transit.connected` only turns false on a close, and the NATS
 * client reconnects forever, so a lost server is seen by a round trip: nats.js's rtt() throws at
 * once while disconnected and otherwise waits for the server's PONG (a paused server times out).
 */
export function transporterCheck(broker: ServiceBroker): HealthCheck {
	return {
		name: DEPENDENCIES.TRANSPORTER,
		async check() {
			const transit = broker.transit;
			if (!transit) throw new Error("no transporter configured");
			if (!transit.connected) throw new Error("not connected");
			const client = (transit.tx as unknown as { client?: Partial<NatsClientLike> | null }).client;
			if (client && typeof client.rtt === "function") await client.rtt();
		},
	};
}

/**
 * The state store: connected (ioredis's own view, which flips on a dropped socket) and answering
 * a read. The shared store is the services' own, so this sees exactly what they see.
 */
export function storeCheck(store: Store): HealthCheck {
	return {
		name: DEPENDENCIES.REDIS,
		async check() {
			if (store instanceof RedisStore) await store.ready(REDIS_READY_WAIT_MS);
			await store.get(PING_KEY);
		},
	};
}

/**
 * The stream bus's JetStream connection: one stream-info request. Dead letters because every
 * service's NATS user may read that stream's info (any consumer can dead-letter); a stream not
 * created yet counts as reachable.
 */
export function streamsCheck(bus: StreamBus): HealthCheck {
	return {
		name: DEPENDENCIES.STREAMS,
		async check() {
			await bus.depth(CHANNELS.DEAD_LETTERS);
		},
	};
}

import { JetStreamPayloadBackend } from "./jetstream.payload-backend.ts";
import { MemoryPayloadBackend } from "./memory.payload-backend.ts";
import { DEFAULT_PAYLOAD_TTL_MS, PayloadStore } from "./payload-store.ts";

export interface PayloadStoreFactoryOptions {
	/** Set: distributed mode, a JetStream Object Store bucket. Unset: embedded mode, in memory. */
	natsUrl?: string;
	namespace: string;
	replicas?: number;
	ttlMs?: number;
}

/** The payload store for this process, connected; a NATS server that cannot be reached is an error, not a fallback. */
export async function createPayloadStore(options: PayloadStoreFactoryOptions): Promise<PayloadStore> {
	const ttlMs = options.ttlMs ?? DEFAULT_PAYLOAD_TTL_MS;
	const backend = options.natsUrl
		? await JetStreamPayloadBackend.connect({ servers: options.natsUrl, namespace: options.namespace, replicas: options.replicas, ttlMs })
		: new MemoryPayloadBackend(options.namespace, ttlMs);
	return new PayloadStore(backend, { ttlMs });
}

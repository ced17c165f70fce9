import { JetStreamBus } from "./jetstream.bus.ts";
import { MemoryStreamBus } from "./memory-stream.bus.ts";
import type { StreamBus } from "./stream-bus.ts";

export interface StreamBusFactoryOptions {
	/** Set: distributed mode on NATS JetStream. Unset: embedded mode, in-process logs. */
	natsUrl?: string;
	namespace: string;
	partitions?: number;
	replicas?: number;
	dedupWindowMs?: number;
}

/** Drop undefined options so each implementation's defaults apply. */
const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The bus for this process, connected and ready; a NATS server that cannot be reached is an error, not a fallback. */
export async function createStreamBus(options: StreamBusFactoryOptions): Promise<StreamBus> {
	const { natsUrl, namespace, partitions, replicas, dedupWindowMs } = options;
	if (!natsUrl) return new MemoryStreamBus({ namespace, ...defined({ partitions, dedupWindowMs }) });
	return JetStreamBus.connect({ servers: natsUrl, namespace, ...defined({ partitions, replicas, dedupWindowMs }) });
}

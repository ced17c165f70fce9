import { StorageType, connect, nanos, type JetStreamManager, type NatsConnection, type ObjectStore } from "nats";
import { natsConnectionOptions } from "../streams/nats-connection-options.ts";
import { apiErrorCode, payloadBucket } from "../streams/jetstream-layout.ts";
import { readObject } from "./object-read.ts";
import type { ObjectState, PayloadBackend } from "./payload-store.ts";

export interface JetStreamPayloadBackendOptions {
	servers: string;
	namespace: string;
	/** As the streams' (STREAM_REPLICAS). */
	replicas?: number;
	/** The bucket's max age; 0 keeps objects until deleted. Applied when the bucket is created. */
	ttlMs?: number;
}

/** The server refused a write because the object's meta subject moved on (another writer). */
const WRONG_LAST_SEQUENCE = 10071;

/**
 * Payloads in a NATS JetStream Object Store bucket of the namespace (`<namespace>_payloads`):
 * chunked (128 KiB), file storage, replicated like the streams. Its own connection, so that a
 * 10 MB transfer never queues in front of the stream bus's acks and heartbeats.
 */
export class JetStreamPayloadBackend implements PayloadBackend {
	private bucket?: Promise<ObjectStore>;
	private jsm?: Promise<JetStreamManager>;
	private readonly name: string;

	private constructor(
		private readonly nc: NatsConnection,
		private readonly options: JetStreamPayloadBackendOptions,
	) {
		this.name = payloadBucket(options.namespace);
	}

	/** Fails if the server cannot be reached now; once connected, reconnects forever. */
	static async connect(options: JetStreamPayloadBackendOptions): Promise<JetStreamPayloadBackend> {
		const nc = await connect({ ...natsConnectionOptions(options.servers), name: `waybill-${options.namespace}-payloads`, maxReconnectAttempts: -1 });
		return new JetStreamPayloadBackend(nc, options);
	}

	uriOf(name: string): string {
		return `nats-os://${this.name}/${name}`;
	}

	async stat(name: string): Promise<ObjectState> {
		const info = await (await this.store()).info(name);
		if (!info) return { revision: 0 };
		// A deleted object leaves a marker: the next write must expect its revision.
		if (info.deleted) return { revision: info.revision };
		return { revision: info.revision, object: { size: info.size, storedAt: Date.parse(info.mtime) } };
	}

	async read(name: string): Promise<Uint8Array | undefined> {
		return readObject(await this.store(), await this.manager(), this.name, name);
	}

	async write(name: string, bytes: Uint8Array, expectedRevision: number, contentType?: string): Promise<boolean> {
		try {
			await (await this.store()).putBlob({ name, ...(contentType ? { description: contentType } : {}) }, bytes, { previousRevision: expectedRevision });
			return true;
		} catch (e: unknown) {
			// The client purged the chunks it wrote; the winner's object stands.
			if (apiErrorCode(e) === WRONG_LAST_SEQUENCE) return false;
			throw e;
		}
	}

	async usage(): Promise<{ objects: number; bytes: number }> {
		const live = (await (await this.store()).list()).filter((o) => !o.deleted);
		return { objects: live.length, bytes: live.reduce((sum, o) => sum + o.size, 0) };
	}

	async clear(): Promise<void> {
		await (await this.store()).destroy();
		this.bucket = undefined;
	}

	async close(): Promise<void> {
		if (!this.nc.isClosed()) await this.nc.drain();
	}

	private manager(): Promise<JetStreamManager> {
		if (!this.jsm) {
			this.jsm = this.nc.jetstreamManager();
			this.jsm.catch(() => (this.jsm = undefined));
		}
		return this.jsm;
	}

	/** Created on first use, with this configuration; an existing bucket is kept as it is (its config is the operator's). */
	private store(): Promise<ObjectStore> {
		if (!this.bucket) {
			const ttlMs = this.options.ttlMs ?? 0;
			this.bucket = this.nc.jetstream().views.os(this.name, {
				description: `Waybill claim-checked payloads of namespace ${this.options.namespace}`,
				storage: StorageType.File,
				replicas: this.options.replicas ?? 1,
				...(ttlMs > 0 ? { ttl: nanos(ttlMs) } : {}),
			});
			this.bucket.catch(() => (this.bucket = undefined));
		}
		return this.bucket;
	}
}

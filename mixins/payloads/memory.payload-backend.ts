import type { ObjectState, PayloadBackend } from "./payload-store.ts";

interface Entry {
	bytes: Uint8Array;
	storedAt: number;
	revision: number;
	contentType?: string;
}

interface Space {
	objects: Map<string, Entry>;
	revisions: number;
}

/** Shared per namespace within the process, as the in-memory streams are: every broker of an embedded platform sees one store. */
const spaces = new Map<string, Space>();

/**
 * The embedded twin of the object store: the same contract (revisions, expiry after the TTL),
 * held in memory and lost with the process, like the in-memory streams whose messages reference it.
 */
export class MemoryPayloadBackend implements PayloadBackend {
	constructor(
		private readonly namespace: string,
		private readonly ttlMs = 0,
		private readonly now: () => number = Date.now,
	) {}

	static reset(namespace: string): void {
		spaces.delete(namespace);
	}

	uriOf(name: string): string {
		return `memory://${encodeURIComponent(this.namespace)}/${name}`;
	}

	async stat(name: string): Promise<ObjectState> {
		const entry = this.live(name);
		return entry ? { revision: entry.revision, object: { size: entry.bytes.byteLength, storedAt: entry.storedAt } } : { revision: 0 };
	}

	async read(name: string): Promise<Uint8Array | undefined> {
		const entry = this.live(name);
		return entry ? new Uint8Array(entry.bytes) : undefined;
	}

	async write(name: string, bytes: Uint8Array, expectedRevision: number, contentType?: string): Promise<boolean> {
		const space = this.space();
		if ((this.live(name)?.revision ?? 0) !== expectedRevision) return false;
		space.objects.set(name, { bytes: new Uint8Array(bytes), storedAt: this.now(), revision: ++space.revisions, ...(contentType ? { contentType } : {}) });
		return true;
	}

	async usage(): Promise<{ objects: number; bytes: number }> {
		const live = [...this.space().objects.keys()].map((name) => this.live(name)).filter((e): e is Entry => e !== undefined);
		return { objects: live.length, bytes: live.reduce((sum, e) => sum + e.bytes.byteLength, 0) };
	}

	async clear(): Promise<void> {
		MemoryPayloadBackend.reset(this.namespace);
	}

	async close(): Promise<void> {}

	/** Expired entries go, as the object store's max age removes them: a later write starts over at no revision. */
	private live(name: string): Entry | undefined {
		const objects = this.space().objects;
		const entry = objects.get(name);
		if (entry && this.ttlMs > 0 && this.now() - entry.storedAt >= this.ttlMs) {
			objects.delete(name);
			return undefined;
		}
		return entry;
	}

	private space(): Space {
		let space = spaces.get(this.namespace);
		if (!space) spaces.set(this.namespace, (space = { objects: new Map(), revisions: 0 }));
		return space;
	}
}

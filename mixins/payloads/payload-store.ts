import { createHash } from "node:crypto";
import type { PayloadRef } from "../../canonical/envelope.ts";
import { PayloadCorruptError, PayloadMissingError, StoreUnavailableError, asErrorLike } from "../../canonical/errors/index.ts";

/** What a backend knows of one object name: the revision a write must expect (0: never written), and the object if it is there. */
export interface ObjectState {
	revision: number;
	object?: { size: number; storedAt: number };
}

/**
 * Where payload bytes live, by name: NATS JetStream Object Store in distributed mode, memory in
 * embedded mode. Names, digests and the stored-once rule are the PayloadStore's, not the backend's.
 */
export interface PayloadBackend {
	uriOf(name: string): string;
	/** Absent (never written, deleted or expired) is an object-less state, not an error. */
	stat(name: string): Promise<ObjectState>;
	read(name: string): Promise<Uint8Array | undefined>;
	/** Writes only while the name is still at `expectedRevision`; false when another writer got there first. */
	write(name: string, bytes: Uint8Array, expectedRevision: number, contentType?: string): Promise<boolean>;
	/** Objects and bytes held (operators, tests); may walk the whole bucket. */
	usage(): Promise<{ objects: number; bytes: number }>;
	/** Removes every object (tests, demo clean-up). */
	clear(): Promise<void>;
	close(): Promise<void>;
}

export const DAY_MS = 86_400_000;
/** How long a payload is kept after it was last stored (PAYLOAD_TTL_DAYS). */
export const DEFAULT_PAYLOAD_TTL_MS = 30 * DAY_MS;

export interface PayloadStoreOptions {
	/** 0: kept until deleted. Otherwise a put refreshes bytes older than half of it (see put). */
	ttlMs?: number;
	now?: () => number;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const SHA256_HEX = /^[0-9a-f]{64}$/;
const nameOf = (digest: string) => `sha256-${digest}`;
/** Writes lost to concurrent writers before a put gives up (retryably). */
const PUT_ATTEMPTS = 3;

/**
 * The claim check: payloads content-addressed by sha256, stored once, verified on every read.
 * Failures to reach the backend are a retryable StoreUnavailableError; a payload that is not
 * there, or is not what its digest says, is a non-retryable PAYLOAD_MISSING or PAYLOAD_CORRUPT.
 */
export class PayloadStore {
	private readonly ttlMs: number;
	private readonly now: () => number;

	constructor(private readonly backend: PayloadBackend, options: PayloadStoreOptions = {}) {
		this.ttlMs = options.ttlMs ?? DEFAULT_PAYLOAD_TTL_MS;
		this.now = options.now ?? Date.now;
	}

	/**
	 * Stores the bytes under their digest and returns the reference. Bytes already stored store
	 * nothing new (`stored: false`), unless they are older than half the TTL: then they are written
	 * again, so that whatever a new message references has at least half the TTL to live.
	 */
	async put(bytes: Uint8Array, contentType?: string): Promise<{ ref: PayloadRef; stored: boolean }> {
		const digest = sha256Hex(bytes);
		const name = nameOf(digest);
		const ref: PayloadRef = { uri: this.backend.uriOf(name), digest, size: bytes.byteLength, ...(contentType ? { contentType } : {}) };
		for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
			const state = await this.reach("put", () => this.backend.stat(name));
			if (state.object && !this.refreshDue(state.object.storedAt)) return { ref, stored: false };
			if (await this.reach("put", () => this.backend.write(name, bytes, state.revision, contentType))) return { ref, stored: true };
			// Another writer moved the name first (the same bytes, or an expiry): look again.
		}
		throw new StoreUnavailableError("payloads.put", `'${name}' kept changing under ${PUT_ATTEMPTS} writes`);
	}

	/** The bytes a reference names, checked against its digest and size. */
	async get(ref: PayloadRef): Promise<Buffer> {
		if (!SHA256_HEX.test(ref.digest)) throw new PayloadMissingError(ref.digest, ref.uri, "the reference's digest is not a sha256 in hex");
		const bytes = await this.reach("get", () => this.backend.read(nameOf(ref.digest)));
		if (!bytes) throw new PayloadMissingError(ref.digest, ref.uri);
		const found = { digest: sha256Hex(bytes), size: bytes.byteLength };
		if (found.digest !== ref.digest || found.size !== ref.size) throw new PayloadCorruptError(ref.digest, found, ref.size);
		return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	}

	usage(): Promise<{ objects: number; bytes: number }> {
		return this.reach("usage", () => this.backend.usage());
	}

	clear(): Promise<void> {
		return this.backend.clear();
	}

	close(): Promise<void> {
		return this.backend.close();
	}

	private refreshDue(storedAt: number): boolean {
		return this.ttlMs > 0 && this.now() - storedAt > this.ttlMs / 2;
	}

	/** Our own refusals pass through; anything the backend throws means it could not be reached now. */
	private async reach<T>(operation: string, run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (e: unknown) {
			if (asErrorLike(e).type) throw e;
			throw new StoreUnavailableError(`payloads.${operation}`, (e as Error)?.message ?? String(e));
		}
	}
}

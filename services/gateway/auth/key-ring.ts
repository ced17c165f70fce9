import { readFileSync } from "node:fs";
import { assertMatches } from "../../../canonical/validation.ts";
import { ConfigurationInvalidError, UnauthenticatedError } from "../../../canonical/errors/index.ts";
import type { Store } from "../../../mixins/store/store.ts";
import { generateApiKey, hashSecret, parseApiKey, secretMatches } from "./api-key.ts";
import type { Principal } from "./principal.ts";
import { ALL_SCOPES, type Scope } from "./scopes.ts";

/** What is kept of a key: never the key itself. */
export interface ApiKeyRecord {
	id: string;
	hash: string;
	name: string;
	scopes: Scope[];
	partner?: string;
	rateLimitPerSecond?: number;
	createdAt: string;
	createdBy: string;
	revokedAt?: string;
	revokedBy?: string;
	/** `store`: issued at run time (POST /ops/api-keys); `file`: API_KEYS_FILE; `env`: ADMIN_API_KEY. */
	source: "store" | "file" | "env";
}

export type KeyListing = Omit<ApiKeyRecord, "hash">;

const fileSchema = {
	$$root: true,
	type: "array",
	items: {
		type: "object",
		strict: true,
		props: {
			id: { type: "string", pattern: /^[0-9a-f]{16}$/ },
			hash: { type: "string", pattern: /^[0-9a-f]{64}$/ },
			name: { type: "string", min: 1, max: 96 },
			scopes: { type: "array", min: 1, items: { type: "enum", values: [...ALL_SCOPES] } },
			partner: { type: "string", optional: true, pattern: /^[a-z0-9-]+$/ },
			rateLimitPerSecond: { type: "number", optional: true, integer: true, positive: true },
		},
	},
} as const;

const RECORD_KEY = (id: string) => `apikey:${id}`;
const INDEX_KEY = "apikeys";
/** A revocation reaches every gateway pod within this long (the pod that revoked it: at once). */
const CACHE_MS = 5_000;

/**
 * The keys the gateway accepts: issued at run time (kept hashed in the shared store), listed hashed
 * in API_KEYS_FILE (a mounted Kubernetes Secret), or the bootstrap ADMIN_API_KEY from the environment.
 */
export class KeyRing {
	readonly #fixed = new Map<string, ApiKeyRecord>();
	readonly #cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();

	constructor(private readonly store: () => Store, env: NodeJS.ProcessEnv = process.env) {
		const file = env.API_KEYS_FILE;
		if (file) {
			let entries: unknown;
			try {
				entries = JSON.parse(readFileSync(file, "utf8"));
			} catch (e: unknown) {
				throw new ConfigurationInvalidError("API_KEYS_FILE", `cannot read ${file}: ${(e as Error).message}`);
			}
			for (const entry of assertMatches<Array<Omit<ApiKeyRecord, "createdAt" | "createdBy" | "source">>>("API_KEYS_FILE", fileSchema, entries)) {
				this.#fixed.set(entry.id, { ...entry, createdAt: "1970-01-01T00:00:00.000Z", createdBy: "API_KEYS_FILE", source: "file" });
			}
		}
		const admin = env.ADMIN_API_KEY;
		if (admin) {
			const parsed = parseApiKey(admin);
			if (!parsed) throw new ConfigurationInvalidError("ADMIN_API_KEY", "not a Waybill API key (wb_<16 hex>_<43 base64url>); create one with `npx waybill keys new`");
			this.#fixed.set(parsed.id, { id: parsed.id, hash: hashSecret(parsed.secret), name: "bootstrap admin", scopes: [...ALL_SCOPES], createdAt: "1970-01-01T00:00:00.000Z", createdBy: "ADMIN_API_KEY", source: "env" });
		}
	}

	/** The caller a presented key names, or UnauthenticatedError: the same answer for unknown, wrong and revoked keys. */
	async authenticate(presented: string): Promise<Principal> {
		const parsed = parseApiKey(presented);
		if (!parsed) throw new UnauthenticatedError("malformed API key");
		const record = await this.#find(parsed.id);
		if (!record || record.revokedAt || !secretMatches(parsed.secret, record.hash)) throw new UnauthenticatedError("unknown or revoked API key");
		return {
			keyId: record.id,
			name: record.name,
			scopes: record.scopes,
			...(record.partner ? { partner: record.partner } : {}),
			...(record.rateLimitPerSecond ? { rateLimitPerSecond: record.rateLimitPerSecond } : {}),
		};
	}

	/** Issues a key: returns it in plain text this once; only its hash is stored. */
	async issue(spec: { name: string; scopes: Scope[]; partner?: string; rateLimitPerSecond?: number }, by: string): Promise<{ key: string; record: KeyListing }> {
		const { key, id, hash } = generateApiKey();
		const record: ApiKeyRecord = { id, hash, ...spec, createdAt: new Date().toISOString(), createdBy: by, source: "store" };
		await this.store().set(RECORD_KEY(id), record);
		await this.store().indexAdd(INDEX_KEY, id, Date.now());
		return { key, record: listing(record) };
	}

	/** Revokes a key issued at run time; keys from the file or environment are revoked where they are configured. */
	async revoke(id: string, by: string): Promise<KeyListing | undefined> {
		const record = await this.store().get<ApiKeyRecord>(RECORD_KEY(id));
		if (!record) return this.#fixed.has(id) ? listing(this.#fixed.get(id)!) : undefined;
		const revoked = record.revokedAt ? record : { ...record, revokedAt: new Date().toISOString(), revokedBy: by };
		await this.store().set(RECORD_KEY(id), revoked);
		this.#cache.delete(id);
		return listing(revoked);
	}

	async list(limit = 500): Promise<KeyListing[]> {
		const ids = await this.store().indexRangeDesc(INDEX_KEY, 0, Number.MAX_SAFE_INTEGER, limit);
		const issued = (await this.store().getMany<ApiKeyRecord>(ids.map(RECORD_KEY))).filter((r): r is ApiKeyRecord => r !== undefined);
		return [...this.#fixed.values(), ...issued].map(listing);
	}

	async #find(id: string): Promise<ApiKeyRecord | undefined> {
		const fixed = this.#fixed.get(id);
		if (fixed) return fixed;
		const cached = this.#cache.get(id);
		if (cached && cached.until > Date.now()) return cached.record;
		const record = await this.store().get<ApiKeyRecord>(RECORD_KEY(id));
		if (this.#cache.size > 10_000) this.#cache.clear();
		this.#cache.set(id, { record, until: Date.now() + CACHE_MS });
		return record;
	}
}

function listing(record: ApiKeyRecord): KeyListing {
	const { hash: _hash, ...visible } = record;
	return visible;
}

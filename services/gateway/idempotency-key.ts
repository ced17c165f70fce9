import { createHash } from "node:crypto";
import { IdempotencyConflictError, RequestInProgressError, SchemaInvalidError } from "../../canonical/errors/index.ts";
import type { Store } from "../../mixins/store/store.ts";

/** A response as it went out, so that a repeat of the request gets exactly it again. */
export interface RecordedResponse {
	status: number;
	headers: Record<string, string>;
	body: unknown;
}

interface Record_ {
	state: "pending" | "done";
	requestHash: string;
	response?: RecordedResponse;
}

/** How long a finished request's response is kept for repeats. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A request still running after this long is presumed dead (its process crashed) and may be retried. */
const PENDING_TTL_MS = 30_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function requestHash(body: unknown): string {
	return createHash("sha256").update(JSON.stringify(body ?? null)).digest("hex");
}

/**
 * The governed API's Idempotency-Key: the first request with a key runs and its 2xx response is
 * kept for a day; a repeat with the same body gets that response back without running again; a
 * repeat with a different body is refused (422). A request that failed keeps nothing, so it may
 * be retried with the same key.
 */
export async function withIdempotencyKey(
	store: Store,
	scope: string,
	key: string | undefined,
	body: unknown,
	run: () => Promise<RecordedResponse>,
): Promise<RecordedResponse & { replayed: boolean }> {
	if (key === undefined) return { ...(await run()), replayed: false };
	if (!KEY_PATTERN.test(key)) throw new SchemaInvalidError("Idempotency-Key header", [{ field: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }]);
	const storeKey = `idempotency:${scope}:${key}`;
	const hash = requestHash(body);
	if (!(await store.setIfAbsent<Record_>(storeKey, { state: "pending", requestHash: hash }, PENDING_TTL_MS))) {
		const earlier = await store.get<Record_>(storeKey);
		if (earlier && earlier.requestHash !== hash) throw new IdempotencyConflictError(key);
		if (earlier?.state === "done" && earlier.response) return { ...earlier.response, replayed: true };
		throw new RequestInProgressError(key);
	}
	try {
		const response = await run();
		await store.set<Record_>(storeKey, { state: "done", requestHash: hash, response }, IDEMPOTENCY_TTL_MS);
		return { ...response, replayed: false };
	} catch (e: unknown) {
		await store.delete(storeKey);
		throw e;
	}
}

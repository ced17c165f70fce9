import type { JetStreamManager, ObjectStore } from "nats";
import { NO_MESSAGE_FOUND, apiErrorCode, objectStoreStream } from "../streams/jetstream-layout.ts";

/** A read that receives no chunk for this long is checked: its chunks may be gone. */
export const READ_STALL_MS = 5_000;

/** The read stalled with the object's chunks still stored: worth trying again. */
export class ObjectReadStalledError extends Error {
	constructor(name: string) {
		super(`reading object '${name}' received nothing for ${READ_STALL_MS} ms though its chunks are stored`);
		this.name = "ObjectReadStalledError";
	}
}

/** Whether any chunk of the object whose chunks carry `nuid` is still in the bucket's stream. */
async function chunksStored(jsm: JetStreamManager, bucket: string, nuid: string): Promise<boolean> {
	try {
		await jsm.streams.getMessage(objectStoreStream(bucket), { last_by_subj: `$O.${bucket}.C.${nuid}` });
		return true;
	} catch (e: unknown) {
		if (apiErrorCode(e) === NO_MESSAGE_FOUND) return false;
		throw e;
	}
}

/**
 * An object's bytes, or undefined when it is gone, never a wait without end. A bucket with a max
 * age expires an object's chunks before its meta (the chunks were written first): read in that
 * gap, the meta names chunks that no longer exist, and nats.js's `getBlob` waits for them forever,
 * which would hold the reading handler, and its partition, for good. So the chunks are looked for
 * first, and a read that then stalls (they expired meanwhile) is abandoned and looked at again.
 */
export async function readObject(store: ObjectStore, jsm: JetStreamManager, bucket: string, name: string): Promise<Uint8Array | undefined> {
	const result = await store.get(name);
	if (!result) return undefined;
	if (result.info.size > 0 && !(await chunksStored(jsm, bucket, result.info.nuid))) {
		await result.data.cancel();
		return undefined;
	}
	const reader = result.data.getReader();
	const parts: Uint8Array[] = [];
	for (;;) {
		let timer: NodeJS.Timeout | undefined;
		const stalled = new Promise<"stalled">((resolve) => (timer = setTimeout(() => resolve("stalled"), READ_STALL_MS)));
		const next = await Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
		if (next === "stalled") {
			await reader.cancel();
			if (await chunksStored(jsm, bucket, result.info.nuid)) throw new ObjectReadStalledError(name);
			return undefined;
		}
		if (next.done) break;
		parts.push(next.value);
	}
	// Set when the chunks did not match the object's digest.
	const failure = await result.error;
	if (failure) throw failure;
	return Buffer.concat(parts);
}

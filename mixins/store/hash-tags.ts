/**
 * Redis Cluster places a key by its hash tag, the text between the key's first "{" and the first
 * "}" after it, when that text is not empty; otherwise by the whole key. Keys that share a tag share
 * a slot, and every multi-key command or script must stay inside one slot (else CROSSSLOT). Both
 * stores apply these rules alike, so a key mix that a cluster would refuse fails in the first
 * in-memory test rather than in production.
 */

/** The part of a key that Redis Cluster hashes: its tag, or the whole key without one. */
export function hashedPart(key: string): string {
	const open = key.indexOf("{");
	if (open === -1) return key;
	const close = key.indexOf("}", open + 1);
	return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** A brace in the prefix would make it the tag of every key under it (one slot for all) or cut callers' tags apart. */
export function checkPrefix(prefix: string): string {
	if (/[{}]/.test(prefix)) throw new RangeError(`a store prefix must not contain "{" or "}" (keys take their hash tag from the caller); got "${prefix}"`);
	return prefix;
}

/** Refuses keys of one atomic step that a Redis Cluster could not keep in one slot. `keys` are full keys, prefix included. */
export function checkOneSlot(operation: string, keys: string[]): void {
	const parts = new Set(keys.map(hashedPart));
	if (parts.size > 1) {
		throw new RangeError(`${operation} writes its keys in one atomic step, so they must share one hash tag ("{...}") for Redis Cluster; got ${keys.map((k) => `"${k}"`).join(", ")}`);
	}
}

/** Positions of `keys` grouped by hashed part: every group lies in one slot (two groups may too). */
export function sameSlotGroups(keys: string[]): number[][] {
	const groups = new Map<string, number[]>();
	keys.forEach((key, i) => {
		const part = hashedPart(key);
		const group = groups.get(part);
		if (group) group.push(i);
		else groups.set(part, [i]);
	});
	return [...groups.values()];
}

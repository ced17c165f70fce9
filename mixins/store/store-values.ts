/** Value rules both stores share, so embedded and distributed mode refuse the same things alike. */
export function toJson(value: unknown): string {
	const json = JSON.stringify(value);
	if (json === undefined) throw new TypeError(`store values must be JSON; got ${typeof value}`);
	return json;
}

/** Checked here so both stores reject a bad TTL with the same message, not Redis's. */
export function checkTtl(ttlMs: number): number {
	if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer; got ${ttlMs}`);
	return ttlMs;
}

/** Polls `check` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			// A check that never settles (a call lost in a broker outage) must not stall the poll.
			const value = await Promise.race([check(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("check did not settle within 15 s")), 15_000).unref())]);
			if (value) return value;
		} catch (e: unknown) {
			last = e;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

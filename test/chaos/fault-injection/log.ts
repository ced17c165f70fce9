/** Human progress goes to stderr, timestamped: stdout is kept for the one JSON line at the end. */
export function say(line: string): void {
	process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retries `fn` until it resolves or the deadline passes: control calls may fail while a fault is on. */
export async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await fn();
		} catch (e: unknown) {
			if (Date.now() > deadline) throw new Error(`${what} kept failing for ${timeoutMs} ms: ${(e as Error).message}`);
			await sleep(everyMs);
		}
	}
}

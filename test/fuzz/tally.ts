/** One failure, as the report shows it: what class of failure, where, the input, and what came back. */
export interface Failure {
	kind: "crash" | "unhandled" | "forged-accepted" | "parser-crash" | "parser-hang" | "pipeline-unexpected" | "prototype-polluted" | "memory";
	where: string;
	input: string;
	got: string;
}

const MAX_EXAMPLES = 25;

/**
 * The counters the run reports. Failures are grouped by signature (kind, where, the shape of what
 * came back) so that a thousand 500s from one bug show as one line with its count and first input.
 */
export class Tally {
	httpInputs = 0;
	rejected4xx = 0;
	accepted = 0;
	crashes = 0;
	unhandled = 0;
	forgedAccepted = 0;
	/** 4xx answers that are not problem+json but are declared so in the API description (Onfleet's URL check). */
	documentedNonProblem4xx = 0;
	status: Record<string, number> = {};
	/** The problem types seen, to show which refusals the inputs actually reached. */
	problemTypes: Record<string, number> = {};
	parserInputs = 0;
	parserReturned = 0;
	parserNamedErrors = 0;
	parserCrashes = 0;
	readonly signatures = new Map<string, { count: number; example: Failure }>();

	/** `group` overrides how failures are grouped (default: kind, where and the shape of what came back). */
	fail(failure: Failure, group?: string): string {
		if (failure.kind === "forged-accepted") this.forgedAccepted++;
		else if (failure.kind === "unhandled") this.unhandled++;
		else if (failure.kind === "parser-crash" || failure.kind === "parser-hang") this.parserCrashes++;
		else if (failure.kind !== "memory") this.crashes++;
		const signature = group ?? `${failure.kind} ${failure.where.replace(/\(.*\)/, "(…)")} ${failure.got.replace(/\d+/g, "#").slice(0, 120)}`;
		const seen = this.signatures.get(signature);
		if (seen) seen.count++;
		else this.signatures.set(signature, { count: 1, example: failure });
		return signature;
	}

	/** Answers per route template, to show every route was reached and how it answered. */
	byRoute: Record<string, Record<string, number>> = {};

	countStatus(status: number | string, route?: string): void {
		this.status[status] = (this.status[status] ?? 0) + 1;
		if (route) {
			const r = (this.byRoute[route] ??= {});
			r[status] = (r[status] ?? 0) + 1;
		}
	}

	/**
	 * The distinct failures with their counts. HTTP crashes that came back the same way (same status,
	 * problem and logged cause) are one failure whatever the route; `routes` lists where it was seen.
	 */
	examples(): Array<Failure & { count: number; routes?: string[] }> {
		const merged = new Map<string, Failure & { count: number; routes?: string[] }>();
		for (const { count, example } of this.signatures.values()) {
			const [status, ...rest] = example.got.split(" ");
			const key = example.kind === "crash" ? `crash ${status} ${rest.join(" ").replace(/\([^)]*\)|\d+/g, "#")}` : `${example.kind} ${merged.size}`;
			const seen = merged.get(key);
			if (!seen) merged.set(key, { ...example, count, ...(example.kind === "crash" ? { routes: [example.where] } : {}) });
			else {
				seen.count += count;
				if (seen.routes && !seen.routes.includes(example.where) && seen.routes.length < 12) seen.routes.push(example.where);
			}
		}
		return [...merged.values()].slice(0, MAX_EXAMPLES);
	}
}

/** A readable, bounded rendering of an input for the report (the full bytes would drown it). */
export function preview(bytes: Buffer | string | undefined, max = 240): string {
	if (bytes === undefined) return "";
	const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
	const shown = JSON.stringify(text.length > max ? text.slice(0, max) : text);
	return text.length > max ? `${shown}…(${Buffer.byteLength(text)} bytes)` : shown;
}

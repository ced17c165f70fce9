import { parentPort, workerData } from "node:worker_threads";
import { nth } from "./adversarial.ts";
import { parserDocs } from "./parser-docs.ts";
import { isNamedWaybillError, parserTargets, type ParserTarget } from "./parser-targets.ts";

/**
 * Runs inside a worker thread so that the main thread can watch it: a parser stuck in a
 * synchronous loop cannot answer, and the watchdog terminates it and reports the hang. Each
 * document is the i-th value of the doc arbitrary for the seed, so the main thread can rebuild it.
 */
export interface WorkerInput {
	seed: number;
	firstDoc: number;
	budget: number;
}

export type WorkerMessage =
	| { t: "begin"; doc: number; target: string }
	| { t: "end"; doc: number; target: string; outcome: "returned" | "named"; ms: number }
	| { t: "crash"; doc: number; target: string; error: string; how: string; input: string; ms: number }
	| { t: "minimising"; doc: number; target: string }
	| { t: "minimal"; doc: number; target: string; minimal: string }
	| { t: "polluted"; doc: number; keys: string[]; how: string }
	| { t: "done"; docs: number };

const { seed, firstDoc, budget } = workerData as WorkerInput;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const targets = parserTargets();
const docs = parserDocs();
const baseline = new Set(Object.getOwnPropertyNames(Object.prototype));

function describe(e: unknown): string {
	const err = e as { name?: string; message?: string; type?: string; reader?: string; stack?: string };
	const frame = err?.stack?.split("\n").find((l) => l.includes("/services/") || l.includes("/bin/") || l.includes("/mixins/"))?.trim() ?? "";
	return `${err?.name ?? typeof e}${err?.type ? ` [${err.type}]` : ""}${err?.reader ? ` in ${err.reader}` : ""}: ${String(err?.message ?? e).slice(0, 200)}${frame ? ` ${frame.replace(/^at /, "at ").replace(/\(file:\/\/.*?\/(services|bin|mixins)\//, "($1/")}` : ""}`;
}

/** The target's verdict on one text: undefined when it returned or threw a named error, else what went wrong. */
async function verdict(target: ParserTarget, text: string): Promise<{ crash?: string; named: boolean }> {
	try {
		const result = await target.run(text);
		const bad = target.check?.(result);
		return bad ? { crash: bad, named: false } : { named: false };
	} catch (e: unknown) {
		return isNamedWaybillError(e) ? { named: true } : { crash: describe(e), named: false };
	}
}

const signatureOf = (s: string) => s.replace(/'[^']*'|"[^"]*"|\d+/g, "#").slice(0, 80);

/** Delta debugging (ddmin) over characters, bounded: the smallest text that fails the same way. */
async function minimise(target: ParserTarget, text: string, failure: string): Promise<string> {
	const same = async (candidate: string) => {
		const v = await verdict(target, candidate);
		return v.crash !== undefined && signatureOf(v.crash) === signatureOf(failure);
	};
	let current = text;
	let chunks = 2;
	const deadline = Date.now() + 4_000;
	while (current.length > 1 && Date.now() < deadline) {
		const size = Math.ceil(current.length / chunks);
		let reduced = false;
		for (let start = 0; start < current.length && Date.now() < deadline; start += size) {
			const candidate = current.slice(0, start) + current.slice(start + size);
			if (await same(candidate)) {
				current = candidate;
				chunks = Math.max(chunks - 1, 2);
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (size === 1) break;
			chunks = Math.min(chunks * 2, current.length);
		}
	}
	return current;
}

const minimised = new Set<string>();
let calls = 0;
let doc = firstDoc;
while (calls < budget) {
	const { kind, text, how } = nth(docs, seed, doc);
	for (const target of targets) {
		if (!target.kinds.includes(kind)) continue;
		post({ t: "begin", doc, target: target.name });
		const started = performance.now();
		const v = await verdict(target, text);
		const ms = performance.now() - started;
		calls++;
		if (v.crash === undefined) {
			post({ t: "end", doc, target: target.name, outcome: v.named ? "named" : "returned", ms });
			continue;
		}
		post({ t: "crash", doc, target: target.name, error: v.crash, how, input: JSON.stringify(text.slice(0, 300)) + (text.length > 300 ? `…(${text.length} chars)` : ""), ms });
		const key = `${target.name} ${signatureOf(v.crash)}`;
		if (minimised.has(key) || text.length > 200_000) continue;
		minimised.add(key);
		post({ t: "minimising", doc, target: target.name });
		const minimal = await minimise(target, text, v.crash);
		post({ t: "minimal", doc, target: target.name, minimal: JSON.stringify(minimal.slice(0, 600)) + (minimal.length > 600 ? `…(${minimal.length} chars)` : "") });
	}
	const added = Object.getOwnPropertyNames(Object.prototype).filter((k) => !baseline.has(k));
	if (added.length > 0) {
		post({ t: "polluted", doc, keys: added, how });
		for (const k of added) delete (Object.prototype as Record<string, unknown>)[k];
	}
	doc++;
}
post({ t: "done", docs: doc - firstDoc });

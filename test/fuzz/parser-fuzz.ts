import { Worker } from "node:worker_threads";
import { nth } from "./adversarial.ts";
import { parserDocs } from "./parser-docs.ts";
import { preview, type Tally } from "./tally.ts";
import type { WorkerInput, WorkerMessage } from "./parser-worker.ts";

export interface ParserFuzzOptions {
	seed: number;
	/** Parser calls to make: one document through one entry point is one input. */
	budget: number;
	/** A call that has not returned by then is a hang. */
	timeoutMs: number;
	tally: Tally;
	log: (line: string) => void;
}

export interface ParserFuzzResult {
	docs: number;
	hangs: number;
	slowest: { target: string; ms: number; doc: number };
	/** Calls and total time per entry point: where the budget went. */
	byTarget: Record<string, { calls: number; ms: number }>;
}

/**
 * Feeds generated documents to every parser entry point in a worker thread, watched from here:
 * a call past `timeoutMs` is a hang, the worker is terminated and a fresh one resumes at the next
 * document. Returns or a named Waybill error is fine; anything else is a parser crash.
 */
export async function runParserFuzz(options: ParserFuzzOptions): Promise<ParserFuzzResult> {
	const { tally } = options;
	const result: ParserFuzzResult = { docs: 0, hangs: 0, slowest: { target: "", ms: 0, doc: -1 }, byTarget: {} };
	let nextDoc = 0;
	let remaining = options.budget;
	while (remaining > 0) {
		const outcome = await new Promise<{ resumeAt?: number; used: number }>((resolve) => {
			const worker = new Worker(new URL("./parser-worker.ts", import.meta.url), { workerData: { seed: options.seed, firstDoc: nextDoc, budget: remaining } satisfies WorkerInput });
			let used = 0;
			let current: { doc: number; target: string } | undefined;
			let deadline: NodeJS.Timeout | undefined;
			const arm = (ms: number) => {
				clearTimeout(deadline);
				deadline = setTimeout(() => {
					const doc = nth(parserDocs(), options.seed, current!.doc);
					result.hangs++;
					tally.parserInputs++;
					tally.fail({ kind: "parser-hang", where: current!.target, input: `doc ${current!.doc} (${doc.how}) ${preview(doc.text, 300)}`, got: `no answer within ${ms} ms` });
					void worker.terminate();
					resolve({ resumeAt: current!.doc + 1, used: used + 1 });
				}, ms);
			};
			worker.on("message", (m: WorkerMessage) => {
				if (m.t === "begin") {
					current = { doc: m.doc, target: m.target };
					arm(options.timeoutMs);
				} else if (m.t === "end") {
					clearTimeout(deadline);
					used++;
					tally.parserInputs++;
					if (m.outcome === "returned") tally.parserReturned++;
					else tally.parserNamedErrors++;
					const t = (result.byTarget[m.target] ??= { calls: 0, ms: 0 });
					t.calls++;
					t.ms += m.ms;
					if (m.ms > result.slowest.ms) result.slowest = { target: m.target, ms: Math.round(m.ms), doc: m.doc };
					if (tally.parserInputs % 2000 === 0) options.log(`parsers: ${tally.parserInputs} inputs, ${tally.parserCrashes} crashes`);
				} else if (m.t === "crash") {
					clearTimeout(deadline);
					used++;
					tally.parserInputs++;
					tally.fail({ kind: "parser-crash", where: m.target, input: `doc ${m.doc} (${m.how}) ${m.input}`, got: m.error });
				} else if (m.t === "minimising") arm(options.timeoutMs + 6_000);
				else if (m.t === "minimal") {
					clearTimeout(deadline);
					// The example of that signature gains its minimal input.
					for (const s of tally.signatures.values()) {
						if (s.example.kind === "parser-crash" && s.example.where === m.target && s.example.input.startsWith(`doc ${m.doc} `) && !s.example.input.includes("minimal:")) s.example.input += ` minimal: ${m.minimal}`;
					}
				} else if (m.t === "polluted") {
					tally.fail({ kind: "prototype-polluted", where: "parsers", input: `doc ${m.doc} (${m.how})`, got: `Object.prototype gained ${m.keys.join(", ")}` });
				} else if (m.t === "done") {
					clearTimeout(deadline);
					result.docs += m.docs;
					void worker.terminate();
					resolve({ used });
				}
			});
			worker.on("error", (e) => {
				clearTimeout(deadline);
				tally.fail({ kind: "parser-crash", where: current?.target ?? "parser worker", input: current ? `doc ${current.doc}` : "", got: `worker died: ${e.name}: ${e.message}` });
				resolve({ resumeAt: (current?.doc ?? nextDoc) + 1, used: used + 1 });
			});
		});
		remaining -= outcome.used;
		if (outcome.resumeAt === undefined) break;
		result.docs += outcome.resumeAt - nextDoc;
		nextDoc = outcome.resumeAt;
	}
	return result;
}

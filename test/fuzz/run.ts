import { parseArgs } from "node:util";
import { runFuzz } from "./fuzz-suite.ts";

/**
 * The fuzz suite from the command line: `npm run test:fuzz -- --inputs 6000 --seed 7`. Progress
 * goes to stderr; the last line on stdout is one JSON object (the report). Exits 1 on any crash,
 * unhandled rejection, forged request accepted or heap growth past the limit.
 */
const { values } = parseArgs({
	options: {
		inputs: { type: "string", default: "6000" },
		seed: { type: "string" },
		"max-heap-growth-mb": { type: "string", default: "50" },
		"parser-timeout-ms": { type: "string", default: "5000" },
	},
});

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
let reported = false;
// A run that dies before reporting still ends with a JSON line saying so.
process.on("exit", (code) => {
	if (!reported) console.log(JSON.stringify({ inputs: 0, rejected4xx: 0, accepted: 0, crashes: 1, unhandled: 0, forgedAccepted: 0, processDied: true, exitCode: code, seed }));
});

const report = await runFuzz({
	inputs: Number(values.inputs),
	seed,
	maxHeapGrowthMb: Number(values["max-heap-growth-mb"]),
	parserTimeoutMs: Number(values["parser-timeout-ms"]),
	log: (line) => process.stderr.write(`[fuzz] ${line}\n`),
});
for (const e of report.examples) process.stderr.write(`[fuzz] ${e.kind} ×${e.count} at ${e.where}: ${e.got}\n        input: ${e.input.slice(0, 400)}\n`);
reported = true;
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ERROR_TYPES } from "../../canonical/errors/index.ts";
import { ALL_SERVICES } from "../../bin/service-catalogue.ts";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { explainServerErrors, runHttpFuzz, runProtocolCases, runRateLimitBurst } from "./http-fuzz.ts";
import { runParserFuzz, type ParserFuzzResult } from "./parser-fuzz.ts";
import { configureMissingSecrets } from "./partner-signing.ts";
import { buildWorld, drainAndReadDeadLetters } from "./platform-world.ts";
import { closeAgent } from "./raw-http.ts";
import { fuzzRoutes } from "./routes.ts";
import { runSignatureFuzz } from "./signature-fuzz.ts";
import { Tally, type Failure } from "./tally.ts";

export interface FuzzOptions {
	/** Total inputs: HTTP requests plus parser calls. */
	inputs: number;
	seed: number;
	log: (line: string) => void;
	parserTimeoutMs?: number;
	maxHeapGrowthMb?: number;
}

export interface FuzzReport {
	inputs: number;
	rejected4xx: number;
	accepted: number;
	crashes: number;
	unhandled: number;
	forgedAccepted: number;
	heapGrowthMb: number;
	parserInputs: number;
	httpInputs: number;
	httpCrashes: number;
	parserCrashes: number;
	parserHangs: number;
	pipelineUnexpected: number;
	documentedNonProblem4xx: number;
	rateLimited429: number;
	forgeries: number;
	replaysInWindow: number;
	genuineRefused: string[];
	routes: number;
	/** What the mapper dead-lettered (accepted webhooks it could not map), by error type. */
	deadLetters: Record<string, number>;
	status: Record<string, number>;
	byRoute: Record<string, Record<string, number>>;
	problemTypes: Record<string, number>;
	parserSlowest: ParserFuzzResult["slowest"];
	seed: number;
	durationMs: number;
	ok: boolean;
	examples: Array<Failure & { count: number }>;
}

/** The process's own gc, exposed at run time when node was not started with --expose-gc. */
function collector(): () => void {
	const g = (globalThis as { gc?: () => void }).gc;
	if (g) return g;
	setFlagsFromString("--expose-gc");
	return runInNewContext("gc") as () => void;
}

async function settledHeapMb(gc: () => void): Promise<number> {
	for (let i = 0; i < 4; i++) {
		gc();
		await new Promise((r) => setTimeout(r, 50));
	}
	return process.memoryUsage().heapUsed / 1_048_576;
}

const ENV = {
	API_RATE_LIMIT_PER_SECOND: "100000",
	WEBHOOK_RATE_LIMIT_PER_SECOND: "100000",
	ANONYMOUS_RATE_LIMIT_PER_SECOND: "100000",
	NOTIFIER_MAX_ATTEMPTS: "1",
	NOTIFIER_TIMEOUT_MS: "1000",
	TEST_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "fatal",
};

const NAMED: ReadonlySet<string> = new Set(Object.values(ERROR_TYPES));

/**
 * The whole fuzz run: the platform started in-process, every route fuzzed, every partner's
 * signature forged, every parser fed mutants in a watched worker, the heap compared after a
 * warm-up and at the end. Never throws for a finding: findings are counted and exemplified.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
	const started = Date.now();
	const tally = new Tally();
	const gc = collector();
	const onRejection = (reason: unknown) => tally.fail({ kind: "unhandled", where: "process unhandledRejection", input: "", got: String((reason as Error)?.stack ?? reason).slice(0, 400) });
	const onException = (error: Error) => tally.fail({ kind: "unhandled", where: "process uncaughtException", input: "", got: String(error?.stack ?? error).slice(0, 400) });
	process.on("unhandledRejection", onRejection);
	process.on("uncaughtException", onException);
	const savedEnv = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
	Object.assign(process.env, ENV);
	const removeSecrets = configureMissingSecrets();
	const protoBaseline = new Set(Object.getOwnPropertyNames(Object.prototype));
	let h: Harness | undefined;
	let heapGrowthMb = 0;
	let signature = { forgeries: 0, replays: 0, genuineRefused: [] as string[] };
	let rateLimited = 0;
	let parser: ParserFuzzResult = { docs: 0, hangs: 0, slowest: { target: "", ms: 0, doc: -1 }, byTarget: {} };
	let pipelineUnexpected = 0;
	const deadLetters: Record<string, number> = {};
	try {
		h = await startHarness({ mode: "embedded", services: ALL_SERVICES });
		const base = new URL(h.gatewayUrl);
		const world = await buildWorld(h, base);
		const webhookRoute = world.routes.find((r) => r.action === "gateway.receiveWebhook")!;
		const parserBudget = Math.round(options.inputs * 0.4);
		// About 200 more come from the signature forgeries, the protocol cases and the rate-limit burst.
		const httpBudget = Math.max(50, options.inputs - parserBudget - 200);
		const warmup = Math.round(httpBudget * 0.15);
		options.log(`fuzzing ${world.routes.length} routes and ${world.partners.length} partners; ${httpBudget} HTTP cases, ~${parserBudget} parser inputs, seed ${options.seed}`);
		// The parsers run in their own thread meanwhile: two cores, two workloads.
		const parsing = runParserFuzz({ seed: options.seed, budget: parserBudget, timeoutMs: options.parserTimeoutMs ?? 5_000, tally, log: options.log });
		await runHttpFuzz(base, world, { seed: options.seed, first: 0, count: warmup, concurrency: 6, tally, log: options.log });
		const heapAfterWarmup = await settledHeapMb(gc);
		options.log(`heap after warm-up: ${heapAfterWarmup.toFixed(1)} MB`);
		await runHttpFuzz(base, world, { seed: options.seed, first: warmup, count: httpBudget - warmup, concurrency: 6, tally, log: options.log });
		options.log("forging signatures");
		signature = await runSignatureFuzz(base, world.partners, webhookRoute, tally, 1);
		await runProtocolCases(base, tally);
		rateLimited = await runRateLimitBurst(base, world.limitedKey, tally, world.routes.find((r) => r.action === "gateway.whoami"));
		await explainServerErrors(base, tally, (h.client.getLocalService("gateway") as unknown as { logger: { error: (...a: unknown[]) => void } }).logger);
		parser = await parsing;
		const letters = await drainAndReadDeadLetters(h, options.log);
		for (const l of letters) deadLetters[l.error.type] = (deadLetters[l.error.type] ?? 0) + 1;
		for (const letter of letters.filter((l) => !NAMED.has(l.error.type))) {
			pipelineUnexpected++;
			tally.fail({ kind: "pipeline-unexpected", where: `${letter.channel}/${letter.group}`, input: `partner ${letter.partner ?? "?"} ${letter.messageType ?? ""} ${JSON.stringify(letter.message).slice(0, 200)}`, got: `${letter.error.name} [${letter.error.type}]: ${letter.error.message.slice(0, 200)}` });
		}
		const added = Object.getOwnPropertyNames(Object.prototype).filter((k) => !protoBaseline.has(k));
		if (added.length > 0) tally.fail({ kind: "prototype-polluted", where: "gateway process", input: "", got: `Object.prototype gained ${added.join(", ")}` });
		heapGrowthMb = (await settledHeapMb(gc)) - heapAfterWarmup;
		options.log(`heap growth since warm-up: ${heapGrowthMb.toFixed(1)} MB`);
		if (heapGrowthMb > (options.maxHeapGrowthMb ?? 50)) tally.fail({ kind: "memory", where: "gateway process", input: "", got: `heap grew ${heapGrowthMb.toFixed(1)} MB` });
	} finally {
		await h?.stop().catch((e: unknown) => options.log(`harness stop failed: ${(e as Error).message}`));
		closeAgent();
		removeSecrets();
		for (const [k, v] of Object.entries(savedEnv)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
		// A rejection from the harness's own shutdown still counts; give it a tick to surface.
		await new Promise((r) => setTimeout(r, 100));
		process.off("unhandledRejection", onRejection);
		process.off("uncaughtException", onException);
	}
	const parserCrashes = tally.parserCrashes;
	const httpCrashes = tally.crashes - pipelineUnexpected - [...tally.signatures.values()].filter((s) => s.example.kind === "prototype-polluted").reduce((a, s) => a + s.count, 0);
	const crashes = tally.crashes + parserCrashes;
	const memoryOk = heapGrowthMb <= (options.maxHeapGrowthMb ?? 50);
	return {
		inputs: tally.httpInputs + tally.parserInputs,
		rejected4xx: tally.rejected4xx,
		accepted: tally.accepted,
		crashes,
		unhandled: tally.unhandled,
		forgedAccepted: tally.forgedAccepted,
		heapGrowthMb: Math.round(heapGrowthMb * 10) / 10,
		parserInputs: tally.parserInputs,
		httpInputs: tally.httpInputs,
		httpCrashes,
		parserCrashes,
		parserHangs: parser.hangs,
		pipelineUnexpected,
		documentedNonProblem4xx: tally.documentedNonProblem4xx,
		rateLimited429: rateLimited,
		forgeries: signature.forgeries,
		replaysInWindow: signature.replays,
		genuineRefused: signature.genuineRefused,
		routes: fuzzRoutes().length,
		deadLetters,
		status: tally.status,
		byRoute: tally.byRoute,
		problemTypes: tally.problemTypes,
		parserSlowest: parser.slowest,
		seed: options.seed,
		durationMs: Date.now() - started,
		ok: crashes === 0 && tally.unhandled === 0 && tally.forgedAccepted === 0 && memoryOk,
		examples: tally.examples(),
	};
}

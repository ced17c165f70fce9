import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { sampleOrder } from "../../bin/demo/order-factory.ts";
import { targetsOf, type BenchResult } from "../../bin/bench/bench-result.ts";
import type { InFlightLevel } from "../../bin/bench/in-flight.ts";
import { latencyChartSvg } from "../../bin/bench/latency-chart.ts";
import { ledgerLatencies } from "../../bin/bench/ledger-latency.ts";
import { offerAtRate } from "../../bin/bench/open-loop.ts";
import { percentiles, type Percentiles } from "../../bin/bench/percentiles.ts";
import { markdownReport } from "../../bin/bench/report.ts";
import type { StepResult } from "../../bin/bench/stepped-rates.ts";
import type { LedgerEntry, LedgerKind } from "../../services/ledger/ledger-entry.ts";

describe("percentiles", () => {
	it("gives zeros and a count of 0 for no values", () => {
		assert.deepEqual(percentiles([]), { count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
	});

	it("picks the nearest rank: the value at or above the share asked for", () => {
		const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
		assert.deepEqual(percentiles(hundred), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
		const ten = Array.from({ length: 10 }, (_, i) => i + 1);
		assert.deepEqual(percentiles(ten), { count: 10, p50: 5, p95: 10, p99: 10, max: 10 });
	});

	it("rounds to a tenth and leaves the input in its order", () => {
		const values = [1.26, 1.24];
		assert.deepEqual(percentiles(values), { count: 2, p50: 1.2, p95: 1.3, p99: 1.3, max: 1.3 });
		assert.deepEqual(values, [1.26, 1.24]);
	});
});

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const WINDOW = { fromMs: T0, toMs: T0 + 3_000 };
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

interface Message {
	id: string;
	channel: string;
	kind: LedgerKind;
	type: string;
	subject: string;
	source: string;
	causedBy?: string;
	/** Offsets from T0, ms: when the stream stored it and when the ledger committed it. */
	stored: number;
	committed: number;
}

/** A ledger entry with the fields the latency reader uses taken from `m`; the rest plausible filler. */
function entry(m: Message, seq: number): LedgerEntry {
	return {
		seq,
		recordedAt: at(m.committed),
		channel: m.channel,
		kind: m.kind,
		messageId: m.id,
		type: m.type,
		subject: m.subject,
		correlationId: m.subject,
		...(m.causedBy ? { causationId: m.causedBy } : {}),
		source: m.source,
		eventTime: at(m.stored),
		storedAt: at(m.stored),
		digest: "d".repeat(64),
		prevHash: "0".repeat(64),
		hash: "h".repeat(64),
	};
}

const ledger = (...messages: Message[]) => messages.map((m, i) => entry(m, i + 1));

/** What the gateway stores on `inbound` for a release or a webhook. */
const inbound = (id: string, orderId: string, stored: number, committed = stored + 5): Message => ({
	id, channel: "inbound", kind: "inbound", type: "inbound.partner-message.received", subject: orderId, source: "waybill/gateway", stored, committed,
});

/** The canonical fact the mapper published for an inbound message. */
const fact = (id: string, cause: Message, type: string, stored: number, committed: number): Message => ({
	id, channel: "events", kind: "fact", type, subject: cause.subject, source: "partner/erp/erp-sim", causedBy: cause.id, stored, committed,
});

/** A release, the saga's command and status for it, and the WMS's answer to the command. */
function releaseStory(orderId: string) {
	const release = inbound(`in-${orderId}`, orderId, 100, 105);
	const released = fact(`fact-${orderId}`, release, "erp.order.released", 110, 120);
	const command: Message = { id: `cmd-${orderId}`, channel: "commands-wms", kind: "command", type: "wms.fulfillment-order.create", subject: orderId, source: "waybill/saga", causedBy: released.id, stored: 130, committed: 135 };
	const status: Message = { id: `status-${orderId}`, channel: "events", kind: "status", type: "waybill.order.status-changed", subject: orderId, source: "waybill/saga", causedBy: released.id, stored: 131, committed: 132 };
	const answer: Message = { id: `answer-${orderId}`, channel: "events", kind: "fact", type: "wms.fulfillment.accepted", subject: orderId, source: "partner/wms/wms-sim", causedBy: command.id, stored: 150, committed: 160 };
	return [release, released, command, status, answer];
}

describe("ledgerLatencies", () => {
	it("times a release from the client's send to its fact's ledger commit", () => {
		const report = ledgerLatencies(ledger(...releaseStory("SO-1")), WINDOW, new Map([["SO-1", T0 + 90]]));
		assert.equal(report.ingressToFact.count, 1);
		assert.equal(report.ingressToFact.p50, 120 - 90);
		assert.equal(report.hops["client → gateway → inbound (release)"]?.p50, 100 - 90);
	});

	it("times a release the client did not time, and a webhook, from when the gateway stored them", () => {
		const release = inbound("in-release", "SO-2", 100);
		const webhook = inbound("in-webhook", "SO-3", 200);
		const entries = ledger(release, fact("f-release", release, "erp.order.released", 110, 125), webhook, fact("f-webhook", webhook, "wms.shipment.manifested", 210, 240));
		// SO-3 was sent by the client too, but its inbound message became no release: the send time does not apply.
		const report = ledgerLatencies(entries, WINDOW, new Map([["SO-3", T0 + 50]]));
		assert.deepEqual([report.ingressToFact.count, report.ingressToFact.p50, report.ingressToFact.max], [2, 25, 40]);
		assert.equal(report.hops["client → gateway → inbound (release)"], undefined);
	});

	it("counts to the latest commit of the facts an inbound message became", () => {
		const webhook = inbound("in-1", "SO-4", 100);
		const entries = ledger(webhook, fact("f-1", webhook, "wms.pick.confirmed", 110, 150), fact("f-2", webhook, "wms.pack.completed", 111, 130));
		assert.equal(ledgerLatencies(entries, WINDOW, new Map()).ingressToFact.p50, 50);
	});

	it("follows causation transitively to the last consequence: fact, saga command, the partner's answer", () => {
		const report = ledgerLatencies(ledger(...releaseStory("SO-1")), WINDOW, new Map([["SO-1", T0 + 90]]));
		assert.equal(report.ingressToLastConsequence.p50, 160 - 90);
	});

	it("labels each hop by stream and publisher and measures it store to store, and every stream to the ledger commit", () => {
		const report = ledgerLatencies(ledger(...releaseStory("SO-1")), WINDOW, new Map([["SO-1", T0 + 90]]));
		const medians = Object.fromEntries(Object.entries(report.hops).map(([label, p]) => [label, [p.count, p.p50]]));
		assert.deepEqual(medians, {
			"client → gateway → inbound (release)": [1, 10],
			"inbound → mapper → events": [1, 10],
			"events → saga → commands-wms": [1, 20],
			"events → saga → events": [1, 21],
			"commands-wms → wms adapter → events": [1, 20],
			"inbound → ledger commit": [1, 5],
			"events → ledger commit": [3, 10],
			"commands-wms → ledger commit": [1, 5],
		});
		assert.deepEqual(Object.keys(report.hops), Object.keys(report.hops).sort((a, b) => a.localeCompare(b)));
	});

	it("leaves out inbound messages stored outside the window and those that became no fact", () => {
		const before = inbound("in-before", "SO-5", -10);
		const inside = inbound("in-inside", "SO-6", 1_000);
		const afterIt = inbound("in-after", "SO-7", 3_001);
		const refused = inbound("in-refused", "SO-8", 1_100);
		const deadLetter: Message = { id: "dl-1", channel: "dead-letters", kind: "dead-letter", type: "waybill.dead-letter", subject: "SO-8", source: "waybill/mapper", causedBy: refused.id, stored: 1_110, committed: 1_115 };
		const entries = ledger(
			before, fact("f-before", before, "wms.pick.confirmed", 0, 500),
			inside, fact("f-inside", inside, "wms.pick.confirmed", 1_010, 1_030),
			afterIt, fact("f-after", afterIt, "wms.pick.confirmed", 3_010, 3_900),
			refused, deadLetter,
		);
		const report = ledgerLatencies(entries, WINDOW, new Map());
		assert.deepEqual(report.ingressToFact, { count: 1, p50: 30, p95: 30, p99: 30, max: 30 });
		assert.equal(report.ingressToLastConsequence.count, 1);
	});

	it("reports queue growth above 1 when latency at the end of the window exceeds that at its start, and 1 when it holds", () => {
		const webhookAt = (n: number, stored: number, latency: number) => {
			const message = inbound(`in-${n}`, `SO-${n}`, stored);
			return [message, fact(`f-${n}`, message, "wms.pick.confirmed", stored + 5, stored + latency)];
		};
		const growing = ledger(...webhookAt(1, 100, 20), ...webhookAt(2, 200, 20), ...webhookAt(3, 1_500, 50), ...webhookAt(4, 2_500, 80), ...webhookAt(5, 2_700, 80));
		assert.equal(ledgerLatencies(growing, WINDOW, new Map()).queueGrowth, 4);
		const steady = ledger(...webhookAt(1, 100, 20), ...webhookAt(2, 1_500, 20), ...webhookAt(3, 2_700, 20));
		assert.equal(ledgerLatencies(steady, WINDOW, new Map()).queueGrowth, 1);
	});
});

const spread = (p50: number, p95: number, p99: number, count = 100): Percentiles => ({ count, p50, p95, p99, max: p99 });

function step(ordersPerSecond: number, committedEventsPerSecond: number, toFact: Percentiles, keptUp: boolean, more: Partial<StepResult> = {}): StepResult {
	return {
		ordersPerSecond,
		offeredEventsPerSecond: ordersPerSecond * 10,
		committedEventsPerSecond,
		accepted: ordersPerSecond * 20,
		refused: 0,
		skipped: 0,
		drainMs: keptUp ? 1_200 : undefined,
		keptUp,
		httpMs: spread(2, 5, 8),
		latency: { ingressToFact: toFact, ingressToLastConsequence: spread(20, 50, 60), hops: {}, queueGrowth: 1.1 },
		cpuSecondsPer1000Events: {},
		...more,
	};
}

describe("latencyChartSvg", () => {
	const steps = [step(25, 248, spread(12, 30, 45), true), step(50, 497, spread(15, 40, 60), true), step(100, 700, spread(400, 900, 2_500), false)];
	const svg = latencyChartSvg(steps, `Waybill <quick> & "co"`);
	const polylines = [...svg.matchAll(/<polyline [^>]*stroke="([^"]+)"[^>]*points="([^"]*)"\/>/g)].map(([, colour, points]) => ({
		colour: colour!,
		points: points!.split(" ").map((pair) => pair.split(",").map(Number) as [number, number]),
	}));

	it("is one standalone SVG element of self-closing shapes and text", () => {
		const lines = svg.split("\n");
		assert.match(lines[0]!, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>$/);
		assert.equal(lines.at(-1), "</svg>");
		for (const line of lines.slice(1, -1)) assert.match(line, /^<(\w+) [^<>]*\/>$|^<text [^<>]*>[^<>]*<\/text>$/, line);
		assert.ok(svg.includes("Waybill &lt;quick&gt; &amp; &quot;co&quot;"));
	});

	it("draws one line per percentile with one point per step, in order of throughput", () => {
		assert.equal(polylines.length, 3);
		assert.equal(new Set(polylines.map((p) => p.colour)).size, 3);
		for (const line of polylines) {
			assert.equal(line.points.length, steps.length);
			const xs = line.points.map(([x]) => x);
			assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
		}
		const [p50, , p99] = polylines;
		for (let i = 0; i < steps.length; i++) assert.ok(p99!.points[i]![1] < p50!.points[i]![1], "higher latency is drawn higher up");
		assert.equal([...svg.matchAll(/<circle /g)].length, 3 * steps.length);
	});

	it("draws the saturated step hollow in every series", () => {
		const hollow = [...svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)" [^>]*fill="white"/g)];
		assert.equal(hollow.length, 3);
		const saturatedX = polylines[0]!.points[2]![0];
		for (const [, cx] of hollow) assert.equal(Number(cx), saturatedX);
	});
});

function inFlightLevel(ordersInFlight: number, redisBytesPerOrder: number, marginalRedisBytesPerOrder: number, probeP99: number, fillMinutes = 1): InFlightLevel {
	return { ordersInFlight, redisBytesPerOrder, marginalRedisBytesPerOrder, probeIngressToFact: spread(probeP99 / 4, probeP99 / 2, probeP99), fillMinutes };
}

function benchWithoutTargets(more: Partial<BenchResult> = {}): Omit<BenchResult, "targets"> {
	const half = step(25, 248, spread(12, 30, 45), true, {
		latency: { ingressToFact: spread(12, 30, 45), ingressToLastConsequence: spread(20, 50, 60), hops: { "inbound → mapper → events": spread(3, 5, 9, 400) }, queueGrowth: 1.1 },
	});
	return {
		rawNatsPubSubPerSec: 900_000,
		rawJetStreamPublishPerSec: 3_300,
		rawJetStreamWindow: 128,
		rawMoleculerCallsPerSec: 20_000,
		payloadBytes: 1_024,
		startedAt: "2025-03-01T10:00:00.000Z",
		node: "v24.0.0",
		machine: { cpus: 2, memoryGiB: 8 },
		quick: false,
		eventsPerOrder: 10,
		steps: [
			half,
			step(50, 497, spread(15, 40, 60), true, { drainMs: 2_300, cpuSecondsPer1000Events: { gateway: 0.5, mapper: 1.5, saga: 0.9 } }),
			step(100, 700, spread(400, 900, 2_500), false, { latency: { ingressToFact: spread(400, 900, 2_500), ingressToLastConsequence: spread(500, 1_000, 3_000), hops: {}, queueGrowth: 3.4 } }),
		],
		e2eEventsPerSec: 497,
		e2eOrdersPerSec: 50,
		saturatedEventsPerSec: 700,
		ratioToJetStream: 0.15,
		halfRate: half,
		p50Ms: 12,
		p95Ms: 30,
		p99Ms: 45,
		inFlight: [inFlightLevel(1_000, 2_048, 2_048, 40, 0.5), inFlightLevel(10_000, 2_100, 2_200, 44, 4.5)],
		redisBytesPerOrder: 2_100,
		...more,
	};
}

describe("targetsOf", () => {
	const met = (more: Partial<BenchResult>) => {
		const targets = targetsOf(benchWithoutTargets(more));
		return { throughput: targets.throughput!.met, latency: targets.latency!.met, inFlightGrowth: targets.inFlightGrowth!.met };
	};

	it("meets the throughput target from exactly 0.2 times raw JetStream publish", () => {
		assert.equal(met({ ratioToJetStream: 0.2 }).throughput, true);
		assert.equal(met({ ratioToJetStream: 0.19 }).throughput, false);
	});

	it("meets the latency target only with a p99 of at most 50 ms measured at half the sustained rate", () => {
		assert.equal(met({ p99Ms: 50 }).latency, true);
		assert.equal(met({ p99Ms: 50.1 }).latency, false);
		assert.equal(met({ p99Ms: 10, halfRate: undefined }).latency, false);
	});

	it("compares the last in-flight level with the first, p99 and bytes per added order, within 1.2x", () => {
		const within = targetsOf(benchWithoutTargets({ inFlight: [inFlightLevel(1_000, 2_000, 2_000, 40), inFlightLevel(5_000, 2_100, 2_100, 44), inFlightLevel(10_000, 2_200, 2_400, 48)] }));
		assert.deepEqual(within.inFlightGrowth, {
			target: "no growth in p99 or Redis bytes per order from 1000 to 10000 in flight (within 1.2x)",
			measured: "p99 x1.20, bytes per added order x1.20",
			met: true,
		});
		assert.equal(met({ inFlight: [inFlightLevel(1_000, 2_000, 2_000, 40), inFlightLevel(10_000, 2_000, 2_000, 60)] }).inFlightGrowth, false);
		assert.equal(met({ inFlight: [inFlightLevel(1_000, 2_000, 2_000, 40), inFlightLevel(10_000, 2_600, 2_600, 40)] }).inFlightGrowth, false);
		assert.equal(met({ inFlight: [] }).inFlightGrowth, false);
	});
});

describe("markdownReport", () => {
	const bench = benchWithoutTargets();
	const report = markdownReport({ ...bench, targets: targetsOf(bench) });
	const lines = report.split("\n");

	it("has a row for every step, saturated ones marked and without a drain time", () => {
		assert.ok(lines.includes("| 25 | 250 | 248 | yes | 1.2 | x1.1 | 12 | 30 | 45 | 60 | 8 |"));
		assert.ok(lines.includes("| 50 | 500 | 497 | yes | 2.3 | x1.1 | 15 | 40 | 60 | 60 | 8 |"));
		assert.ok(lines.includes("| 100 | 1,000 | 700 | **no** | timeout | x3.4 | 400 | 900 | 2500 | 3000 | 8 |"));
	});

	it("shows the hops of the half-rate step and the CPU of the highest step that kept up, busiest first", () => {
		assert.ok(lines.includes("## Per hop, at 25 orders/s"));
		assert.ok(lines.includes("| inbound → mapper → events | 400 | 3 | 5 | 9 |"));
		assert.ok(lines.includes("## CPU seconds per 1,000 events, at 50 orders/s"));
		const cpu = lines.filter((line) => /^\| (gateway|mapper|saga) \|/.test(line));
		assert.deepEqual(cpu, ["| mapper | 1.5 |", "| saga | 0.9 |", "| gateway | 0.5 |"]);
	});

	it("has a row for every in-flight level", () => {
		assert.ok(lines.includes("| 1,000 | 2,048 | 2,048 | 10 | 40 | 0.5 |"));
		assert.ok(lines.includes("| 10,000 | 2,100 | 2,200 | 11 | 44 | 4.5 |"));
	});

	it("lists every target with whether it was met", () => {
		assert.ok(lines.includes("| e2e events/s >= 0.2 x raw JetStream publish/s (stretch 0.3) | 0.15 | **no** |"));
		assert.ok(lines.includes("| p99 ingress to ledger <= 50 ms at half the sustained rate | 45 ms | yes |"));
		assert.ok(lines.includes("| no growth in p99 or Redis bytes per order from 1000 to 10000 in flight (within 1.2x) | p99 x1.10, bytes per added order x1.07 | yes |"));
	});
});

interface Arrival {
	orderId: string;
	/** performance.now() when the request's headers reached the server. */
	at: number;
	idempotencyKey: string | undefined;
	authorization: string | undefined;
}

/** A stand-in gateway on a free port: records each release it receives and answers it with `answer`'s status. */
async function startGateway(answer: (orderId: string) => number | Promise<number>) {
	const arrivals: Arrival[] = [];
	const answeredAt: number[] = [];
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const at = performance.now();
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", async () => {
			if (req.method !== "POST" || req.url !== "/api/v1/orders") return void res.writeHead(404).end();
			const { orderId } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { orderId: string };
			arrivals.push({ orderId, at, idempotencyKey: req.headers["idempotency-key"] as string | undefined, authorization: req.headers.authorization });
			const status = await answer(orderId);
			answeredAt.push(performance.now());
			res.writeHead(status, { "content-type": "application/json" }).end("{}");
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		target: { gatewayUrl: `http://127.0.0.1:${port}`, apiKey: "bench-key" },
		arrivals,
		answeredAt,
		close: () => new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

function orders(runId: string) {
	let n = 0;
	const made: string[] = [];
	const next = () => {
		const order = sampleOrder(runId, ++n);
		made.push(order.orderId);
		return order;
	};
	return { next, made };
}

describe("offerAtRate", () => {
	it("sends rate times duration releases, rounded", async () => {
		const gateway = await startGateway(() => 202);
		try {
			const down = await offerAtRate(gateway.target, 40, 110, orders("down").next);
			const up = await offerAtRate(gateway.target, 50, 90, orders("up").next);
			assert.deepEqual([down.sent, up.sent], [4, 5]);
			assert.equal(gateway.arrivals.length, 9);
		} finally {
			await gateway.close();
		}
	});

	it("counts accepted and refused releases and keeps the send time of the accepted ones only", async () => {
		const refusedId = sampleOrder("mixed", 3).orderId;
		const gateway = await startGateway((orderId) => (orderId === refusedId ? 429 : 202));
		try {
			const { next, made } = orders("mixed");
			const offered = await offerAtRate(gateway.target, 100, 50, next);
			assert.deepEqual([offered.sent, offered.accepted, offered.refused, offered.skipped], [5, 4, 1, 0]);
			assert.deepEqual([...offered.sentAt.keys()].sort(), made.filter((id) => id !== refusedId).sort());
			assert.equal(offered.httpMs.length, 4);
			assert.deepEqual(gateway.arrivals.map((a) => a.idempotencyKey).sort(), made.map((id) => `release-${id}`).sort());
			assert.ok(gateway.arrivals.every((a) => a.authorization === "Bearer bench-key"));
		} finally {
			await gateway.close();
		}
	});

	it("counts releases the gateway never answered as refused", async () => {
		const gateway = await startGateway(() => 202);
		await gateway.close();
		const offered = await offerAtRate(gateway.target, 100, 30, orders("closed").next);
		assert.deepEqual([offered.sent, offered.accepted, offered.refused, offered.sentAt.size], [3, 0, 3, 0]);
	});

	it("sends each release on schedule without waiting for the answers to earlier ones", { timeout: 10_000 }, async () => {
		const gateway = await startGateway(async () => {
			await new Promise((resolve) => setTimeout(resolve, 300));
			return 202;
		});
		try {
			await fetch(`${gateway.target.gatewayUrl}/warm-up`).then((r) => r.arrayBuffer());
			const offered = await offerAtRate(gateway.target, 50, 200, orders("open").next);
			assert.deepEqual([offered.sent, offered.accepted], [10, 10], "it waits for every answer before it returns");
			const arrived = gateway.arrivals.map((a) => a.at);
			const firstAnswer = Math.min(...gateway.answeredAt);
			assert.ok(Math.max(...arrived) < firstAnswer, `all 10 arrived before the first answer: last arrival ${Math.max(...arrived) - Math.min(...arrived)} ms after the first, first answer after ${firstAnswer - Math.min(...arrived)} ms`);
			assert.ok(Math.max(...arrived) - Math.min(...arrived) >= 100, "paced over the step (180 ms scheduled), not sent in one burst");
		} finally {
			await gateway.close();
		}
	});

	it("skips releases while maxOutstanding requests are unanswered", { timeout: 10_000 }, async () => {
		const total = 6;
		let allOffered!: () => void;
		const gate = new Promise<void>((resolve) => (allOffered = resolve));
		const gateway = await startGateway(async () => {
			await gate;
			return 202;
		});
		try {
			const { next } = orders("skip");
			// The gateway answers nothing until the generator has taken its last order: only then may a request finish.
			const counted = () => {
				const order = next();
				if (order.orderId === sampleOrder("skip", total).orderId) setImmediate(allOffered);
				return order;
			};
			const offered = await offerAtRate(gateway.target, 100, 60, counted, 2);
			assert.deepEqual([offered.sent, offered.accepted, offered.refused, offered.skipped], [total, 2, 0, 4]);
			assert.equal(gateway.arrivals.length, 2);
		} finally {
			await gateway.close();
		}
	});
});

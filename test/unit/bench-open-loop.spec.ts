import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { sampleOrder } from "../../bin/demo/order-factory.ts";
import { offerAtRate } from "../../bin/bench/open-loop.ts";

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

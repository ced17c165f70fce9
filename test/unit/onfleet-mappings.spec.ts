import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
	ERROR_TYPES, LASTMILE_COMMANDS, LASTMILE_FACTS, assertValidMessage, catalogueEntry, createEnvelope,
	type Envelope, type ReturnOrder,
} from "../../canonical/index.ts";
import { loadProfile, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, mapResponse, renderCommand, type MappedFact, type RenderedRequest } from "../../services/mapper/canonical-mapper.ts";
import { LastMileSimulator, type LastMileOptions } from "../../simulators/index.ts";
import { at, deliveryJob, linesOf, rejected, salesOrder, SHIP_TO } from "../helpers/fixtures.ts";

const onfleet: MappingProfile = loadProfile(fileURLToPath(new URL("../../mappings/lastmile/onfleet", import.meta.url)));
const ORDER = salesOrder("SO-1001");
const JOB = deliveryJob(ORDER, "shp_9");
const SECRET = "a1b2c3d4";
const PROGRESS = ["taskAssigned", "taskStarted", "taskEta", "taskArrival"];
const PROGRESS_FACTS = [LASTMILE_FACTS.DISPATCHED, LASTMILE_FACTS.OUT_FOR_DELIVERY, LASTMILE_FACTS.ETA_UPDATED, LASTMILE_FACTS.ARRIVED];
const RETURN: ReturnOrder = {
	rma: "RMA-SO-1001",
	orderId: ORDER.orderId,
	reason: "damaged in transit",
	pickupFrom: { ...SHIP_TO, line2: "3 hoog" },
	warehouse: "WH1",
	lines: linesOf(ORDER),
};

/** A command as the lastmile service receives it: it must pass the catalogue gate too. */
function command<T>(type: string, data: T): T {
	assertValidMessage(createEnvelope({ type, source: "test", subject: ORDER.orderId, data, schemaVersion: catalogueEntry(type)!.version }));
	return data;
}

/** What the mapper service publishes for a fact: the envelope must pass the catalogue gate. */
function enveloped(fact: MappedFact): Envelope {
	const entry = catalogueEntry(fact.type);
	assert.ok(entry, `${fact.type} is catalogued`);
	assert.equal(entry.kind, "fact");
	return createEnvelope({
		type: fact.type, source: "partner/lastmile/onfleet", subject: fact.subject, time: fact.time, data: fact.data, schemaVersion: entry.version,
		idempotencyKey: `onfleet:${fact.partnerEventId}:${fact.type}`, partnerEventId: fact.partnerEventId, mappingVersion: onfleet.version,
	});
}

/** The answer's fact, checked against the catalogue; its data as the catalogue leaves it. */
async function answerFact(type: string, data: unknown, answer: unknown): Promise<{ type: string; data: unknown }> {
	const fact = await mapResponse(onfleet, type, data, answer);
	assert.ok(fact, `${type} answers with a fact`);
	const checked = assertValidMessage(createEnvelope({ type: fact.type, source: "test", subject: ORDER.orderId, data: fact.data, schemaVersion: catalogueEntry(fact.type)!.version }));
	return { type: fact.type, data: checked.data };
}

async function send(baseUrl: string, request: RenderedRequest, key: string): Promise<{ status: number; body: any }> {
	const res = await fetch(`${baseUrl}${request.path}`, {
		method: request.method,
		headers: { "content-type": "application/json", "idempotency-key": key },
		...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
	});
	return { status: res.status, body: await res.json() };
}

/** Every fact the webhooks map to, each checked against the catalogue. */
async function factsOf(bodies: string[]): Promise<MappedFact[][]> {
	const facts = [];
	for (const raw of bodies) {
		const mapped = await mapInbound(onfleet, raw);
		for (const fact of mapped) assertValidMessage(enveloped(fact));
		facts.push(mapped);
	}
	return facts;
}

/** A simulator with its own webhook receiver, standing in for Waybill's gateway. */
async function harness(options: Partial<LastMileOptions> = {}) {
	const bodies: string[] = [];
	const receiver = createServer((req, res) => {
		let raw = "";
		req.setEncoding("utf8");
		req.on("data", (chunk: string) => (raw += chunk));
		req.on("end", () => {
			bodies.push(raw);
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
	const sim = new LastMileSimulator({ secret: SECRET, stepDelayMs: 0, callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, ...options });
	const { url } = await sim.start();
	const stop = async () => {
		await sim.stop();
		receiver.closeAllConnections();
		await new Promise((resolve) => receiver.close(resolve));
	};
	/** The webhooks of one task, as raw bodies. */
	const of = (taskId: string) => bodies.filter((raw) => JSON.parse(raw).taskId === taskId);
	return { sim, url, bodies, of, stop };
}

describe("Onfleet profile 1.1", () => {
	test("is version onfleet@1.2.0 and maps every exception-flow command and the recipients of master data", () => {
		assert.equal(onfleet.version, "onfleet@1.2.0");
		assert.deepEqual([...onfleet.outbound.keys()].sort(), [
			LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB,
			LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, LASTMILE_COMMANDS.BOOK_SHIPMENT, LASTMILE_COMMANDS.UPSERT_RECIPIENTS,
		].sort());
	});
});

describe("Onfleet failed delivery and re-attempt, fed by the simulator", () => {
	let h: Awaited<ReturnType<typeof harness>>;
	const ids: string[] = [];
	const window = { from: at(48 * 60), to: at(48 * 60 + 240) };
	const reattempt = command(LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, { orderId: ORDER.orderId, deliveryJobId: JOB.deliveryJobId, partnerRef: "", window, attempt: 2 });
	let clone: { status: number; body: any };

	before(async () => {
		h = await harness({ scenario: { orders: { [ORDER.orderId]: { failAttempts: 1, failureReason: "INCORRECT_ADDRESS" } } } });
		const created = await send(h.url, await renderCommand(onfleet, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, command(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, JOB)), "task-1");
		ids.push(created.body.id);
		await h.sim.idle();
		reattempt.partnerRef = created.body.id;
		clone = await send(h.url, await renderCommand(onfleet, LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, reattempt), "reattempt-2");
		ids.push(clone.body.id);
		await h.sim.idle();
	});
	after(() => h.stop());

	test("the failed attempt's webhooks map to dispatched, out for delivery, ETA, arrived and a failed attempt with Onfleet's reason", async () => {
		const facts = await factsOf(h.of(ids[0]!));
		assert.deepEqual(facts.map((f) => f.map((x) => x.type)), [...PROGRESS_FACTS, LASTMILE_FACTS.ATTEMPT_FAILED].map((type) => [type]));
		const failed = facts.at(-1)![0]!;
		const { orderId, partnerRef, deliveryJobId, reason, proofOfDelivery, rma } = failed.data as Record<string, unknown>;
		assert.deepEqual([failed.subject, orderId, partnerRef, deliveryJobId, reason, proofOfDelivery, rma], [ORDER.orderId, ORDER.orderId, ids[0], JOB.deliveryJobId, "INCORRECT_ADDRESS", undefined, undefined]);
	});

	test("a re-attempt renders Onfleet's clone of the failed task, with the new window and the attempt as metadata", async () => {
		const request = await renderCommand(onfleet, LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, reattempt);
		assert.deepEqual(request, {
			method: "POST",
			path: `/api/v2/tasks/${encodeURIComponent(ids[0]!)}/clone`,
			body: {
				options: {
					includeMetadata: true,
					overrides: {
						completeAfter: Date.parse(window.from),
						completeBefore: Date.parse(window.to),
						metadata: [
							{ name: "orderId", type: "string", value: ORDER.orderId, visibility: ["api"] },
							{ name: "deliveryJobId", type: "string", value: JOB.deliveryJobId, visibility: ["api"] },
							{ name: "attempt", type: "number", value: 2, visibility: ["api"] },
						],
					},
				},
			},
		});
	});

	test("a re-attempt without a window or attempt keeps the task's window and sends only the ids", async () => {
		const { window: _w, attempt: _a, ...bare } = reattempt;
		const { body } = await renderCommand(onfleet, LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, command(LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, bare));
		assert.deepEqual(body, {
			options: { includeMetadata: true, overrides: { metadata: [{ name: "orderId", type: "string", value: ORDER.orderId, visibility: ["api"] }, { name: "deliveryJobId", type: "string", value: JOB.deliveryJobId, visibility: ["api"] }] } },
		});
	});

	test("Onfleet's answer to the clone proves lastmile.job.accepted for the same job with the new task id and tracking URL", async () => {
		assert.equal(clone.status, 201);
		assert.deepEqual(await answerFact(LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, reattempt, clone.body), {
			type: LASTMILE_FACTS.JOB_ACCEPTED,
			data: { orderId: ORDER.orderId, partnerRef: clone.body.id, deliveryJobId: JOB.deliveryJobId, trackingUrl: clone.body.trackingURL },
		});
		assert.notEqual(clone.body.id, ids[0]);
		assert.deepEqual(clone.body.metadata.map((m: { name: string }) => m.name), ["shipmentId", "orderId", "deliveryJobId", "attempt"]);
	});

	test("the re-attempt's webhooks map to a whole delivery under the new task id and the same job", async () => {
		const facts = await factsOf(h.of(ids[1]!));
		assert.deepEqual(facts.map((f) => f.map((x) => x.type)), [...PROGRESS_FACTS, LASTMILE_FACTS.DELIVERED].map((type) => [type]));
		for (const [fact] of facts) assert.deepEqual([(fact!.data as { partnerRef: string }).partnerRef, (fact!.data as { deliveryJobId: string }).deliveryJobId], [ids[1], JOB.deliveryJobId]);
		assert.deepEqual(h.sim.orderStats(ORDER.orderId), { deliveryTasks: 1, attempts: 2, failedAttempts: 1, clones: 1, cancellations: 0, updates: 0, returnPickups: 0 });
	});

	test("a re-attempt without the failed task's reference is refused instead of cloning a wrong task", async () => {
		const { partnerRef: _p, ...unreferenced } = reattempt;
		assert.equal((await rejected(() => renderCommand(onfleet, LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, unreferenced))).type, ERROR_TYPES.MAPPING_FAILED);
	});
});

describe("Onfleet failure reasons", () => {
	test("every failure code the simulator draws maps into the failed attempt's reason", async () => {
		const reasons = ["NOBODY", "INCORRECT_ADDRESS", "REFUSED"];
		const h = await harness({ failDeliveries: true });
		try {
			for (const reason of reasons) {
				const orderId = `SO-${reason}`;
				h.sim.setScenario({ orders: { [orderId]: { failureReason: reason } } });
				await send(h.url, await renderCommand(onfleet, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, deliveryJob(salesOrder(orderId))), `task-${orderId}`);
			}
			await h.sim.idle();
			const failed = (await factsOf(h.bodies)).flat().filter((f) => f.type === LASTMILE_FACTS.ATTEMPT_FAILED);
			assert.deepEqual(failed.map((f) => [f.subject, (f.data as { reason: string }).reason]).sort(), reasons.map((r) => [`SO-${r}`, r]).sort());
		} finally {
			await h.stop();
		}
	});
});

describe("Onfleet cancellation and update, against a task that waits", () => {
	let h: Awaited<ReturnType<typeof harness>>;
	let partnerRef = "";

	before(async () => {
		h = await harness({ stepDelayMs: 600_000 });
		partnerRef = (await send(h.url, await renderCommand(onfleet, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, JOB), "task-1")).body.id;
	});
	after(() => h.stop());

	test("an update renders a PUT of the new address, unparsed, and the window in epoch ms; Onfleet's 200 proves lastmile.job.updated", async () => {
		const address = { name: "Ann de Vries", line1: "Prinsengracht 263", city: "Amsterdam", postalCode: "1016 GV", country: "NL" };
		const window = { from: at(30 * 60), to: at(30 * 60 + 120) };
		const update = command(LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, { orderId: ORDER.orderId, deliveryJobId: JOB.deliveryJobId, partnerRef, changeId: "chg-1", address, window });
		const request = await renderCommand(onfleet, LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, update);
		assert.deepEqual(request, {
			method: "PUT",
			path: `/api/v2/tasks/${encodeURIComponent(partnerRef)}`,
			body: { destination: { address: { unparsed: "Prinsengracht 263, 1016 GV Amsterdam, NL" } }, completeAfter: Date.parse(window.from), completeBefore: Date.parse(window.to) },
		});
		const answer = await send(h.url, request, "update-chg-1");
		assert.equal(answer.status, 200);
		assert.deepEqual(answer.body.destination.address, { unparsed: "Prinsengracht 263, 1016 GV Amsterdam, NL" });
		assert.deepEqual(await answerFact(LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, update, answer.body), {
			type: LASTMILE_FACTS.JOB_UPDATED,
			data: { orderId: ORDER.orderId, partnerRef, deliveryJobId: JOB.deliveryJobId, changeId: "chg-1", trackingUrl: answer.body.trackingURL },
		});
	});

	test("an update of the window alone sends no destination", async () => {
		const window = { from: at(40 * 60), to: at(40 * 60 + 60) };
		const update = command(LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, { orderId: ORDER.orderId, deliveryJobId: JOB.deliveryJobId, partnerRef, changeId: "chg-2", window });
		const { body } = await renderCommand(onfleet, LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, update);
		assert.deepEqual(body, { completeAfter: Date.parse(window.from), completeBefore: Date.parse(window.to) });
	});

	test("a cancel renders a DELETE of the task; Onfleet's 200, first and repeated, proves lastmile.job.cancelled", async () => {
		const cancel = command(LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, { orderId: ORDER.orderId, deliveryJobId: JOB.deliveryJobId, partnerRef, reason: "cancelled by the customer" });
		const request = await renderCommand(onfleet, LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, cancel);
		assert.deepEqual(request, { method: "DELETE", path: `/api/v2/tasks/${encodeURIComponent(partnerRef)}`, body: undefined });
		const expected = { type: LASTMILE_FACTS.JOB_CANCELLED, data: { orderId: ORDER.orderId, partnerRef, deliveryJobId: JOB.deliveryJobId } };
		for (const key of ["cancel-1", "cancel-2"]) {
			const answer = await send(h.url, request, key);
			assert.equal(answer.status, 200);
			assert.deepEqual(await answerFact(LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, cancel, answer.body), expected);
		}
		assert.equal(h.sim.orderStats(ORDER.orderId).cancellations, 1);
	});

	test("an update without the task's reference is refused instead of rendered to a path with an empty id", async () => {
		const error = await rejected(() => renderCommand(onfleet, LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, { orderId: ORDER.orderId, deliveryJobId: JOB.deliveryJobId, changeId: "chg-3" }));
		assert.equal(error.type, ERROR_TYPES.MAPPING_FAILED);
	});
});

describe("Onfleet return pickup, fed by the simulator", () => {
	let h: Awaited<ReturnType<typeof harness>>;
	let answer: { status: number; body: any };
	const pickup = command(LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, RETURN);

	before(async () => {
		// Deliveries fail here: a pickup must complete regardless.
		h = await harness({ failDeliveries: true });
		answer = await send(h.url, await renderCommand(onfleet, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, pickup), "pickup-RMA-SO-1001");
		await h.sim.idle();
	});
	after(() => h.stop());

	test("a return renders a pickup task at the customer's address, naming the order, the return and its job", async () => {
		const request = await renderCommand(onfleet, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, pickup);
		assert.deepEqual(request, {
			method: "POST",
			path: "/api/v2/tasks",
			body: {
				destination: { address: { unparsed: "Damrak 1, 3 hoog, 1012 LG Amsterdam, NL" } },
				recipients: [{ name: "Ann de Vries", phone: "+31612345678" }],
				pickupTask: true,
				notes: "Waybill return RMA-SO-1001 for WH1: damaged in transit",
				quantity: 6,
				metadata: [
					{ name: "orderId", type: "string", value: ORDER.orderId, visibility: ["api"] },
					{ name: "rma", type: "string", value: "RMA-SO-1001", visibility: ["api"] },
					{ name: "deliveryJobId", type: "string", value: "RJ-RMA-SO-1001", visibility: ["api"] },
					{ name: "warehouse", type: "string", value: "WH1", visibility: ["api"] },
				],
			},
		});
	});

	test("Onfleet's answer proves lastmile.return-pickup.accepted with the pickup task id, the return's job and the rma", async () => {
		assert.deepEqual([answer.status, answer.body.pickupTask], [201, true]);
		assert.deepEqual(await answerFact(LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, pickup, answer.body), {
			type: LASTMILE_FACTS.RETURN_PICKUP_ACCEPTED,
			data: { orderId: ORDER.orderId, partnerRef: answer.body.id, deliveryJobId: "RJ-RMA-SO-1001", rma: "RMA-SO-1001", trackingUrl: answer.body.trackingURL },
		});
	});

	test("the pickup's progress webhooks map to no fact, and its completion to lastmile.returned-to-sender carrying the rma", async () => {
		const bodies = h.of(answer.body.id);
		assert.deepEqual(bodies.map((raw) => JSON.parse(raw).triggerName), [...PROGRESS, "taskCompleted"]);
		const facts = await factsOf(bodies);
		assert.deepEqual(facts.map((f) => f.length), [0, 0, 0, 0, 1]);
		const returned = facts[4]![0]!;
		const completed = JSON.parse(bodies[4]!);
		const [lng, lat] = completed.data.task.completionDetails.lastLocation;
		assert.deepEqual(returned, {
			type: LASTMILE_FACTS.RETURNED_TO_SENDER,
			subject: ORDER.orderId,
			time: new Date(completed.data.task.completionDetails.time).toISOString(),
			partnerEventId: `${answer.body.id}:3:${completed.time}`,
			data: { orderId: ORDER.orderId, partnerRef: answer.body.id, deliveryJobId: "RJ-RMA-SO-1001", rma: "RMA-SO-1001", driver: completed.workerId, location: { lng, lat } },
		});
		assert.deepEqual(h.sim.orderStats(ORDER.orderId), { deliveryTasks: 0, attempts: 0, failedAttempts: 0, clones: 0, cancellations: 0, updates: 0, returnPickups: 1 });
	});

	test("a failed pickup maps to a failed attempt that carries the rma, so it cannot read as a failed delivery", async () => {
		const completed = JSON.parse(h.of(answer.body.id)[4]!);
		const task = { ...completed.data.task, completionDetails: { ...completed.data.task.completionDetails, success: false, failureReason: "NOBODY" } };
		const failed = { ...completed, triggerId: 4, triggerName: "taskFailed", data: { task } };
		const [fact, ...rest] = (await factsOf([JSON.stringify(failed)]))[0]!;
		assert.equal(rest.length, 0);
		assert.equal(fact!.type, LASTMILE_FACTS.ATTEMPT_FAILED);
		assert.deepEqual([(fact!.data as { rma: string }).rma, (fact!.data as { reason: string }).reason], ["RMA-SO-1001", "NOBODY"]);
	});
});

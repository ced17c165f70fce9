import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
	mergeSummaries, type SettlementSummary, type SettlementTotal,
	ERP_COMMANDS, ERP_FACTS, ERROR_TYPES, LASTMILE_COMMANDS, LASTMILE_FACTS, WMS_COMMANDS, WMS_FACTS, WMS_QUERIES, assertMatches, inventoryPositionSchema,
	assertValidMessage, catalogueEntry, createEnvelope, type Envelope,
} from "../../canonical/index.ts";
import { loadProfile, loadProfiles, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { writeInterchange } from "../../services/mapper/formats/x12/index.ts";
import { acknowledgementOf } from "../../services/mapper/functional-acks.ts";
import { readInterchange } from "../../services/mapper/x12-documents.ts";
import { mapInbound, mapResponse, renderCommand, type MappedFact, type RenderedRequest } from "../../services/mapper/canonical-mapper.ts";
import { ErpSimulator, LastMileSimulator, WmsSimulator, WmsX12Simulator, ONFLEET_TRIGGERS, type OnfleetTrigger } from "../../simulators/index.ts";
import { WMS_EVENT_TYPES, WMS_EXCEPTION_EVENT_TYPES, cartonise, wmsEvent, type FulfillmentOrder as WmsOrder, type WmsEventType } from "../../simulators/wms-events.ts";
import { at, deliveryJob, fulfillmentOrder, invoice, linesOf, rejected, salesOrder, shipment } from "../helpers/fixtures.ts";
import { customerRecords, productRecords, settlementChunk } from "../helpers/batch-data.ts";

const MAPPINGS = fileURLToPath(new URL("../../mappings", import.meta.url));
const profiles = loadProfiles(MAPPINGS);
const ORDER = salesOrder("SO-1001");

/** The 997 Waybill would owe for a 945 from the X12 3PL: the data of a wms.functional-ack.send. */
function functionalAckFor945(): Record<string, unknown> {
	const received = writeInterchange({
		senderId: "EDI3PL", receiverId: "WAYBILL", controlNumber: 501, functionalId: "SW", version: "004010",
		transactions: [{ code: "945", segments: [["W06", "N", "SO-1001", "20260305", "SHP-1"], ["LX", "1"], ["W12", "CC", "1", "1", "", "EA", "", "VN", "SKU-1"]] }],
	});
	return { partner: "edi-3pl", ...acknowledgementOf(readInterchange(received), "edi-3pl", "WAYBILL") };
}

function profile(key: string): MappingProfile {
	const found = profiles.get(key);
	assert.ok(found, `profile ${key} is loaded`);
	return found;
}

/** What the mapper service does with a fact: the envelope it publishes, which must pass the gate. */
function enveloped(fact: MappedFact, from: MappingProfile): Envelope {
	const entry = catalogueEntry(fact.type);
	assert.ok(entry, `${fact.type} is catalogued`);
	assert.equal(entry.kind, "fact");
	return createEnvelope({
		type: fact.type,
		source: `partner/${from.system}/${from.profile}`,
		subject: fact.subject,
		time: fact.time,
		data: fact.data,
		schemaVersion: entry.version,
		idempotencyKey: `${from.profile}:${fact.partnerEventId}:${fact.type}`,
		partnerEventId: fact.partnerEventId,
		mappingVersion: from.version,
	});
}

async function mapOne(from: MappingProfile, body: string): Promise<MappedFact> {
	const facts = await mapInbound(from, body);
	assert.equal(facts.length, 1, "one partner event, one canonical fact");
	return facts[0]!;
}

/** Sends a rendered request to a simulator the way an adapter would. */
async function send(baseUrl: string, request: RenderedRequest, key: string): Promise<{ status: number; body: any }> {
	const raw = typeof request.body === "string" && request.contentType !== undefined;
	const res = await fetch(`${baseUrl}${request.path}`, {
		method: request.method,
		headers: { "content-type": raw ? request.contentType! : "application/json", "idempotency-key": key },
		...(request.body === undefined ? {} : { body: raw ? (request.body as string) : JSON.stringify(request.body) }),
	});
	const text = await res.text();
	return { status: res.status, body: (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text };
}

/** Stands in for Waybill's gateway: answers 200 and keeps each raw webhook body under the path it came to. */
class Receiver {
	readonly bodies = new Map<string, string[]>();
	private readonly server: Server = createServer((req, res) => {
		let raw = "";
		req.setEncoding("utf8");
		req.on("data", (chunk: string) => (raw += chunk));
		req.on("end", () => {
			const list = this.bodies.get(req.url ?? "/") ?? [];
			list.push(raw);
			this.bodies.set(req.url ?? "/", list);
			res.writeHead(200).end();
		});
	});
	url = "";

	async start(): Promise<void> {
		await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	received(path: string): string[] {
		return this.bodies.get(path) ?? [];
	}

	stop(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}

describe("generic 3PL inbound mapping", () => {
	const wms = profile("wms/generic-3pl");
	let serial = 0;
	const lines = linesOf(ORDER);
	const order: WmsOrder = {
		id: "wo_7",
		externalRef: "FO-SO-1001-WH1",
		orderRef: ORDER.orderId,
		warehouse: "WH1",
		shipTo: { ...ORDER.shipTo },
		lines,
		status: "accepted",
		packages: cartonise(lines, () => ++serial),
		shipment: { id: "shp_9", carrier: "WAYBILL-LASTMILE", trackingNumber: "WBLM000000007001", shippedAt: at(90) },
	};
	const EXPECTED: Record<WmsEventType, string> = {
		"order.allocated": WMS_FACTS.ALLOCATED,
		"order.picked": WMS_FACTS.PICK_CONFIRMED,
		"order.packed": WMS_FACTS.PACK_COMPLETED,
		"shipment.manifested": WMS_FACTS.SHIPMENT_MANIFESTED,
	};

	test("the simulator's event types are exactly the ones the profile routes", () => {
		assert.deepEqual([...wms.inbound!.routes.keys()].sort(), [...WMS_EVENT_TYPES, ...WMS_EXCEPTION_EVENT_TYPES].sort());
	});

	for (const eventType of WMS_EVENT_TYPES) {
		test(`a ${eventType} webhook becomes one valid ${EXPECTED[eventType]} fact about the order, at the event's time, keyed by its event id`, async () => {
			const event = wmsEvent(order, eventType);
			const fact = await mapOne(wms, JSON.stringify(event));
			assert.deepEqual(
				{ type: fact.type, subject: fact.subject, time: fact.time, partnerEventId: fact.partnerEventId },
				{ type: EXPECTED[eventType], subject: "SO-1001", time: event["occurredAt"], partnerEventId: event["eventId"] },
			);
			assertValidMessage(enveloped(fact, wms));
		});
	}

	test("a manifested webhook carries the shipment, its cartons and its lines into the canonical shipment", async () => {
		const event = wmsEvent(order, "shipment.manifested");
		const fact = await mapOne(wms, JSON.stringify(event));
		assert.deepEqual(fact.data, {
			shipmentId: "shp_9",
			orderId: "SO-1001",
			fulfillmentOrderId: "FO-SO-1001-WH1",
			warehouse: "WH1",
			carrier: "WAYBILL-LASTMILE",
			trackingNumber: "WBLM000000007001",
			shippedAt: at(90),
			packages: order.packages.map((p) => ({ sscc: p.sscc, weightKg: p.weightKg, lines: p.lines })),
			lines,
		});
		assert.equal(order.packages.length, 2, "three lines are cartonised into two packages");
	});

	test("a picked webhook reports the picked quantity per line", async () => {
		const fact = await mapOne(wms, JSON.stringify(wmsEvent(order, "order.picked")));
		assert.deepEqual((fact.data as { lines: unknown[] }).lines, lines.map((l) => ({ ...l, qtyPicked: l.qty })));
	});

	test("an event type the profile does not route yields no facts", async () => {
		assert.deepEqual(await mapInbound(wms, JSON.stringify({ ...wmsEvent(order, "order.allocated"), eventType: "order.cancelled" })), []);
	});

	test("a body that is not JSON is refused as PAYLOAD_UNPARSEABLE", async () => {
		const error = await rejected(() => mapInbound(wms, "eventType=order.allocated&orderRef=SO-1001"));
		assert.equal(error.type, ERROR_TYPES.PAYLOAD_UNPARSEABLE);
		assert.equal((error.data as { format: string }).format, "json");
	});

	test("a webhook without the order reference is refused as MAPPING_FAILED", async () => {
		const event = wmsEvent(order, "order.allocated");
		const { orderRef: _dropped, ...orderWithoutRef } = event["order"] as Record<string, unknown>;
		const error = await rejected(() => mapInbound(wms, JSON.stringify({ ...event, order: orderWithoutRef })));
		assert.equal(error.type, ERROR_TYPES.MAPPING_FAILED);
		assert.equal((error.data as { mapping: string }).mapping, "generic-3pl@1.2.0 order.allocated");
	});
});

describe("ERP canonical inbound mapping", () => {
	const erp = profile("erp/waybill-canonical");

	test("a released order becomes an erp.order.released fact stamped with the time Waybill received it", async () => {
		const facts = await mapInbound(erp, JSON.stringify(ORDER), { receivedAt: at(1) });
		assert.deepEqual(facts, [{ type: ERP_FACTS.ORDER_RELEASED, subject: "SO-1001", time: at(1), partnerEventId: "SO-1001", data: ORDER }]);
		assertValidMessage(enveloped(facts[0]!, erp));
	});

	test("a profile without inbound mappings refuses partner documents as MAPPING_FAILED", async () => {
		const error = await rejected(() => mapInbound(profile("erp/waybill-erp-rest"), JSON.stringify(ORDER)));
		assert.equal(error.type, ERROR_TYPES.MAPPING_FAILED);
	});
});

describe("Onfleet inbound mapping, fed by the last-mile simulator", () => {
	const onfleet = profile("lastmile/onfleet");
	const receiver = new Receiver();
	const delivering = new LastMileSimulator({ secret: "a1b2c3d4", stepDelayMs: 0 });
	const failing = new LastMileSimulator({ secret: "a1b2c3d4", stepDelayMs: 0, failDeliveries: true });
	const bodies = new Map<OnfleetTrigger, string>();
	const job = deliveryJob(ORDER, "shp_9");

	before(async () => {
		await receiver.start();
		const request = await renderCommand(onfleet, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, job);
		for (const [sim, path] of [[delivering, "/delivering"], [failing, "/failing"]] as const) {
			sim.setCallbackUrl(`${receiver.url}${path}`);
			const { url } = await sim.start();
			assert.equal((await send(url, request, `task-${path}`)).status, 201);
			await sim.idle();
		}
		for (const raw of [...receiver.received("/delivering"), ...receiver.received("/failing")]) {
			bodies.set((JSON.parse(raw) as { triggerName: OnfleetTrigger }).triggerName, raw);
		}
	});
	after(async () => {
		await Promise.all([delivering.stop(), failing.stop(), receiver.stop()]);
	});

	function body(trigger: OnfleetTrigger): { raw: string; parsed: any } {
		const raw = bodies.get(trigger);
		assert.ok(raw, `the simulator sent a ${trigger} webhook`);
		return { raw, parsed: JSON.parse(raw) };
	}

	test("the simulator sent the whole lifecycle of both tasks", () => {
		assert.deepEqual(receiver.received("/delivering").map((raw) => JSON.parse(raw).triggerName), ["taskAssigned", "taskStarted", "taskEta", "taskArrival", "taskCompleted"]);
		assert.deepEqual(receiver.received("/failing").map((raw) => JSON.parse(raw).triggerName), ["taskAssigned", "taskStarted", "taskEta", "taskArrival", "taskFailed"]);
	});

	const EXPECTED: [OnfleetTrigger, string][] = [
		["taskAssigned", LASTMILE_FACTS.DISPATCHED],
		["taskStarted", LASTMILE_FACTS.OUT_FOR_DELIVERY],
		["taskEta", LASTMILE_FACTS.ETA_UPDATED],
		["taskArrival", LASTMILE_FACTS.ARRIVED],
		["taskCompleted", LASTMILE_FACTS.DELIVERED],
		["taskFailed", LASTMILE_FACTS.ATTEMPT_FAILED],
	];
	for (const [trigger, type] of EXPECTED) {
		test(`a ${trigger} webhook becomes one valid ${type} fact about the order, keyed by task, trigger and time`, async () => {
			const { raw, parsed } = body(trigger);
			const fact = await mapOne(onfleet, raw);
			assert.deepEqual(
				{ type: fact.type, subject: fact.subject, time: fact.time, partnerEventId: fact.partnerEventId },
				{ type, subject: "SO-1001", time: new Date(parsed.time).toISOString(), partnerEventId: `${parsed.taskId}:${ONFLEET_TRIGGERS[trigger]}:${parsed.time}` },
			);
			const data = fact.data as { orderId: string; partnerRef: string; deliveryJobId: string };
			assert.deepEqual([data.orderId, data.partnerRef, data.deliveryJobId], ["SO-1001", parsed.taskId, job.deliveryJobId]);
			assertValidMessage(enveloped(fact, onfleet));
		});
	}

	test("an ETA webhook carries the arrival time the driver's app reported", async () => {
		const { raw, parsed } = body("taskEta");
		const fact = await mapOne(onfleet, raw);
		assert.equal((fact.data as { eta: string }).eta, new Date(parsed.time + parsed.etaSeconds * 1000).toISOString());
	});

	test("a completed task carries the proof of delivery: recipient, signature, photos and where it happened", async () => {
		const { raw, parsed } = body("taskCompleted");
		const done = parsed.data.task.completionDetails;
		const [lng, lat] = done.lastLocation as [number, number];
		const fact = await mapOne(onfleet, raw);
		assert.deepEqual((fact.data as { proofOfDelivery: unknown }).proofOfDelivery, {
			recipientName: "Ann de Vries",
			signatureRef: `onfleet:upload:${done.signatureUploadId}`,
			photoRefs: done.photoUploadIds.map((id: string) => `onfleet:upload:${id}`),
			location: { lng, lat },
			notes: "",
		});
	});

	test("a failed task carries the failure reason and no proof of delivery", async () => {
		const fact = await mapOne(onfleet, body("taskFailed").raw);
		const data = fact.data as { reason?: string; proofOfDelivery?: unknown };
		assert.deepEqual([data.reason, data.proofOfDelivery], ["NOBODY", undefined]);
	});

	test("a trigger the profile does not route (taskCreated) yields no facts", async () => {
		const created = { ...body("taskAssigned").parsed, triggerName: "taskCreated", triggerId: ONFLEET_TRIGGERS.taskCreated };
		assert.deepEqual(await mapInbound(onfleet, JSON.stringify(created)), []);
	});

	test("a webhook whose task lacks the orderId metadata is refused as MAPPING_FAILED", async () => {
		const { parsed } = body("taskStarted");
		parsed.data.task.metadata = parsed.data.task.metadata.filter((m: { name: string }) => m.name !== "orderId");
		const error = await rejected(() => mapInbound(onfleet, JSON.stringify(parsed)));
		assert.equal(error.type, ERROR_TYPES.MAPPING_FAILED);
	});

	test("a body that is not JSON is refused as PAYLOAD_UNPARSEABLE", async () => {
		assert.equal((await rejected(() => mapInbound(onfleet, "<task/>"))).type, ERROR_TYPES.PAYLOAD_UNPARSEABLE);
	});
});

describe("outbound rendering and response facts, checked against the simulators", () => {
	const erp = new ErpSimulator();
	const receiver = new Receiver();
	// Plays its flow at once; only the round-trip test below sends it an order.
	const wms = new WmsSimulator({ secret: "wms-secret", stepDelayMs: 0 });
	// Flows that never advance on their own, so a cancel meets a live resource.
	const parkedWms = new WmsSimulator({ secret: "wms-secret", stepDelayMs: 600_000 });
	const parkedLastMile = new LastMileSimulator({ secret: "a1b2c3d4", stepDelayMs: 600_000 });
	const parkedX12 = new WmsX12Simulator({ secret: "edi-secret", stepDelayMs: 600_000 });
	const urls = { erp: "", wms: "", parkedWms: "", parkedLastMile: "", parkedX12: "" };

	before(async () => {
		await receiver.start();
		wms.setCallbackUrl(`${receiver.url}/wms`);
		urls.erp = (await erp.start()).url;
		urls.wms = (await wms.start()).url;
		urls.parkedWms = (await parkedWms.start()).url;
		urls.parkedLastMile = (await parkedLastMile.start()).url;
		urls.parkedX12 = (await parkedX12.start()).url;
	});
	after(async () => {
		await Promise.all([erp.stop(), wms.stop(), parkedWms.stop(), parkedLastMile.stop(), parkedX12.stop(), receiver.stop()]);
	});

	/** For every outbound entry of every profile: a canonical command, and how its simulator must answer. */
	const BOOKING = {
		bookingId: "BK-REF-1001",
		reference: "REF-1001",
		from: { name: "Waybill DC", line1: "1 Dock Road", city: "Hamburg", postalCode: "20457", country: "DE" },
		to: { name: "Ada Lovelace", line1: "12 Harbour Street", city: "Hamburg", postalCode: "20095", country: "DE" },
		parcels: [{ weightKg: 2.5 }],
	};
	/** `query`: a synchronous query, never on a stream, so not in the message catalogue. */
	const OUTBOUND: Record<string, { type: string; data: () => Promise<Record<string, unknown>>; url: () => string; status: number; path: string | RegExp; query?: boolean }> = {
		"wms/generic-3pl wms.inventory.query": {
			type: WMS_QUERIES.INVENTORY, data: async () => ({ sku: "SKU-1", warehouse: "WH1" }), url: () => urls.parkedWms, status: 200, path: "/v1/inventory/SKU-1?warehouse=WH1", query: true,
		},
		"wms/x12-3pl wms.fulfillment-order.create": {
			type: WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, data: async () => ({ ...fulfillmentOrder(ORDER), warehouse: "WH2", partner: "edi-3pl" }), url: () => urls.parkedX12, status: 200, path: "/edi",
		},
		"wms/x12-3pl wms.functional-ack.send": {
			type: WMS_COMMANDS.SEND_FUNCTIONAL_ACK, data: async () => functionalAckFor945(), url: () => urls.parkedX12, status: 200, path: "/edi",
		},
		"lastmile/onfleet lastmile.shipment.book": {
			type: LASTMILE_COMMANDS.BOOK_SHIPMENT, data: async () => ({ ...BOOKING }), url: () => urls.parkedLastMile, status: 201, path: "/api/v2/shipments",
		},
		"erp/waybill-erp-rest erp.order-status.update": {
			type: ERP_COMMANDS.UPDATE_ORDER_STATUS,
			data: async () => ({ orderId: "SO 1001/B", status: "picked", at: at(30), detail: "picked in full" }),
			url: () => urls.erp, status: 201, path: "/api/orders/SO%201001%2FB/status",
		},
		"erp/waybill-erp-rest erp.shipment.confirm": {
			type: ERP_COMMANDS.CONFIRM_SHIPMENT, data: async () => ({ ...shipment(ORDER) }), url: () => urls.erp, status: 201, path: "/api/shipments",
		},
		"erp/waybill-erp-rest erp.invoice.post": {
			type: ERP_COMMANDS.POST_INVOICE, data: async () => ({ ...invoice(ORDER) }), url: () => urls.erp, status: 201, path: "/api/invoices",
		},
		"wms/generic-3pl wms.fulfillment-order.create": {
			type: WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, data: async () => ({ ...fulfillmentOrder(ORDER) }), url: () => urls.parkedWms, status: 201, path: "/v1/fulfillment-orders",
		},
		"wms/generic-3pl wms.fulfillment-order.cancel": {
			type: WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER,
			data: async () => {
				const created = await send(urls.parkedWms, await renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, fulfillmentOrder(ORDER)), "parked-fo");
				return { orderId: ORDER.orderId, fulfillmentOrderId: `FO-${ORDER.orderId}-WH1`, partnerRef: created.body.id, reason: "cancelled by the customer" };
			},
			url: () => urls.parkedWms, status: 200, path: /^\/v1\/fulfillment-orders\/wo_\d+\/cancel$/,
		},
		"wms/generic-3pl wms.fulfillment-order.update": {
			type: WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER,
			data: async () => {
				const created = await send(urls.parkedWms, await renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, fulfillmentOrder(ORDER)), "parked-fo-update");
				return { orderId: ORDER.orderId, fulfillmentOrderId: `FO-${ORDER.orderId}-WH1`, partnerRef: created.body.id, changeId: "chg-1", shipTo: ORDER.shipTo };
			},
			url: () => urls.parkedWms, status: 200, path: /^\/v1\/fulfillment-orders\/wo_\d+$/,
		},
		"wms/x12-3pl wms.return.expect": {
			type: WMS_COMMANDS.EXPECT_RETURN,
			data: async () => ({ rma: `RMA-${ORDER.orderId}`, orderId: ORDER.orderId, reason: "arrived damaged", pickupFrom: ORDER.shipTo, warehouse: "WH2", lines: linesOf(ORDER) }),
			url: () => urls.parkedX12, status: 200, path: "/edi",
		},
		"wms/generic-3pl wms.return.expect": {
			type: WMS_COMMANDS.EXPECT_RETURN,
			data: async () => ({ rma: `RMA-${ORDER.orderId}`, orderId: ORDER.orderId, reason: "arrived damaged", pickupFrom: ORDER.shipTo, warehouse: "WH1", lines: linesOf(ORDER) }),
			url: () => urls.parkedWms, status: 201, path: "/v1/returns",
		},
		"wms/x12-3pl wms.fulfillment-order.cancel": {
			type: WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER,
			data: async () => ({ orderId: ORDER.orderId, fulfillmentOrderId: `FO-${ORDER.orderId}-WH1`, warehouse: "WH2", reason: "cancelled by the customer" }),
			url: () => urls.parkedX12, status: 200, path: "/edi",
		},
		"lastmile/onfleet lastmile.delivery-job.create": {
			type: LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, data: async () => ({ ...deliveryJob(ORDER) }), url: () => urls.parkedLastMile, status: 201, path: "/api/v2/tasks",
		},
		"lastmile/onfleet lastmile.delivery-job.cancel": {
			type: LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB,
			data: async () => {
				const created = await send(urls.parkedLastMile, await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, deliveryJob(ORDER)), "parked-task");
				return { orderId: ORDER.orderId, deliveryJobId: deliveryJob(ORDER).deliveryJobId, partnerRef: created.body.id, reason: "cancelled by the customer" };
			},
			url: () => urls.parkedLastMile, status: 200, path: /^\/api\/v2\/tasks\/[A-Za-z0-9_-]{24}$/,
		},
		"lastmile/onfleet lastmile.delivery-job.update": {
			type: LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB,
			data: async () => {
				const created = await send(urls.parkedLastMile, await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, deliveryJob(ORDER)), "parked-task-update");
				return { orderId: ORDER.orderId, deliveryJobId: deliveryJob(ORDER).deliveryJobId, partnerRef: created.body.id, changeId: "chg-2", address: { ...ORDER.shipTo, line2: "back door" } };
			},
			url: () => urls.parkedLastMile, status: 200, path: /^\/api\/v2\/tasks\/[A-Za-z0-9_-]{24}$/,
		},
		"lastmile/onfleet lastmile.reattempt.schedule": {
			type: LASTMILE_COMMANDS.SCHEDULE_REATTEMPT,
			data: async () => {
				const created = await send(urls.parkedLastMile, await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, deliveryJob(ORDER)), "parked-task-clone");
				return { orderId: ORDER.orderId, deliveryJobId: deliveryJob(ORDER).deliveryJobId, partnerRef: created.body.id, attempt: 2 };
			},
			url: () => urls.parkedLastMile, status: 201, path: /^\/api\/v2\/tasks\/[A-Za-z0-9_-]{24}\/clone$/,
		},
		"lastmile/onfleet lastmile.return-pickup.create": {
			type: LASTMILE_COMMANDS.CREATE_RETURN_PICKUP,
			data: async () => ({ rma: `RMA-${ORDER.orderId}`, orderId: ORDER.orderId, reason: "arrived damaged", pickupFrom: ORDER.shipTo, warehouse: "WH1", lines: linesOf(ORDER) }),
			url: () => urls.parkedLastMile, status: 201, path: "/api/v2/tasks",
		},
		"erp/waybill-erp-rest erp.lines.backorder": {
			type: ERP_COMMANDS.BACKORDER_LINES, data: async () => ({ orderId: ORDER.orderId, lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }], policy: "backorder" }),
			url: () => urls.erp, status: 201, path: `/api/orders/${ORDER.orderId}/backorders`,
		},
		"erp/waybill-erp-rest erp.invoicing.pause": {
			type: ERP_COMMANDS.PAUSE_INVOICING, data: async () => ({ orderId: ORDER.orderId, reason: "delivery failed" }), url: () => urls.erp, status: 201, path: `/api/orders/${ORDER.orderId}/invoicing-holds`,
		},
		"erp/waybill-erp-rest erp.invoicing.resume": {
			type: ERP_COMMANDS.RESUME_INVOICING, data: async () => ({ orderId: ORDER.orderId, reason: "delivered after all" }), url: () => urls.erp, status: 201, path: `/api/orders/${ORDER.orderId}/invoicing-holds/release`,
		},
		"erp/waybill-erp-rest erp.credit-note.post": {
			type: ERP_COMMANDS.POST_CREDIT_NOTE, data: async () => ({ ...invoice(ORDER), kind: "credit-note", rma: `RMA-${ORDER.orderId}` }), url: () => urls.erp, status: 201, path: "/api/credit-notes",
		},
		"erp/waybill-erp-rest erp.cs-case.raise": {
			type: ERP_COMMANDS.RAISE_CS_CASE, data: async () => ({ orderId: ORDER.orderId, kind: "delivery-failed", reason: "attempt 1: NOBODY" }), url: () => urls.erp, status: 201, path: "/api/cs-cases",
		},
		"erp/waybill-erp-rest erp.settlement-batch.post": {
			type: ERP_COMMANDS.POST_SETTLEMENT_BATCH, data: async () => settlementChunk(), url: () => urls.erp, status: 201, path: "/api/settlement-batches",
		},
		"wms/generic-3pl wms.item-master.upsert": {
			type: WMS_COMMANDS.UPSERT_ITEMS, data: async () => ({ batchId: "MD-1", part: 1, chunk: 1, chunks: 1, records: productRecords(20) }), url: () => urls.parkedWms, status: 201, path: "/v1/items/batch",
		},
		"lastmile/onfleet lastmile.recipients.upsert": {
			type: LASTMILE_COMMANDS.UPSERT_RECIPIENTS, data: async () => ({ batchId: "MD-2", part: 1, chunk: 1, chunks: 1, records: customerRecords(20) }), url: () => urls.parkedLastMile, status: 201, path: "/api/v2/recipients/batch",
		},
		"erp/waybill-erp-rest erp.order-change.refuse": {
			type: ERP_COMMANDS.REFUSE_ORDER_CHANGE, data: async () => ({ orderId: ORDER.orderId, changeId: "chg-3", fields: ["lines"], reason: "lines cannot change: already packed" }),
			url: () => urls.erp, status: 201, path: `/api/orders/${ORDER.orderId}/change-refusals`,
		},
	};

	/**
	 * Outbound entries no simulator here answers: no X12 carrier is simulated. Their documents are
	 * read back by Waybill's own parser instead (x12-204.spec.ts; functional-acks.spec.ts for 997s).
	 */
	const READ_BACK_ELSEWHERE = ["lastmile/x12-carrier lastmile.delivery-job.create", "lastmile/x12-carrier lastmile.delivery-job.cancel", "lastmile/x12-carrier lastmile.functional-ack.send"];

	test("every outbound entry of every profile is covered here, or read back where named", () => {
		const declared = [...profiles.values()].flatMap((p) => [...p.outbound.keys()].map((type) => `${p.system}/${p.profile} ${type}`));
		assert.deepEqual(declared.sort(), [...Object.keys(OUTBOUND), ...READ_BACK_ELSEWHERE].sort());
	});

	for (const [name, spec] of Object.entries(OUTBOUND)) {
		test(`${name} renders a request its simulator accepts (${spec.status})`, async () => {
			const data = await spec.data();
			if (!spec.query) assertValidMessage(createEnvelope({ type: spec.type, source: "test", subject: ORDER.orderId, data, schemaVersion: catalogueEntry(spec.type)!.version }));
			const request = await renderCommand(profile(name.split(" ")[0]!), spec.type, data, `render-${name}`);
			assert.ok(request.path.startsWith("/"));
			if (typeof spec.path === "string") assert.equal(request.path, spec.path);
			else assert.match(request.path, spec.path);
			const answer = await send(spec.url(), request, `render-${name}`);
			assert.equal(answer.status, spec.status, JSON.stringify(answer.body));
		});
	}

	test("the rendered 3PL order names our fulfillment order, the sales order and every line", async () => {
		const request = await renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, fulfillmentOrder(ORDER));
		assert.deepEqual(request, {
			method: "POST",
			path: "/v1/fulfillment-orders",
			body: { externalRef: "FO-SO-1001-WH1", orderRef: "SO-1001", warehouse: "WH1", shipTo: ORDER.shipTo, serviceLevel: "standard", lines: linesOf(ORDER) },
		});
	});

	test("the rendered Onfleet task carries the order, job and shipment ids as metadata and the delivery window in epoch ms", async () => {
		const job = deliveryJob(ORDER);
		const { body } = await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, job);
		const task = body as { metadata: { name: string; value: string }[]; completeAfter: number; completeBefore: number; destination: unknown };
		assert.deepEqual(task.metadata.map((m) => [m.name, m.value]), [["orderId", "SO-1001"], ["deliveryJobId", job.deliveryJobId], ["shipmentId", "shp_1"]]);
		assert.deepEqual([task.completeAfter, task.completeBefore], [Date.parse(ORDER.requestedWindow!.from), Date.parse(ORDER.requestedWindow!.to)]);
		assert.deepEqual(task.destination, { address: { unparsed: "Damrak 1, 1012 LG Amsterdam, NL" } });
	});

	test("a command type the profile does not map is refused as MAPPING_FAILED", async () => {
		const error = await rejected(() => renderCommand(profile("wms/generic-3pl"), ERP_COMMANDS.POST_INVOICE, invoice(ORDER)));
		assert.equal(error.type, ERROR_TYPES.MAPPING_FAILED);
	});

	test(
		"a cancel command without the partner's reference is refused instead of rendered to a path with an empty id",
		async () => {
			const wmsCancel = await rejected(() => renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, { orderId: "SO-1001", reason: "customer" }));
			const taskCancel = await rejected(() => renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, { orderId: "SO-1001", deliveryJobId: "DJ-1" }));
			assert.deepEqual([wmsCancel.type, taskCancel.type], [ERROR_TYPES.MAPPING_FAILED, ERROR_TYPES.MAPPING_FAILED]);
		},
	);

	test("the ERP's answer to a settlement chunk proves a valid erp.settlement-batch.posted fact with what it booked", async () => {
		const command = { ...settlementChunk("2026-11-20"), chunk: 3 };
		const answer = await send(urls.erp, await renderCommand(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_SETTLEMENT_BATCH, command), "settlement-chunk");
		const fact = await mapResponse(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_SETTLEMENT_BATCH, command, answer.body);
		const { totals, ...booking } = fact!.data as { totals: SettlementTotal[] };
		assert.deepEqual([fact!.type, booking], [ERP_FACTS.SETTLEMENT_BATCH_POSTED, { day: "2026-11-20", chunk: 3, batchRef: "STL-2026-11-20-3", count: 5 }]);
		assert.deepEqual(mergeSummaries([{ count: 5, totals }]), mergeSummaries([command as unknown as SettlementSummary]), "the ERP booked the chunk's totals, in its own order");
		assertValidMessage(createEnvelope({ type: fact!.type, source: "test", subject: "settlement:2026-11-20", data: fact!.data, schemaVersion: catalogueEntry(fact!.type)!.version }));
		assert.deepEqual(erp.settlementFor("2026-11-20"), { batches: 1, lines: 5, unique: 5, duplicates: 0, totals: (answer.body as { totals: unknown }).totals });
	});

	test("the ERP refuses a settlement chunk whose control totals do not add up (422), so a corrupted chunk is never booked", async () => {
		const command = settlementChunk("2026-11-21") as { totals: Array<{ amount: number }> };
		command.totals[0]!.amount += 0.01;
		const answer = await send(urls.erp, await renderCommand(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_SETTLEMENT_BATCH, command), "settlement-bad-control");
		assert.equal(answer.status, 422);
		assert.equal(erp.settlementFor("2026-11-21").batches, 0);
	});

	test("the rendered item master carries unit weight, size and dangerous goods; the recipients carry the customer id and default ship-to", async () => {
		const [plain, hazmat] = [productRecords(1)[0]!, productRecords(1, "SKU-MD", 10)[0]!];
		const items = (await renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.UPSERT_ITEMS, { batchId: "MD-3", part: 2, chunk: 5, chunks: 9, records: [plain, hazmat] })).body as { batchRef: string; items: Array<Record<string, unknown>> };
		assert.equal(items.batchRef, "MD-3/2/5");
		assert.deepEqual(items.items[0], { sku: "SKU-MD-1", description: plain.description, uom: "EA", barcode: plain.gtin, unitWeight: { value: plain.weight!.value, uom: "kg" }, unitDimensions: { length: 21, width: 15, height: 9, uom: "cm" }, hazmat: false, countryOfOrigin: "DE", hsCode: "33049900" });
		assert.deepEqual(items.items[1]!.dangerousGoods, { unNumber: "UN1993", hazardClass: "3" });
		const customer = customerRecords(1, "CUST-MD", 7)[0]!;
		const recipients = (await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.UPSERT_RECIPIENTS, { batchId: "MD-4", part: 1, chunk: 1, chunks: 1, records: [customer] })).body as { recipients: Array<Record<string, unknown>> };
		assert.deepEqual(recipients.recipients[0], {
			name: "Customer 7", phone: "+49400000007", notes: "leave with the neighbour at no. 14", skipSMSNotifications: false,
			address: { unparsed: "7 Harbour Street, 20095 Hamburg, DE" },
			metadata: [{ name: "customerId", type: "string", value: "CUST-MD-7", visibility: ["api"] }, { name: "shipToAddresses", type: "number", value: 1, visibility: ["api"] }],
		});
	});

	test("the WMS's answer to a fulfillment order proves a valid wms.fulfillment.accepted fact with its own id", async () => {
		const command = fulfillmentOrder(ORDER);
		const answer = await send(urls.parkedWms, await renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, command), "accepted-fo");
		const fact = await mapResponse(profile("wms/generic-3pl"), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, command, answer.body);
		assert.deepEqual(fact, { type: WMS_FACTS.FULFILLMENT_ACCEPTED, data: { orderId: "SO-1001", fulfillmentOrderId: "FO-SO-1001-WH1", warehouse: "WH1", partnerRef: answer.body.id } });
		assertValidMessage(createEnvelope({ type: fact.type, source: "test", subject: "SO-1001", data: fact.data, schemaVersion: catalogueEntry(fact.type)!.version }));
	});

	test("Onfleet's answer to a task proves a valid lastmile.job.accepted fact with the task id and tracking URL", async () => {
		const command = deliveryJob(ORDER);
		const answer = await send(urls.parkedLastMile, await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, command), "accepted-task");
		const fact = await mapResponse(profile("lastmile/onfleet"), LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, command, answer.body);
		assert.deepEqual(fact, {
			type: LASTMILE_FACTS.JOB_ACCEPTED,
			data: { orderId: "SO-1001", deliveryJobId: command.deliveryJobId, partnerRef: answer.body.id, trackingUrl: answer.body.trackingURL },
		});
		assertValidMessage(createEnvelope({ type: fact.type, source: "test", subject: "SO-1001", data: fact.data, schemaVersion: catalogueEntry(fact.type)!.version }));
	});

	test("the ERP's answer to an invoice proves a valid erp.invoice.posted fact carrying the ERP's document id", async () => {
		const command = invoice(ORDER);
		const answer = await send(urls.erp, await renderCommand(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_INVOICE, command), "posted-invoice");
		const fact = await mapResponse(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_INVOICE, command, answer.body);
		assert.deepEqual(fact, { type: ERP_FACTS.INVOICE_POSTED, data: { ...command, documentId: answer.body.invoiceId } });
		assertValidMessage(createEnvelope({ type: fact.type, source: "test", subject: "SO-1001", data: fact.data, schemaVersion: catalogueEntry(fact.type)!.version }));
	});

	test("the carrier's answer to a booking proves a valid lastmile.shipment.booked fact with its tracking code", async () => {
		const answer = await send(urls.parkedLastMile, await renderCommand(profile("lastmile/onfleet"), LASTMILE_COMMANDS.BOOK_SHIPMENT, BOOKING), "booked-1");
		const fact = await mapResponse(profile("lastmile/onfleet"), LASTMILE_COMMANDS.BOOK_SHIPMENT, BOOKING, answer.body);
		assert.deepEqual(fact, {
			type: LASTMILE_FACTS.SHIPMENT_BOOKED,
			data: { bookingId: "BK-REF-1001", reference: "REF-1001", partnerRef: answer.body.id, trackingCode: answer.body.trackingCode, labelUrl: answer.body.labelUrl, carrier: answer.body.carrier, bookedAt: answer.body.createdAt },
		});
		assertValidMessage(createEnvelope({ type: fact!.type, source: "test", subject: "BK-REF-1001", data: fact!.data, schemaVersion: catalogueEntry(fact!.type)!.version }));
	});

	test("the WMS's answer to an inventory query is a canonical inventory position", async () => {
		const query = { sku: "SKU-1", warehouse: "WH1" };
		const answer = await send(urls.parkedWms, await renderCommand(profile("wms/generic-3pl"), WMS_QUERIES.INVENTORY, query), "inventory-1");
		const position = await mapResponse(profile("wms/generic-3pl"), WMS_QUERIES.INVENTORY, query, answer.body);
		assert.equal(position!.type, "wms.inventory.position");
		assert.deepEqual(assertMatches("position", inventoryPositionSchema, position!.data), { sku: "SKU-1", warehouse: "WH1", onHand: answer.body.onHand, allocated: answer.body.allocated, available: answer.body.available, asOf: answer.body.asOf });
	});

	test("a command whose answer proves nothing maps to no fact", async () => {
		assert.equal(await mapResponse(profile("erp/waybill-erp-rest"), ERP_COMMANDS.UPDATE_ORDER_STATUS, { orderId: "SO-1001" }, { ok: true }), undefined);
	});

	test("the 3PL's webhooks for a rendered fulfillment order map to allocated, picked, packed and manifested, in order", async () => {
		const request = await renderCommand(profile("wms/generic-3pl"), WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, fulfillmentOrder(ORDER));
		assert.equal((await send(urls.wms, request, "flow-fo")).status, 201);
		await wms.idle();
		const facts = [];
		for (const raw of receiver.received("/wms")) facts.push(await mapOne(profile("wms/generic-3pl"), raw));
		assert.deepEqual(facts.map((f) => [f.type, f.subject]), [
			[WMS_FACTS.ALLOCATED, "SO-1001"], [WMS_FACTS.PICK_CONFIRMED, "SO-1001"], [WMS_FACTS.PACK_COMPLETED, "SO-1001"], [WMS_FACTS.SHIPMENT_MANIFESTED, "SO-1001"],
		]);
		for (const fact of facts) assertValidMessage(enveloped(fact, profile("wms/generic-3pl")));
	});
});

describe("loading mapping profiles", () => {
	const dirs: string[] = [];
	after(() => {
		for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	});

	function profileDir(files: Record<string, string>, outbound: Record<string, unknown>): string {
		const dir = mkdtempSync(join(tmpdir(), "waybill-mapping-"));
		dirs.push(dir);
		const profileJson = { system: "wms", profile: "broken-3pl", version: "broken-3pl@0.0.1", format: "json", outbound };
		writeFileSync(join(dir, "profile.json"), JSON.stringify(profileJson));
		for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
		return dir;
	}

	function refusal(dir: string): { type?: string; data?: { setting: string; reason: string } } {
		try {
			loadProfile(dir);
		} catch (e: unknown) {
			return e as { type?: string; data?: { setting: string; reason: string } };
		}
		return assert.fail("the profile loaded");
	}

	test("the shipped mappings load, one profile per directory", () => {
		assert.deepEqual([...profiles.keys()].sort(), ["erp/erpnext", "erp/shopify", "erp/waybill-canonical", "erp/waybill-erp-rest", "erp/x12-erp", "lastmile/easypost", "lastmile/edifact-carrier", "lastmile/onfleet", "lastmile/x12-carrier", "wms/edifact-3pl", "wms/generic-3pl", "wms/x12-3pl"]);
		assert.deepEqual([...profiles.values()].map((p) => p.version).sort(), ["easypost@1.1.0", "edifact-3pl@1.0.0", "edifact-carrier@1.0.0", "erpnext@1.0.0", "generic-3pl@1.2.0", "onfleet@1.2.0", "shopify@1.1.0", "waybill-canonical@1.1.0", "waybill-erp-rest@1.2.0", "x12-3pl@1.3.0", "x12-carrier@1.0.0", "x12-erp@1.0.0"]);
	});

	test("an EDIFACT profile that names outbound mappings is refused: Waybill reads EDIFACT, it writes none", () => {
		const dir = profileDir({}, { "wms.fulfillment-order.create": { method: "POST", path: "'/edi'" } });
		writeFileSync(join(dir, "profile.json"), JSON.stringify({ system: "wms", profile: "edifact-out", version: "edifact-out@0.0.1", format: "edifact", outbound: { "wms.fulfillment-order.create": { method: "POST", path: "'/edi'" } } }));
		const error = refusal(dir);
		assert.deepEqual([error.type, error.data?.reason], [ERROR_TYPES.CONFIGURATION_INVALID, "an EDIFACT profile is inbound only: Waybill writes no EDIFACT"]);
	});

	test("a directory whose body mapping is not valid JSONata is refused as CONFIGURATION_INVALID, naming the file", () => {
		const dir = profileDir({ "order.out.jsonata": '{ "externalRef": fulfillmentOrderId, ' }, { "wms.fulfillment-order.create": { method: "POST", path: "'/v1/orders'", body: "order.out.jsonata" } });
		const error = refusal(dir);
		assert.equal(error.type, ERROR_TYPES.CONFIGURATION_INVALID);
		assert.equal(error.data?.setting, join(dir, "order.out.jsonata"));
		assert.match(error.data?.reason ?? "", /^JSONata does not compile/);
	});

	test("a directory whose path expression is not valid JSONata is refused as CONFIGURATION_INVALID", () => {
		const dir = profileDir({ "order.out.jsonata": "{}" }, { "wms.fulfillment-order.create": { method: "POST", path: "'/v1/orders' &", body: "order.out.jsonata" } });
		assert.equal(refusal(dir).type, ERROR_TYPES.CONFIGURATION_INVALID);
	});

	test("a directory that names a mapping file it does not have is refused as CONFIGURATION_INVALID", () => {
		const dir = profileDir({}, { "wms.fulfillment-order.create": { method: "POST", path: "'/v1/orders'", body: "order.out.jsonata" } });
		const error = refusal(dir);
		assert.deepEqual([error.type, error.data?.setting, error.data?.reason], [ERROR_TYPES.CONFIGURATION_INVALID, join(dir, "order.out.jsonata"), "mapping file is missing"]);
	});

	test("a missing response-fact mapping is refused too, at load time rather than on the first answer", () => {
		const dir = profileDir({ "order.out.jsonata": "{}" }, {
			"wms.fulfillment-order.create": { method: "POST", path: "'/v1/orders'", body: "order.out.jsonata", fact: { type: WMS_FACTS.FULFILLMENT_ACCEPTED, data: "accepted.jsonata" } },
		});
		assert.equal(refusal(dir).type, ERROR_TYPES.CONFIGURATION_INVALID);
	});

	test(
		"a profile.json that is not JSON is refused as CONFIGURATION_INVALID, naming the file",
		() => {
			const dir = profileDir({}, {});
			writeFileSync(join(dir, "profile.json"), '{ "system": "wms", ');
			const error = refusal(dir);
			assert.deepEqual([error.type, error.data?.setting], [ERROR_TYPES.CONFIGURATION_INVALID, join(dir, "profile.json")]);
		},
	);
});

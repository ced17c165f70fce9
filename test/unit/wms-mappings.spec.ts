import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
	WMS_COMMANDS, WMS_FACTS, assertValidMessage, catalogueEntry, createEnvelope, type Envelope, type FulfillmentOrder, type ReturnOrder,
} from "../../canonical/index.ts";
import { loadProfiles, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, mapResponse, renderCommand, type MappedFact, type RenderedRequest } from "../../services/mapper/canonical-mapper.ts";
import { el, parseInterchange, readFunctionalAck } from "../../services/mapper/formats/x12/index.ts";
import { WmsSimulator, type WmsOrderScript } from "../../simulators/wms.sim.ts";
import { WmsX12Simulator } from "../../simulators/wms-x12.sim.ts";
import { WMS_EVENT_TYPES, WMS_EXCEPTION_EVENT_TYPES } from "../../simulators/wms-events.ts";
import { fulfillmentOrder, linesOf, salesOrder, SHIP_TO } from "../helpers/fixtures.ts";

const profiles = loadProfiles(fileURLToPath(new URL("../../mappings", import.meta.url)));
const generic = profiles.get("wms/generic-3pl")!;
const x12 = profiles.get("wms/x12-3pl")!;

/** What the mapper service publishes for a fact: it must pass the catalogue's gate. */
function enveloped(fact: MappedFact, from: MappingProfile): Envelope {
	const entry = catalogueEntry(fact.type);
	assert.ok(entry, `${fact.type} is catalogued`);
	assert.equal(entry.kind, "fact");
	return createEnvelope({
		type: fact.type, source: `partner/${from.system}/${from.profile}`, subject: fact.subject, time: fact.time, data: fact.data,
		schemaVersion: entry.version, idempotencyKey: `${from.profile}:${fact.partnerEventId}:${fact.type}`, partnerEventId: fact.partnerEventId, mappingVersion: from.version,
	});
}

/** A command Waybill would send: valid against its catalogue schema, as the saga would have checked. */
function validCommand(type: string, data: Record<string, unknown>): Record<string, unknown> {
	assertValidMessage(createEnvelope({ type, source: "test", subject: String(data["orderId"]), data, schemaVersion: catalogueEntry(type)!.version }));
	return data;
}

function single<T>(list: T[]): T {
	assert.equal(list.length, 1, "exactly one");
	return list[0]!;
}

/** An answer fact as the adapter would publish it. */
function assertValidFact(fact: { type: string; data: unknown } | undefined, subject: string): void {
	assert.ok(fact, "the answer proves a fact");
	assertValidMessage(createEnvelope({ type: fact.type, source: "test", subject, data: fact.data, schemaVersion: catalogueEntry(fact.type)!.version }));
}

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

/** Stands in for Waybill's gateway: answers 200 and keeps every raw webhook body. */
class Receiver {
	readonly bodies: string[] = [];
	url = "";
	private readonly server: Server = createServer((req, res) => {
		let raw = "";
		req.setEncoding("utf8");
		req.on("data", (chunk: string) => (raw += chunk));
		req.on("end", () => {
			this.bodies.push(raw);
			res.writeHead(200).end();
		});
	});

	async start(): Promise<void> {
		await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
	}

	stop(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}

const ORDERS: Record<string, WmsOrderScript> = {
	"SO-SHORT": { allocationShort: [{ lineNo: 2, qtyAllocated: 1 }] },
	"SO-PICK": { shortPick: [{ lineNo: 1, qtyPicked: 1 }] },
	"SO-SPLIT": { splitShipment: true },
	"SO-HELD": { inventoryAdjustment: true },
	"SO-DAMAGED": { warehouseException: "damaged-stock" },
	"SO-WAVE": { warehouseException: "wave-blocked" },
	"SO-NOSHOW": { warehouseException: "carrier-no-show" },
};

function returnOrder(orderId: string): ReturnOrder {
	return { rma: `RMA-${orderId}`, orderId, reason: "arrived damaged", pickupFrom: structuredClone(SHIP_TO), warehouse: "WH1", lines: linesOf(salesOrder(orderId)).slice(0, 2) };
}

describe("generic 3PL profile, fed by the simulator's exception flows", () => {
	const receiver = new Receiver();
	const sim = new WmsSimulator({ secret: "wms-secret", stepDelayMs: 0, exceptionDelayMs: 5, returnReceiptDelayMs: 5, scenario: { orders: ORDERS } });
	const facts: { raw: any; fact: MappedFact }[] = [];

	before(async () => {
		await receiver.start();
		sim.setCallbackUrl(receiver.url);
		const { url } = await sim.start();
		for (const orderId of Object.keys(ORDERS)) {
			const request = await renderCommand(generic, WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, fulfillmentOrder(salesOrder(orderId)));
			assert.equal((await send(url, request, `fo-${orderId}`)).status, 201);
		}
		const expect = await renderCommand(generic, WMS_COMMANDS.EXPECT_RETURN, validCommand(WMS_COMMANDS.EXPECT_RETURN, { ...returnOrder("SO-RETURN") }));
		assert.equal((await send(url, expect, "return-1")).status, 201);
		await sim.idle();
		for (const raw of receiver.bodies) {
			const mapped = await mapInbound(generic, raw);
			assert.equal(mapped.length, 1, `one fact for ${raw}`);
			facts.push({ raw: JSON.parse(raw), fact: mapped[0]! });
		}
	});
	after(async () => {
		await Promise.all([sim.stop(), receiver.stop()]);
	});

	const about = (orderId: string, type?: string) => facts.filter(({ fact }) => fact.subject === orderId && (type === undefined || fact.type === type));

	test("the profile (generic-3pl@1.2.0) routes exactly the event types the simulator sends", () => {
		assert.equal(generic.version, "generic-3pl@1.2.0");
		assert.deepEqual([...generic.inbound!.routes.keys()].sort(), [...WMS_EVENT_TYPES, ...WMS_EXCEPTION_EVENT_TYPES].sort());
	});

	test("every webhook the simulator sent maps to one valid fact at the event's time, keyed by its event id", () => {
		assert.equal(facts.length, receiver.bodies.length);
		for (const { raw, fact } of facts) {
			assert.deepEqual([fact.time, fact.partnerEventId], [raw.occurredAt, raw.eventId]);
			assertValidMessage(enveloped(fact, generic));
		}
	});

	test("each order's webhooks become the facts of its exception, in order", () => {
		const F = WMS_FACTS;
		const expected: Record<string, string[]> = {
			"SO-SHORT": [F.ALLOCATION_SHORT, F.PICK_CONFIRMED, F.PACK_COMPLETED, F.SHIPMENT_MANIFESTED],
			"SO-PICK": [F.ALLOCATED, F.PICK_CONFIRMED, F.PACK_COMPLETED, F.SHIPMENT_MANIFESTED],
			"SO-SPLIT": [F.ALLOCATED, F.PICK_CONFIRMED, F.PACK_COMPLETED, F.SHIPMENT_MANIFESTED, F.SHIPMENT_MANIFESTED],
			"SO-HELD": [F.ALLOCATED],
			"SO-DAMAGED": [F.ALLOCATED, F.PICK_CONFIRMED, F.EXCEPTION_RAISED, F.PACK_COMPLETED, F.SHIPMENT_MANIFESTED],
			"SO-WAVE": [F.ALLOCATED, F.EXCEPTION_RAISED, F.PICK_CONFIRMED, F.PACK_COMPLETED, F.SHIPMENT_MANIFESTED],
			"SO-NOSHOW": [F.ALLOCATED, F.PICK_CONFIRMED, F.PACK_COMPLETED, F.EXCEPTION_RAISED, F.SHIPMENT_MANIFESTED],
			"SO-RETURN": [F.RETURN_RECEIVED],
			"WH1/SKU-A": [F.INVENTORY_ADJUSTED],
		};
		for (const [subject, types] of Object.entries(expected)) assert.deepEqual(about(subject).map(({ fact }) => fact.type), types, subject);
	});

	test("a short allocation becomes wms.allocation.short with what could be allocated of each line", () => {
		const { raw, fact } = single(about("SO-SHORT", WMS_FACTS.ALLOCATION_SHORT));
		assert.deepEqual(fact.data, {
			orderId: "SO-SHORT", fulfillmentOrderId: "FO-SO-SHORT-WH1", warehouse: "WH1", partnerRef: raw.order.id,
			lines: [{ lineNo: 1, sku: "SKU-A", qty: 2, qtyAllocated: 2 }, { lineNo: 2, sku: "SKU-B", qty: 3, qtyAllocated: 1 }, { lineNo: 3, sku: "SKU-C", qty: 1, qtyAllocated: 1 }],
		});
		const shipped = about("SO-SHORT", WMS_FACTS.SHIPMENT_MANIFESTED)[0]!.fact.data as { lines: unknown[] };
		assert.deepEqual(shipped.lines, [{ lineNo: 1, sku: "SKU-A", qty: 2 }, { lineNo: 2, sku: "SKU-B", qty: 1 }, { lineNo: 3, sku: "SKU-C", qty: 1 }]);
	});

	test("a short pick becomes wms.pick.confirmed with qtyPicked below qty on the short line", () => {
		const data = about("SO-PICK", WMS_FACTS.PICK_CONFIRMED)[0]!.fact.data as { lines: unknown[] };
		assert.deepEqual(data.lines, [{ lineNo: 1, sku: "SKU-A", qty: 2, qtyPicked: 1 }, { lineNo: 2, sku: "SKU-B", qty: 3, qtyPicked: 3 }, { lineNo: 3, sku: "SKU-C", qty: 1, qtyPicked: 1 }]);
	});

	test("each manifest of a split shipment is its own wms.shipment.manifested, with its shipment id, tracking number and lines", () => {
		const [first, second] = about("SO-SPLIT", WMS_FACTS.SHIPMENT_MANIFESTED).map(({ fact }) => fact.data as any);
		assert.notEqual(first.shipmentId, second.shipmentId);
		assert.notEqual(first.trackingNumber, second.trackingNumber);
		assert.deepEqual([first.lines, second.lines], [[{ lineNo: 1, sku: "SKU-A", qty: 2 }, { lineNo: 2, sku: "SKU-B", qty: 3 }], [{ lineNo: 3, sku: "SKU-C", qty: 1 }]]);
	});

	test("an inventory adjustment becomes wms.inventory.adjusted about <warehouse>/<sku>, naming the order it holds", () => {
		const { raw, fact } = single(about("WH1/SKU-A"));
		assert.equal(fact.type, WMS_FACTS.INVENTORY_ADJUSTED);
		assert.deepEqual(fact.data, {
			sku: "SKU-A", warehouse: "WH1", delta: raw.delta, reason: "cycle count: units missing from the pick face",
			onHand: raw.onHand, allocated: raw.allocated, affectedOrders: ["SO-HELD"], at: raw.occurredAt,
		});
		assert.ok(raw.delta < 0);
	});

	test("each warehouse exception becomes wms.exception.raised with its code; damaged stock names the unit that will not ship", () => {
		const raised = ["SO-DAMAGED", "SO-WAVE", "SO-NOSHOW"].map((orderId) => about(orderId, WMS_FACTS.EXCEPTION_RAISED)[0]!.fact.data as any);
		assert.deepEqual(raised.map((d) => [d.orderId, d.warehouse, d.code]), [["SO-DAMAGED", "WH1", "damaged-stock"], ["SO-WAVE", "WH1", "wave-blocked"], ["SO-NOSHOW", "WH1", "carrier-no-show"]]);
		assert.deepEqual(raised[0].lines, [{ lineNo: 1, sku: "SKU-A", qty: 1 }]);
		assert.deepEqual([raised[1].lines, raised[2].lines], [undefined, undefined]);
		for (const d of raised) assert.ok(d.description.length > 0);
	});

	test("the expected return's receipt becomes wms.return.received with its RMA, lines and disposition", () => {
		const { fact } = single(about("SO-RETURN"));
		assert.deepEqual(fact.data, { orderId: "SO-RETURN", rma: "RMA-SO-RETURN", lines: returnOrder("SO-RETURN").lines, disposition: "restock" });
	});
});

describe("generic 3PL commands, answered by the simulator", () => {
	// Flows that never advance on their own, so cancels and updates meet a live order.
	const parked = new WmsSimulator({ secret: "wms-secret", stepDelayMs: 600_000 });
	const ORDER = salesOrder("SO-2001");
	let url = "";

	before(async () => {
		url = (await parked.start()).url;
	});
	after(() => parked.stop());

	async function created(order: FulfillmentOrder): Promise<string> {
		const answer = await send(url, await renderCommand(generic, WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, order), `fo-${order.fulfillmentOrderId}`);
		assert.equal(answer.status, 201);
		return answer.body.id as string;
	}

	test("a cancel with the 3PL's id is answered 200 and proves a valid wms.fulfillment.cancelled", async () => {
		const order = fulfillmentOrder(ORDER);
		const partnerRef = await created(order);
		const command = validCommand(WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, { orderId: "SO-2001", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH1", partnerRef, reason: "cancelled by the customer" });
		const request = await renderCommand(generic, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, command);
		assert.deepEqual(request, { method: "POST", path: `/v1/fulfillment-orders/${partnerRef}/cancel`, body: { reason: "cancelled by the customer" } });
		const answer = await send(url, request, "cancel-1");
		assert.equal(answer.status, 200);
		const fact = await mapResponse(generic, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, command, answer.body);
		assert.deepEqual(fact, { type: WMS_FACTS.FULFILLMENT_CANCELLED, data: { orderId: "SO-2001", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH1", partnerRef } });
		assertValidFact(fact, "SO-2001");
	});

	test("a cancel without the 3PL's id goes by our fulfillment order id, which the simulator also knows", async () => {
		const order = { ...fulfillmentOrder(salesOrder("SO-2002")), fulfillmentOrderId: "FO SO-2002/WH1" };
		const partnerRef = await created(order);
		const command = validCommand(WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, { orderId: "SO-2002", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH1", reason: "out of stock" });
		const request = await renderCommand(generic, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, command);
		assert.equal(request.path, "/v1/fulfillment-orders/FO%20SO-2002%2FWH1/cancel");
		const answer = await send(url, request, "cancel-2");
		assert.deepEqual(answer, { status: 200, body: { id: partnerRef, status: "cancelled" } });
		const fact = await mapResponse(generic, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, command, answer.body);
		assert.equal((fact!.data as { partnerRef: string }).partnerRef, partnerRef);
		assertValidFact(fact, "SO-2002");
		assert.equal(parked.countsFor("SO-2002").cancellations, 1);
	});

	test("an update is a PATCH of the changed fields, answered 200, proving a valid wms.fulfillment.updated with the change id", async () => {
		const order = fulfillmentOrder(salesOrder("SO-2003"));
		const partnerRef = await created(order);
		const shipTo = { ...SHIP_TO, line1: "Rokin 9" };
		const lines = [{ lineNo: 1, sku: "SKU-A", qty: 1 }];
		const command = validCommand(WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, { orderId: "SO-2003", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH1", partnerRef, changeId: "chg-7", shipTo, lines });
		const request = await renderCommand(generic, WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, command);
		assert.deepEqual(request, { method: "PATCH", path: `/v1/fulfillment-orders/${partnerRef}`, body: { changeId: "chg-7", shipTo, lines } });
		const answer = await send(url, request, "update-1");
		assert.equal(answer.status, 200);
		const fact = await mapResponse(generic, WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, command, answer.body);
		assert.deepEqual(fact, { type: WMS_FACTS.FULFILLMENT_UPDATED, data: { orderId: "SO-2003", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH1", partnerRef, changeId: "chg-7" } });
		assertValidFact(fact, "SO-2003");
		const shown = await send(url, { method: "GET", path: `/v1/fulfillment-orders/${partnerRef}` }, "show");
		assert.deepEqual([shown.body.shipTo, shown.body.lines], [shipTo, lines]);
	});

	test("an address-only update sends neither lines nor an empty shipTo", async () => {
		const request = await renderCommand(generic, WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, { orderId: "SO-1", fulfillmentOrderId: "FO-1", changeId: "chg-1", shipTo: SHIP_TO });
		assert.deepEqual(request.body, { changeId: "chg-1", shipTo: SHIP_TO });
	});

	test("an expected return is a POST /v1/returns the simulator answers 201, and no answer fact", async () => {
		const command = validCommand(WMS_COMMANDS.EXPECT_RETURN, { ...returnOrder("SO-2004") });
		const request = await renderCommand(generic, WMS_COMMANDS.EXPECT_RETURN, command);
		assert.deepEqual(request, {
			method: "POST", path: "/v1/returns",
			body: { rma: "RMA-SO-2004", orderRef: "SO-2004", warehouse: "WH1", reason: "arrived damaged", lines: returnOrder("SO-2004").lines },
		});
		const answer = await send(url, request, "return-2004");
		assert.deepEqual(answer, { status: 201, body: { id: answer.body.id, rma: "RMA-SO-2004", status: "expected" } });
		assert.equal(await mapResponse(generic, WMS_COMMANDS.EXPECT_RETURN, command, answer.body), undefined);
	});
});

describe("X12 3PL cancel", () => {
	const edi = new WmsX12Simulator({ secret: "edi-secret", stepDelayMs: 600_000 });
	let url = "";

	before(async () => {
		url = (await edi.start()).url;
	});
	after(() => edi.stop());

	test("x12-3pl@1.3.0 sends a cancel as a 940 with W0501 F naming the order, and an accepting 997 proves wms.fulfillment.cancelled from the command", async () => {
		assert.equal(x12.version, "x12-3pl@1.3.0");
		const order = { ...fulfillmentOrder(salesOrder("SO-3001")), warehouse: "WH2", partner: "edi-3pl" };
		const create = await renderCommand(x12, WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, order, "SO-3001:fulfillment:1");
		assert.equal((await send(url, create, "edi-create")).status, 200);

		const command = validCommand(WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, { orderId: "SO-3001", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH2", reason: "customer*changed~mind" });
		const request = await renderCommand(x12, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, command, "SO-3001:cancel:1");
		assert.deepEqual([request.method, request.path, request.contentType], ["POST", "/edi", "application/edi-x12"]);
		const tx = parseInterchange(request.body as string).groups[0]!.transactions[0]!;
		assert.deepEqual(tx.segments.map((s) => s.join("*")), ["W05*F*SO-3001*FO-SO-3001-WH1", "N9*WH*WH2", "NTE*WHI*customer changed mind", "W76*0"]);
		assert.equal(el(tx.st, 1), "940");

		const answer = await send(url, request, "edi-cancel");
		assert.equal(answer.status, 200);
		assert.deepEqual(readFunctionalAck(parseInterchange(answer.body)).map((g) => g.verdict), ["accepted"]);
		const fact = await mapResponse(x12, WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, command, answer.body);
		assert.deepEqual(fact, { type: WMS_FACTS.FULFILLMENT_CANCELLED, data: { orderId: "SO-3001", fulfillmentOrderId: order.fulfillmentOrderId, warehouse: "WH2" } });
		assertValidFact(fact, "SO-3001");
		await edi.idle();
		assert.deepEqual([edi.stats().cancellationsByOrder, edi.stats().webhooksSent], [{ "SO-3001": 1 }, 0]);
	});
});

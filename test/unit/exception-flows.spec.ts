import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
	COMMAND_CHANNEL_BY_SYSTEM, ERP_COMMANDS, ERP_FACTS, LASTMILE_COMMANDS, LASTMILE_FACTS, ORDER_STATUS as S, WAYBILL_FACTS, WMS_COMMANDS, WMS_FACTS,
	assertValidMessage, catalogueEntry, createEnvelope, systemOfCommand,
	type Address, type Envelope, type LineQuantity, type MessageType, type OrderStatus, type SalesOrder, type Shipment,
} from "../../canonical/index.ts";
import { caseIdFor, isoPlus, type FlowPolicies } from "../../services/saga/flows/flow-kit.ts";
import { reconciled } from "../../services/saga/line-reconciliation.ts";
import type { CaseIntent, CommandIntent, OrderSaga, Reaction } from "../../services/saga/order-saga.ts";
import { applyFact, startSaga } from "../../services/saga/reactions.ts";
import { SHIP_TO, at, salesOrder } from "../helpers/fixtures.ts";

const ORDER_ID = "SO-2001";
const FO1 = `FO-${ORDER_ID}-WH1`;
const FO2 = `FO-${ORDER_ID}-WH2`;
const DJ1 = `DJ-${ORDER_ID}-shp_1`;
const DJ2 = `DJ-${ORDER_ID}-shp_2`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RESOLUTION_MS = 8 * HOUR;


interface PolicyOptions {
	warehouses?: string[];
	maxAttempts?: number;
	shortage?: { action: "backorder" | "cancel"; reallocate: boolean };
	credit?: "on-receipt" | "none";
}

/** WH1 → acme-3pl, WH2 → edi-3pl, onfleet; 2 attempts within 2 days; backorder and re-allocate; dispatch due 4 h after release. */
function policies(o: PolicyOptions = {}): FlowPolicies {
	return {
		route: () => ({ warehouses: [...(o.warehouses ?? ["WH1", "WH2"])], lastmile: "onfleet" }),
		wmsPartnerFor: (warehouse) => ({ WH1: "acme-3pl", WH2: "edi-3pl" } as Record<string, string>)[warehouse] ?? "unknown-wms",
		reattempt: () => ({ maxAttempts: o.maxAttempts ?? 2, windowMs: 2 * DAY }),
		shortage: () => o.shortage ?? { action: "backorder", reallocate: true },
		sla: () => ({ dispatchDueAt: (releasedAt) => isoPlus(releasedAt, 4 * HOUR), atRiskLeadMs: HOUR, freshnessMs: 2 * HOUR, exceptionResolutionMs: RESOLUTION_MS }),
		warehouseException: (code) => code === "damaged-stock" ? { action: "short", severity: "warning" }
			: code === "carrier-no-show" ? { action: "delay", severity: "warning" }
			: { action: "hold", severity: "info" },
		returns: () => ({ credit: o.credit ?? "on-receipt" }),
	};
}


/**
 * A valid catalogued fact at `minute`. The same type, time and data make the same envelope id (a
 * redelivery); `key` names a different message with the same content (a partner sending it again).
 */
function fact(type: MessageType, data: unknown, minute: number, partner?: string, key?: string): Envelope {
	const digest = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 12);
	return assertValidMessage(createEnvelope({
		type, source: "test/exception-flows", subject: ORDER_ID, data, time: at(minute), schemaVersion: catalogueEntry(type)!.version,
		idempotencyKey: key ?? `${type}@${minute}@${digest}`, ...(partner ? { partner } : {}),
	}));
}

const SKUS: Record<number, string> = { 1: "SKU-A", 2: "SKU-B", 3: "SKU-C" };
const PRICES: Record<number, number> = { 1: 12.5, 2: 4.99, 3: 100 };
const L = (lineNo: number, qty: number): LineQuantity => ({ lineNo, sku: SKUS[lineNo]!, qty });
const ALL = [L(1, 2), L(2, 3), L(3, 1)];
const priced = (lines: LineQuantity[]) => lines.map((l) => ({ ...l, unitPrice: PRICES[l.lineNo]! }));
const NEW_ADDRESS: Address = { name: "Ann de Vries", line1: "Keizersgracht 100", city: "Amsterdam", postalCode: "1015 CV", country: "NL" };

const WMS: Record<string, { warehouse: string; partner: string; partnerRef: string }> = {
	[FO1]: { warehouse: "WH1", partner: "acme-3pl", partnerRef: "wo_1" },
	[FO2]: { warehouse: "WH2", partner: "edi-3pl", partnerRef: "wo_2" },
};

function wms(type: MessageType, fo: string, extra: object, minute: number, key?: string): Envelope {
	const w = WMS[fo]!;
	return fact(type, { orderId: ORDER_ID, fulfillmentOrderId: fo, warehouse: w.warehouse, partnerRef: w.partnerRef, ...extra }, minute, w.partner, key);
}

function shipmentOf(fo: string, shipmentId: string, lines: LineQuantity[], minute: number): Shipment {
	return {
		shipmentId, orderId: ORDER_ID, fulfillmentOrderId: fo, warehouse: WMS[fo]!.warehouse, carrier: "WAYBILL-LASTMILE", trackingNumber: `TRK-${shipmentId}`,
		shippedAt: at(minute), packages: [{ trackingNumber: `TRK-${shipmentId}`, weightKg: 2, lines }], lines,
	};
}

const W = {
	accepted: (fo: string, minute: number) => wms(WMS_FACTS.FULFILLMENT_ACCEPTED, fo, {}, minute),
	allocated: (fo: string, lines: LineQuantity[], minute: number) => wms(WMS_FACTS.ALLOCATED, fo, { lines }, minute),
	/** [lineNo, qtyAllocated] per line of the fulfillment order. */
	allocationShort: (fo: string, lines: LineQuantity[], allocated: Record<number, number>, minute: number) =>
		wms(WMS_FACTS.ALLOCATION_SHORT, fo, { lines: lines.map((l) => ({ ...l, qtyAllocated: allocated[l.lineNo] ?? l.qty })) }, minute),
	picked: (fo: string, lines: LineQuantity[], minute: number, picked: Record<number, number> = {}) =>
		wms(WMS_FACTS.PICK_CONFIRMED, fo, { lines: lines.map((l) => ({ ...l, qtyPicked: picked[l.lineNo] ?? l.qty })) }, minute),
	packed: (fo: string, minute: number) => wms(WMS_FACTS.PACK_COMPLETED, fo, {}, minute),
	manifested: (fo: string, shipmentId: string, lines: LineQuantity[], minute: number) =>
		fact(WMS_FACTS.SHIPMENT_MANIFESTED, shipmentOf(fo, shipmentId, lines, minute), minute, WMS[fo]!.partner),
	cancelled: (fo: string, minute: number, key?: string) => wms(WMS_FACTS.FULFILLMENT_CANCELLED, fo, {}, minute, key),
	updated: (fo: string, changeId: string, minute: number) => wms(WMS_FACTS.FULFILLMENT_UPDATED, fo, { changeId }, minute),
	returnReceived: (rma: string, lines: LineQuantity[], minute: number, key?: string) =>
		fact(WMS_FACTS.RETURN_RECEIVED, { orderId: ORDER_ID, rma, lines, disposition: "restock" }, minute, "acme-3pl", key),
	exception: (code: string, description: string, minute: number, lines?: LineQuantity[], key?: string) =>
		fact(WMS_FACTS.EXCEPTION_RAISED, { orderId: ORDER_ID, warehouse: "WH1", code, description, ...(lines ? { lines } : {}) }, minute, "acme-3pl", key),
};

function lastMile(type: MessageType, dj: string, task: string, extra: object, minute: number, key?: string): Envelope {
	return fact(type, { orderId: ORDER_ID, deliveryJobId: dj, partnerRef: task, ...extra }, minute, "onfleet", key);
}

const POD = { recipientName: "Ann de Vries", signatureRef: "onfleet:upload:sig" };
const M = {
	jobAccepted: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.JOB_ACCEPTED, dj, task, { trackingUrl: `https://track.example/${task}` }, minute),
	dispatched: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.DISPATCHED, dj, task, {}, minute),
	out: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.OUT_FOR_DELIVERY, dj, task, {}, minute),
	delivered: (dj: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.DELIVERED, dj, task, { proofOfDelivery: POD }, minute),
	failed: (dj: string, task: string, reason: string, minute: number, key?: string) => lastMile(LASTMILE_FACTS.ATTEMPT_FAILED, dj, task, { reason }, minute, key),
	jobCancelled: (dj: string, task: string, minute: number, key?: string) => lastMile(LASTMILE_FACTS.JOB_CANCELLED, dj, task, {}, minute, key),
	jobUpdated: (dj: string, task: string, changeId: string, minute: number) => lastMile(LASTMILE_FACTS.JOB_UPDATED, dj, task, { changeId }, minute),
	pickupAccepted: (rma: string, task: string, minute: number) => lastMile(LASTMILE_FACTS.RETURN_PICKUP_ACCEPTED, `RJ-${rma}`, task, { rma }, minute),
};

const E = {
	cancelled: (reason: string, minute: number, key?: string) => fact(ERP_FACTS.ORDER_CANCELLED, { orderId: ORDER_ID, reason }, minute, "erp-sim", key),
	updated: (changeId: string, changes: object, minute: number, key?: string) => fact(ERP_FACTS.ORDER_UPDATED, { orderId: ORDER_ID, changeId, changes }, minute, "erp-sim", key),
	rma: (rma: string, lines: LineQuantity[], minute: number, key?: string) =>
		fact(ERP_FACTS.RETURN_AUTHORISED, { rma, orderId: ORDER_ID, reason: "damaged in transit", pickupFrom: SHIP_TO, warehouse: "WH1", lines }, minute, "erp-sim", key),
	invoicePosted: (lines: LineQuantity[], total: number, minute: number) =>
		fact(ERP_FACTS.INVOICE_POSTED, { kind: "invoice", documentId: "INV-1", orderId: ORDER_ID, currency: "EUR", lines: priced(lines), total, at: at(minute) }, minute, "erp-sim"),
	creditPosted: (rma: string, lines: LineQuantity[], total: number, minute: number, key?: string) =>
		fact(ERP_FACTS.CREDIT_NOTE_POSTED, { kind: "credit-note", documentId: `CN-${rma}`, orderId: ORDER_ID, currency: "EUR", lines: priced(lines), total, at: at(minute), rma }, minute, "erp-sim", key),
};

const clock = (name: string, dueMinute: number, key?: string, caseId?: string) =>
	fact(WAYBILL_FACTS.CLOCK_ELAPSED, { orderId: ORDER_ID, clock: name, dueAt: at(dueMinute), ...(caseId ? { caseId } : {}) }, dueMinute, undefined, key);
const caseClock = (caseId: string, dueAt: string) =>
	fact(WAYBILL_FACTS.CLOCK_ELAPSED, { orderId: ORDER_ID, clock: `case-${caseId}`, dueAt, caseId }, (Date.parse(dueAt) - Date.parse(at(0))) / 60_000);
const reallocation = (warehouse: string, sku: string, reason: string, minute: number, key?: string) =>
	fact(WAYBILL_FACTS.REALLOCATION_REQUIRED, { orderId: ORDER_ID, warehouse, sku, reason, at: at(minute) }, minute, undefined, key);

/** The command envelope the saga runner publishes for an intent: `<orderId>:<step>:1` on the system's command channel. */
function commandEnvelope(command: CommandIntent, minute: number): Envelope {
	return createEnvelope({
		type: command.type, source: "waybill/saga", subject: ORDER_ID, correlationId: ORDER_ID, data: command.data, time: at(minute),
		schemaVersion: catalogueEntry(command.type)!.version, idempotencyKey: `${ORDER_ID}:${command.step}:1`, ...(command.partner ? { partner: command.partner } : {}),
	});
}

/** The stream bus gave up on a command: a `waybill.message.dead-lettered` fact carrying it and the partner's error. */
function deadLetter(command: CommandIntent, error: string, minute: number, key?: string): Envelope {
	const system = systemOfCommand(command.type);
	return fact(WAYBILL_FACTS.MESSAGE_DEAD_LETTERED, {
		channel: COMMAND_CHANNEL_BY_SYSTEM[system], group: system, attempts: 8, failedAt: at(minute), error: { type: "PARTNER_REJECTED", message: error },
		orderId: ORDER_ID, ...(command.partner ? { partner: command.partner } : {}), messageType: command.type, message: commandEnvelope(command, minute - 1),
	}, minute, undefined, key);
}


/** Puts an intent in the envelope the saga runner would publish and checks it passes the catalogue gate unchanged. */
function assertCatalogued(type: MessageType, data: unknown, key: string): void {
	const envelope = createEnvelope({ type, source: "waybill/saga", subject: ORDER_ID, data: structuredClone(data), schemaVersion: catalogueEntry(type)!.version, idempotencyKey: key });
	assert.doesNotThrow(() => assertValidMessage(envelope), type);
	assert.deepEqual(envelope.data, data, `${type}: the catalogue schema drops part of the data`);
}

/** One order's saga, driven fact by fact as the saga service does; every reaction is checked against the catalogue. */
class OrderRun {
	saga: OrderSaga;
	readonly started: Reaction;
	readonly reactions: Reaction[] = [];

	constructor(readonly flowPolicies: FlowPolicies = policies(), order: SalesOrder = salesOrder(ORDER_ID)) {
		this.started = startSaga(fact(ERP_FACTS.ORDER_RELEASED, order, 0, "erp-sim"), { now: at(0), policies: flowPolicies });
		checkReaction(this.started);
		this.saga = this.started.saga;
	}

	/** Applies a fact that the saga must record (not a redelivery). */
	apply(envelope: Envelope): Reaction {
		const reaction = this.maybe(envelope);
		assert.ok(reaction, `${envelope.type} was ignored`);
		return reaction;
	}

	maybe(envelope: Envelope): Reaction | null {
		const before = structuredClone(this.saga);
		const reaction = applyFact(this.saga, envelope, { now: envelope.time, policies: this.flowPolicies });
		assert.deepEqual(this.saga, before, `${envelope.type} mutated the saga it was given`);
		if (reaction) {
			checkReaction(reaction);
			this.reactions.push(reaction);
			this.saga = reaction.saga;
		}
		return reaction;
	}

	all(...envelopes: Envelope[]): Reaction[] {
		return envelopes.map((e) => this.apply(e));
	}

	/** Every command sent since the start (the release included). */
	commands(): CommandIntent[] {
		return [this.started, ...this.reactions].flatMap((r) => r.commands);
	}
}

function checkReaction(reaction: Reaction): void {
	for (const c of reaction.commands) assertCatalogued(c.type, c.data, `${ORDER_ID}:${c.step}:1`);
	for (const f of reaction.facts) assertCatalogued(f.type, f.data, `${ORDER_ID}:${f.key}`);
}

type Cmd = [string, string, string | undefined];
const cmds = (r: Reaction | null): Cmd[] | null => r?.commands.map((c): Cmd => [c.type, c.step, c.partner]) ?? null;
const statusCmd = (status: OrderStatus, n = 1): Cmd => [ERP_COMMANDS.UPDATE_ORDER_STATUS, `status-${status}-${n}`, undefined];
const dataOf = (r: Reaction, type: string) => r.commands.filter((c) => c.type === type).map((c) => c.data);

/** A reaction that only records the fact: nothing is sent, raised, opened or armed, and the status stays. */
function assertNothingNew(r: Reaction | null, note?: RegExp): void {
	assert.ok(r);
	assert.deepEqual({ commands: r.commands, facts: r.facts, cases: r.cases, timers: r.timers, statusChange: r.statusChange }, { commands: [], facts: [], cases: [], timers: [], statusChange: undefined });
	if (note) assert.match(r.saga.timeline.at(-1)!.note ?? "", note);
}

function opened(kind: CaseIntent["kind"], cause: Envelope, rest: Omit<CaseIntent, "action" | "caseId" | "kind">): CaseIntent {
	return { action: "open", caseId: caseIdFor(ORDER_ID, kind, cause.id), kind, ...rest };
}

const caseTimer = (kind: CaseIntent["kind"], cause: Envelope) => {
	const caseId = caseIdFor(ORDER_ID, kind, cause.id);
	return { clock: `case-${caseId}`, dueAt: isoPlus(cause.time, RESOLUTION_MS), caseId };
};


function toAllocated(o: OrderRun): void {
	o.all(W.accepted(FO1, 1), W.allocated(FO1, ALL, 10));
}
function toPacked(o: OrderRun): void {
	toAllocated(o);
	o.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50));
}
function toManifested(o: OrderRun, jobAccepted = true): void {
	toPacked(o);
	o.apply(W.manifested(FO1, "shp_1", ALL, 90));
	if (jobAccepted) o.apply(M.jobAccepted(DJ1, "task_1", 91));
}
function toDispatched(o: OrderRun): void {
	toManifested(o);
	o.apply(M.dispatched(DJ1, "task_1", 300));
}
function toOutForDelivery(o: OrderRun): void {
	toDispatched(o);
	o.apply(M.out(DJ1, "task_1", 310));
}
function toDelivered(o: OrderRun): void {
	toOutForDelivery(o);
	o.apply(M.delivered(DJ1, "task_1", 340));
}
function toInvoiced(o: OrderRun): void {
	toDelivered(o);
	o.apply(E.invoicePosted(ALL, 139.97, 400));
}

const stateOf = (o: OrderRun, key: string) => o.saga.steps[key]?.state;
const column = (o: OrderRun, stage: "allocated" | "picked" | "shipped" | "delivered" | "invoiced" | "backordered" | "cancelled" | "returned") => o.saga.lines.map((l) => l[stage]);


describe("allocation short", () => {
	test("with re-allocation, the missing quantity goes to WH2 as a second fulfillment order for edi-3pl", () => {
		const o = new OrderRun();
		o.apply(W.accepted(FO1, 1));
		const short = W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10);
		const r = o.apply(short);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"], statusCmd(S.ALLOCATED)]);
		assert.deepEqual(dataOf(r, WMS_COMMANDS.CREATE_FULFILLMENT_ORDER), [{
			fulfillmentOrderId: FO2, orderId: ORDER_ID, warehouse: "WH2", partner: "edi-3pl", shipTo: SHIP_TO, serviceLevel: "standard", lines: [L(2, 2), L(3, 1)],
		}]);
		const summary = "WH1 could allocate only part of the order; line 2 (SKU-B) 2 units, line 3 (SKU-C) 1 unit split to WH2";
		assert.deepEqual(r.cases, [opened("allocation-short", short, { owner: "inventory-control", severity: "info", partner: "acme-3pl", summary })]);
		assert.deepEqual(r.timers, [caseTimer("allocation-short", short)]);
		assert.deepEqual(r.facts, []);
		assert.deepEqual(r.statusChange, { from: S.RELEASED, to: S.ALLOCATED });
		assert.deepEqual(o.saga.fulfillments[FO1]!.lines, [L(1, 2), L(2, 1)]);
		assert.equal(o.saga.fulfillments[FO2]!.state, "requested");
		assert.deepEqual(column(o, "allocated"), [2, 1, 0]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 0]);

		assert.equal(o.maybe(short), null, "the same allocation.short delivered twice changes nothing");
	});

	test("a split that both warehouses ship and deliver reconciles: one invoice for the sum, the case resolved at invoice", () => {
		const o = new OrderRun();
		o.apply(W.accepted(FO1, 1));
		const short = W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10);
		o.apply(short);
		o.all(W.accepted(FO2, 11), W.allocated(FO2, [L(2, 2), L(3, 1)], 20));
		o.all(W.picked(FO1, [L(1, 2), L(2, 1)], 30), W.picked(FO2, [L(2, 2), L(3, 1)], 35), W.packed(FO1, 50), W.packed(FO2, 55));
		const first = o.apply(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90));
		const second = o.apply(W.manifested(FO2, "shp_2", [L(2, 2), L(3, 1)], 95));
		assert.deepEqual(cmds(first), [
			[ERP_COMMANDS.CONFIRM_SHIPMENT, "shipment-confirmation:shp_1", undefined], [LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, `delivery:${DJ1}`, "onfleet"], statusCmd(S.MANIFESTED),
		]);
		assert.deepEqual(cmds(second), [[ERP_COMMANDS.CONFIRM_SHIPMENT, "shipment-confirmation:shp_2", undefined], [LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, `delivery:${DJ2}`, "onfleet"]]);
		o.all(M.jobAccepted(DJ1, "task_1", 96), M.jobAccepted(DJ2, "task_2", 97), M.dispatched(DJ1, "task_1", 300), M.dispatched(DJ2, "task_2", 305));
		o.all(M.out(DJ1, "task_1", 310), M.out(DJ2, "task_2", 315));
		assertNothingNew(o.apply(M.delivered(DJ1, "task_1", 340)), /waiting for the order's other shipments/);
		assert.equal(o.saga.status, S.OUT_FOR_DELIVERY);
		const delivered = o.apply(M.delivered(DJ2, "task_2", 350));
		assert.deepEqual(cmds(delivered), [[ERP_COMMANDS.POST_INVOICE, "invoice:1", undefined], statusCmd(S.DELIVERED)]);
		assert.deepEqual(dataOf(delivered, ERP_COMMANDS.POST_INVOICE), [{ kind: "invoice", orderId: ORDER_ID, currency: "EUR", lines: priced(ALL), total: 139.97, at: at(350) }]);
		const invoiced = o.apply(E.invoicePosted(ALL, 139.97, 400));
		assert.deepEqual(invoiced.cases, [{ action: "resolve", caseId: caseIdFor(ORDER_ID, "allocation-short", short.id), kind: "allocation-short", summary: "reconciled across warehouses" }]);
		assert.equal(o.saga.status, S.INVOICED);
		assert.equal(o.commands().filter((c) => c.type === ERP_COMMANDS.POST_INVOICE).length, 1);
		assert.deepEqual(o.commands().filter((c) => c.type === WMS_COMMANDS.CREATE_FULFILLMENT_ORDER).map((c) => [c.step, c.partner]), [[`fulfillment:${FO1}`, "acme-3pl"], [`fulfillment:${FO2}`, "edi-3pl"]]);
		assert.deepEqual(column(o, "allocated"), [2, 3, 1]);
		assert.deepEqual(column(o, "picked"), [2, 3, 1]);
		assert.deepEqual(column(o, "shipped"), [2, 3, 1]);
		assert.deepEqual(column(o, "delivered"), [2, 3, 1]);
		assert.deepEqual(column(o, "invoiced"), [2, 3, 1]);
		assert.ok(reconciled(o.saga));
	});

	test("a split whose second shipment is delivered first invoices once, when the last one is delivered", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10), W.accepted(FO2, 11));
		o.all(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90), W.manifested(FO2, "shp_2", [L(2, 2), L(3, 1)], 95));
		o.all(M.jobAccepted(DJ1, "task_1", 96), M.jobAccepted(DJ2, "task_2", 97));
		const early = M.delivered(DJ2, "task_2", 350);
		assertNothingNew(o.apply(early));
		assert.equal(o.maybe(early), null);
		const last = o.apply(M.delivered(DJ1, "task_1", 360));
		assert.deepEqual(cmds(last), [[ERP_COMMANDS.POST_INVOICE, "invoice:1", undefined], statusCmd(S.DELIVERED)]);
		assertNothingNew(o.apply(M.out(DJ1, "task_1", 310)), /late/);
		assert.equal(o.saga.status, S.DELIVERED);
	});

	test("without re-allocation, each short line is backordered and the ERP told per line; the order is short", () => {
		const o = new OrderRun(policies({ shortage: { action: "backorder", reallocate: false } }));
		o.apply(W.accepted(FO1, 1));
		const short = W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10);
		const r = o.apply(short);
		const summary = "line 2 (SKU-B) 2 units, line 3 (SKU-C) 1 unit could not be allocated at acme-3pl: backordered; the rest ships";
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, lines: [L(2, 2), L(3, 1)], policy: "backorder" },
			{ orderId: ORDER_ID, status: S.SHORT, at: at(10), detail: summary },
		]);
		assert.deepEqual(r.cases, [opened("allocation-short", short, { owner: "inventory-control", severity: "warning", partner: "acme-3pl", summary })]);
		assert.equal(o.saga.status, S.SHORT);
		assert.deepEqual(column(o, "backordered"), [0, 2, 1]);
		assert.deepEqual(Object.keys(o.saga.fulfillments), [FO1], "no second warehouse asked");
		assert.equal(o.maybe(short), null);

		o.all(W.picked(FO1, [L(1, 2), L(2, 1)], 30), W.packed(FO1, 50), W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90), M.jobAccepted(DJ1, "task_1", 91));
		const delivered = o.apply(M.delivered(DJ1, "task_1", 340));
		assert.deepEqual(dataOf(delivered, ERP_COMMANDS.POST_INVOICE), [{ kind: "invoice", orderId: ORDER_ID, currency: "EUR", lines: priced([L(1, 2), L(2, 1)]), total: 29.99, at: at(340) }]);
		o.apply(E.invoicePosted([L(1, 2), L(2, 1)], 29.99, 400));
		assert.equal(o.saga.status, S.INVOICED);
		assert.ok(reconciled(o.saga));
	});
});

describe("short pick", () => {
	test("backorder policy: the ERP is told per line, only what shipped is invoiced, the case resolves at invoice", () => {
		const o = new OrderRun();
		toAllocated(o);
		const pick = W.picked(FO1, ALL, 30, { 2: 1, 3: 0 });
		const r = o.apply(pick);
		const summary = "line 2 (SKU-B) 2 units, line 3 (SKU-C) 1 unit short picked at acme-3pl: backordered; the rest ships";
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, lines: [L(2, 2), L(3, 1)], policy: "backorder" });
		assert.deepEqual(r.cases, [opened("short-pick", pick, { owner: "inventory-control", severity: "warning", partner: "acme-3pl", summary })]);
		assert.deepEqual(r.timers, [caseTimer("short-pick", pick)]);
		assert.deepEqual(r.statusChange, { from: S.ALLOCATED, to: S.SHORT });
		assert.deepEqual(column(o, "picked"), [2, 1, 0]);
		assert.deepEqual(column(o, "backordered"), [0, 2, 1]);
		assert.equal(o.maybe(pick), null, "the same pick confirmation delivered twice changes nothing");

		assert.deepEqual(cmds(o.apply(W.packed(FO1, 50))), [statusCmd(S.PACKED)], "a short order goes on along the chain");
		o.all(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 1)], 90), M.jobAccepted(DJ1, "task_1", 91), M.out(DJ1, "task_1", 310));
		const delivered = o.apply(M.delivered(DJ1, "task_1", 340));
		assert.deepEqual(dataOf(delivered, ERP_COMMANDS.POST_INVOICE), [{ kind: "invoice", orderId: ORDER_ID, currency: "EUR", lines: priced([L(1, 2), L(2, 1)]), total: 29.99, at: at(340) }]);
		const invoiced = o.apply(E.invoicePosted([L(1, 2), L(2, 1)], 29.99, 400));
		assert.deepEqual(invoiced.cases, [{
			action: "resolve", caseId: caseIdFor(ORDER_ID, "short-pick", pick.id), kind: "short-pick", summary: "reconciled: what shipped was invoiced, the rest was backordered or cancelled",
		}]);
		assert.equal(o.saga.status, S.INVOICED);
		assert.deepEqual(o.saga.cases.map((c) => [c.kind, c.resolvedAt]), [["short-pick", at(400)]]);
		assert.ok(reconciled(o.saga));
	});

	test("cancel policy: the short quantities are cancelled at the ERP, per line", () => {
		const o = new OrderRun(policies({ shortage: { action: "cancel", reallocate: true } }));
		toAllocated(o);
		const r = o.apply(W.picked(FO1, ALL, 30, { 2: 1 }));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, lines: [L(2, 2)], policy: "cancel" },
			{ orderId: ORDER_ID, status: S.SHORT, at: at(30), detail: "line 2 (SKU-B) 2 units short picked at acme-3pl: cancelled; the rest ships" },
		]);
		assert.deepEqual(column(o, "cancelled"), [0, 2, 0]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 0]);
	});

	test("nothing picked at all under the cancel policy: nothing is left to ship and the order is cancelled", () => {
		const o = new OrderRun(policies({ shortage: { action: "cancel", reallocate: true } }));
		toAllocated(o);
		const r = o.apply(W.picked(FO1, ALL, 30, { 1: 0, 2: 0, 3: 0 }));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.CANCELLED)]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, lines: ALL, policy: "cancel" });
		assert.equal(o.saga.fulfillments[FO1]!.state, "cancelled");
	});

	test("a short pick reported after the pack still tells the ERP per line, without moving the status back", () => {
		const o = new OrderRun();
		toAllocated(o);
		o.apply(W.packed(FO1, 50));
		const r = o.apply(W.picked(FO1, ALL, 30, { 3: 0 }));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined]]);
		assert.equal(r.statusChange, undefined);
		assert.equal(o.saga.status, S.PACKED);
		assert.deepEqual(column(o, "backordered"), [0, 0, 1]);
	});
});

describe("inventory discrepancy", () => {
	test("a broken reservation cancels the fulfillment order at WH1 with the reason, then re-allocates to WH2 once the WMS confirms", () => {
		const o = new OrderRun();
		toAllocated(o);
		const broken = reallocation("WH1", "SKU-B", "cycle count (-3)", 20);
		const r = o.apply(broken);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, fulfillmentOrderId: FO1, warehouse: "WH1", partnerRef: "wo_1", reason: "re-allocated to WH2: SKU-B at WH1: cycle count (-3)" });
		assert.deepEqual(r.cases, [opened("inventory-discrepancy", broken, { owner: "inventory-control", severity: "info", partner: undefined, summary: "reservation broken (SKU-B at WH1: cycle count (-3)); re-allocating to WH2" })]);
		assert.equal(r.statusChange, undefined);
		assert.equal(o.saga.fulfillments[FO1]!.state, "cancelling");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "compensating");
		assert.equal(o.maybe(broken), null);

		const cancelled = W.cancelled(FO1, 25);
		const moved = o.apply(cancelled);
		assert.deepEqual(cmds(moved), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"]]);
		assert.deepEqual(moved.commands[0]!.data, { fulfillmentOrderId: FO2, orderId: ORDER_ID, warehouse: "WH2", partner: "edi-3pl", shipTo: SHIP_TO, serviceLevel: "standard", lines: ALL });
		assert.deepEqual(moved.cases, [{ action: "resolve", caseId: caseIdFor(ORDER_ID, "inventory-discrepancy", broken.id), kind: "inventory-discrepancy", summary: "re-allocated to WH2" }]);
		assert.equal(o.saga.fulfillments[FO1]!.state, "cancelled");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "compensated");
		assert.equal(o.saga.status, S.ALLOCATED);

		assert.equal(o.maybe(cancelled), null, "wms.fulfillment.cancelled redelivered");
		assertNothingNew(o.apply(W.cancelled(FO1, 26, "wms:cancelled:again")), /already cancelled/);
		assertNothingNew(o.apply(reallocation("WH1", "SKU-B", "cycle count (-1)", 27)), /no open fulfillment order at WH1/);
		assert.equal(o.commands().filter((c) => c.type === WMS_COMMANDS.CREATE_FULFILLMENT_ORDER).length, 2);
	});

	test("a reservation broken before the WMS accepted the order is re-allocated once it does", () => {
		const o = new OrderRun();
		const waiting = o.apply(reallocation("WH1", "SKU-B", "cycle count (-3)", 5));
		assert.deepEqual(cmds(waiting), []);
		assert.equal(waiting.cases.length, 1);
		const accepted = o.apply(W.accepted(FO1, 6));
		assert.deepEqual(cmds(accepted), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.equal((accepted.commands[0]!.data as { partnerRef?: string }).partnerRef, "wo_1");
		assert.deepEqual(cmds(o.apply(W.cancelled(FO1, 8))), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:${FO2}`, "edi-3pl"]]);
	});

	test("with no other warehouse in the routing rule, only an exception case is opened", () => {
		const o = new OrderRun(policies({ warehouses: ["WH1"] }));
		toAllocated(o);
		const broken = reallocation("WH1", "SKU-B", "cycle count (-3)", 20);
		const r = o.apply(broken);
		assert.deepEqual(cmds(r), []);
		assert.deepEqual(r.cases, [opened("inventory-discrepancy", broken, { owner: "inventory-control", severity: "warning", partner: undefined, summary: "reservation broken (SKU-B at WH1: cycle count (-3)); no other warehouse to take it" })]);
		assert.deepEqual(r.timers, [caseTimer("inventory-discrepancy", broken)]);
		assert.equal(o.saga.fulfillments[FO1]!.state, "accepted");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "done");
		assertNothingNew(o.apply(reallocation("WH1", "SKU-B", "cycle count (-4)", 21)));
	});

	test("when the other warehouse already ships part of the order, it gets a second fulfillment order for the re-allocated lines", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 3: 0 }, 10), W.accepted(FO2, 11));
		const r = o.apply(reallocation("WH1", "SKU-A", "damaged in the rack", 20));
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.cases.map((c) => [c.action, c.kind, c.severity]), [["open", "inventory-discrepancy", "info"]]);
		const moved = o.apply(W.cancelled(FO1, 30));
		assert.deepEqual(cmds(moved), [[WMS_COMMANDS.CREATE_FULFILLMENT_ORDER, `fulfillment:FO-${ORDER_ID}-WH2-2`, "edi-3pl"]]);
		assert.deepEqual((moved.commands[0]!.data as { lines: unknown[] }).lines, o.saga.fulfillments[FO1]!.lines);
	});
});

describe("failed delivery", () => {
	const RTW = `RTW-${DJ1}`;

	test("a first failed attempt: status delivery_failed, a CS case and alert, invoicing paused, a re-attempt scheduled", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const failed = M.failed(DJ1, "task_1", "no one home", 330);
		const r = o.apply(failed);
		assert.deepEqual(cmds(r), [
			[ERP_COMMANDS.RAISE_CS_CASE, `cs-case:${DJ1}:1`, undefined],
			[ERP_COMMANDS.PAUSE_INVOICING, "invoicing-paused:1", undefined],
			[LASTMILE_COMMANDS.SCHEDULE_REATTEMPT, `reattempt:${DJ1}:2`, "onfleet"],
			statusCmd(S.DELIVERY_FAILED),
		]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, kind: "delivery-failed", reason: "attempt 1: no one home" },
			{ orderId: ORDER_ID, reason: "delivery failed" },
			{ orderId: ORDER_ID, deliveryJobId: DJ1, partnerRef: "task_1", window: salesOrder(ORDER_ID).requestedWindow, attempt: 2 },
			{ orderId: ORDER_ID, status: S.DELIVERY_FAILED, at: at(330), detail: "attempt 1 failed: no one home" },
		]);
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.CS_CASE_ALERTED, key: `cs-alert:${DJ1}:1`, data: { orderId: ORDER_ID, reason: "attempt 1: no one home" } }]);
		assert.deepEqual(r.cases, [opened("delivery-failed", failed, { owner: "customer-service", severity: "warning", partner: "onfleet", summary: "delivery attempt 1 failed: no one home" })]);
		assert.deepEqual(r.timers, [caseTimer("delivery-failed", failed)]);
		assert.deepEqual(r.statusChange, { from: S.OUT_FOR_DELIVERY, to: S.DELIVERY_FAILED });
		assert.equal(o.saga.invoicingPaused, true);
		assert.equal(o.saga.steps["invoicing-paused:1"]!.at, at(330));
		assert.deepEqual(o.saga.deliveries[DJ1]!.failures, [{ at: at(330), reason: "no one home" }]);
		assert.equal(o.saga.deliveries[DJ1]!.attempt, 2);
	});

	test("the same attempt.failed twice: redelivered or sent again, before or after the re-attempt is accepted, it changes nothing", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const failed = M.failed(DJ1, "task_1", "no one home", 330);
		o.apply(failed);
		assert.equal(o.maybe(failed), null);
		assertNothingNew(o.apply(M.failed(DJ1, "task_1", "no one home", 330, "onfleet:taskFailed:again")));
		assert.equal(o.saga.status, S.DELIVERY_FAILED);
		assert.deepEqual(o.saga.returns, {}, "no return for a failure reported twice");
		o.apply(M.jobAccepted(DJ1, "task_2", 600));
		assertNothingNew(o.apply(M.failed(DJ1, "task_1", "no one home", 331, "onfleet:taskFailed:third")));
		assert.equal(o.saga.status, S.REATTEMPT);
		assert.deepEqual(o.saga.deliveries[DJ1]!.failures, [{ at: at(330), reason: "no one home" }]);
	});

	test("a re-attempt, then a second failure: the parcel comes back to the warehouse, is credited, and the order is returned", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.apply(M.failed(DJ1, "task_1", "no one home", 330));
		const accepted = o.apply(M.jobAccepted(DJ1, "task_2", 600));
		assert.deepEqual(cmds(accepted), [statusCmd(S.REATTEMPT)]);
		assert.deepEqual(accepted.commands[0]!.data, { orderId: ORDER_ID, status: S.REATTEMPT, at: at(600), detail: "re-attempt 2 scheduled" });
		assert.equal(o.saga.steps[`delivery:${DJ1}`]!.compensation?.data && (o.saga.steps[`delivery:${DJ1}`]!.compensation!.data as { partnerRef: string }).partnerRef, "task_2");
		assert.deepEqual(cmds(o.apply(M.dispatched(DJ1, "task_2", 1500))), [statusCmd(S.DISPATCHED, 2)]);
		assert.deepEqual(cmds(o.apply(M.out(DJ1, "task_2", 1510))), [statusCmd(S.OUT_FOR_DELIVERY, 2)]);

		const second = o.apply(M.failed(DJ1, "task_2", "refused", 1530));
		assert.deepEqual(cmds(second), [
			[ERP_COMMANDS.RAISE_CS_CASE, `cs-case:${DJ1}:2`, undefined],
			[WMS_COMMANDS.EXPECT_RETURN, `return-expected:${RTW}`, "acme-3pl"],
			[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, `return-pickup:${RTW}`, "onfleet"],
			statusCmd(S.DELIVERY_FAILED, 2),
		]);
		const returnOrder = { rma: RTW, orderId: ORDER_ID, reason: "undeliverable: 2 attempts failed", pickupFrom: SHIP_TO, warehouse: "WH1", lines: ALL };
		assert.deepEqual(dataOf(second, WMS_COMMANDS.EXPECT_RETURN), [returnOrder]);
		assert.deepEqual(dataOf(second, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP), [returnOrder]);
		assert.deepEqual(second.facts, [{ type: WAYBILL_FACTS.CS_CASE_ALERTED, key: `cs-alert:${DJ1}:2`, data: { orderId: ORDER_ID, reason: "attempt 2: refused" } }]);
		assert.deepEqual(second.cases, [], "the delivery-failed case is still open");
		assert.equal(o.saga.deliveries[DJ1]!.state, "returning");
		assertNothingNew(o.apply(M.failed(DJ1, "task_2", "refused", 1530, "onfleet:taskFailed:2:again")));

		const pickup = o.apply(M.pickupAccepted(RTW, "task_r1", 1600));
		assert.deepEqual(cmds(pickup), [statusCmd(S.RETURNING)]);
		assert.deepEqual(pickup.commands[0]!.data, { orderId: ORDER_ID, status: S.RETURNING, at: at(1600), detail: `return ${RTW}: undeliverable: 2 attempts failed` });

		const received = o.apply(W.returnReceived(RTW, ALL, 2000));
		assert.deepEqual(cmds(received), [[ERP_COMMANDS.POST_CREDIT_NOTE, `credit:${RTW}`, undefined]]);
		assert.deepEqual(received.commands[0]!.data, { kind: "credit-note", orderId: ORDER_ID, currency: "EUR", lines: priced(ALL), total: 139.97, at: at(2000), rma: RTW });
		assert.deepEqual(received.cases.map((c) => [c.action, c.kind]), [["resolve", "delivery-failed"]]);
		assert.deepEqual(column(o, "returned"), [2, 3, 1]);

		const credited = o.apply(E.creditPosted(RTW, ALL, 139.97, 2100));
		assert.deepEqual(cmds(credited), [statusCmd(S.RETURNED)]);
		assert.equal(o.saga.status, S.RETURNED);
		assert.equal(o.saga.returns[RTW]!.state, "credited");
		assert.equal(o.commands().filter((c) => c.type === ERP_COMMANDS.POST_INVOICE).length, 0, "an undelivered order is never invoiced");
	});

	test("a delivery after a failure lifts the invoicing hold before the invoice is posted", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.apply(M.failed(DJ1, "task_1", "no one home", 330));
		o.all(M.jobAccepted(DJ1, "task_2", 600), M.out(DJ1, "task_2", 1510));
		const delivered = o.apply(M.delivered(DJ1, "task_2", 1540));
		assert.deepEqual(cmds(delivered), [[ERP_COMMANDS.RESUME_INVOICING, "invoicing-resumed", undefined], [ERP_COMMANDS.POST_INVOICE, "invoice:1", undefined], statusCmd(S.DELIVERED)]);
		assert.deepEqual(delivered.commands[0]!.data, { orderId: ORDER_ID, reason: "delivered after all" });
		assert.deepEqual(delivered.cases.map((c) => [c.action, c.kind, c.summary]), [["resolve", "delivery-failed", "delivered on attempt 2"]]);
		assert.equal(o.saga.invoicingPaused, false);
		assertNothingNew(o.apply(M.failed(DJ1, "task_2", "no one home", 1545)), /already recorded/);
		assert.equal(o.saga.status, S.DELIVERED);
	});

	test("delivered before out-for-delivery on the re-attempt: the late out-for-delivery cannot move the order back", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.all(M.failed(DJ1, "task_1", "no one home", 330), M.jobAccepted(DJ1, "task_2", 600));
		o.apply(M.delivered(DJ1, "task_2", 1540));
		assertNothingNew(o.apply(M.out(DJ1, "task_2", 1510)), /late/);
		assert.equal(o.saga.status, S.DELIVERED);
	});

	test("the re-attempt window closed: the next failure goes straight to a return, even with attempts left", () => {
		const o = new OrderRun(policies({ maxAttempts: 3 }));
		toOutForDelivery(o);
		o.all(M.failed(DJ1, "task_1", "no one home", 330), M.jobAccepted(DJ1, "task_2", 600), M.out(DJ1, "task_2", 4300));
		const late = o.apply(M.failed(DJ1, "task_2", "no one home", 330 + 3 * 24 * 60));
		assert.deepEqual(cmds(late), [
			[ERP_COMMANDS.RAISE_CS_CASE, `cs-case:${DJ1}:2`, undefined],
			[WMS_COMMANDS.EXPECT_RETURN, `return-expected:${RTW}`, "acme-3pl"],
			[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, `return-pickup:${RTW}`, "onfleet"],
			statusCmd(S.DELIVERY_FAILED, 2),
		]);
		assert.equal((late.commands[1]!.data as { reason: string }).reason, "undeliverable: the re-attempt window closed");
	});

	test("the return goes to the WMS of the warehouse that shipped the parcel", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 3, 3: 0 }, 10), W.accepted(FO2, 11));
		o.all(W.manifested(FO2, "shp_2", [L(3, 1)], 95), M.jobAccepted(DJ2, "task_2", 97), M.out(DJ2, "task_2", 310));
		o.apply(M.failed(DJ2, "task_2", "address not found", 330));
		o.all(M.jobAccepted(DJ2, "task_3", 600), M.out(DJ2, "task_3", 1510));
		const r = o.apply(M.failed(DJ2, "task_3", "address not found", 1530));
		assert.deepEqual(r.commands.filter((c) => c.type === WMS_COMMANDS.EXPECT_RETURN).map((c) => [c.partner, (c.data as { warehouse: string }).warehouse]), [["edi-3pl", "WH2"]]);
	});
});

describe("cancellation", () => {
	const REASON = "customer changed their mind";

	test("before dispatch: the delivery job is cancelled first, the fulfillment order only once the job's cancellation is confirmed", () => {
		const o = new OrderRun();
		toManifested(o);
		const cancel = E.cancelled(REASON, 120);
		const r = o.apply(cancel);
		assert.deepEqual(cmds(r), [[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, `undo:delivery:${DJ1}`, "onfleet"], statusCmd(S.CANCELLED)]);
		assert.deepEqual(r.commands.map((c) => c.data), [
			{ orderId: ORDER_ID, deliveryJobId: DJ1, partnerRef: "task_1", reason: `order cancelled: ${REASON}` },
			{ orderId: ORDER_ID, status: S.CANCELLED, at: at(120), detail: REASON },
		]);
		assert.deepEqual(o.saga.compensation, { reason: REASON, startedAt: at(120) });
		assert.equal(stateOf(o, `delivery:${DJ1}`), "compensating");
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "done");
		assert.equal(o.maybe(cancel), null);
		assertNothingNew(o.apply(E.cancelled(REASON, 121, "erp:cancelled:again")), /already cancelled/);

		const jobCancelled = M.jobCancelled(DJ1, "task_1", 125);
		assert.deepEqual(cmds(o.apply(jobCancelled)), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.equal(stateOf(o, `delivery:${DJ1}`), "compensated");
		assert.equal(o.maybe(jobCancelled), null);
		assertNothingNew(o.apply(M.jobCancelled(DJ1, "task_1", 126, "onfleet:cancelled:again")));

		const foCancelled = W.cancelled(FO1, 130);
		assertNothingNew(o.apply(foCancelled));
		assertNothingNew(o.apply(W.cancelled(FO1, 131, "wms:cancelled:again")), /already cancelled/);
		assert.equal(o.maybe(foCancelled), null);
		assert.deepEqual(Object.entries(o.saga.steps).map(([k, s]) => [k, s.state]), [
			[`fulfillment:${FO1}`, "compensated"], ["shipment-confirmation:shp_1", "requested"], [`delivery:${DJ1}`, "compensated"],
		]);
		assert.equal(o.saga.status, S.CANCELLED);
		assert.deepEqual(o.commands().filter((c) => c.step.startsWith("undo:")).map((c) => c.step), [`undo:delivery:${DJ1}`, `undo:fulfillment:${FO1}`]);
	});

	test("a step still waiting for its partner's answer is compensated once it is done", () => {
		const o = new OrderRun();
		toManifested(o, false);
		assert.deepEqual(cmds(o.apply(E.cancelled(REASON, 120))), [statusCmd(S.CANCELLED)], "nothing to cancel yet: the job has no reference");
		const accepted = o.apply(M.jobAccepted(DJ1, "task_1", 121));
		assert.deepEqual(cmds(accepted), [[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, `undo:delivery:${DJ1}`, "onfleet"]]);
		assert.equal((accepted.commands[0]!.data as { partnerRef: string }).partnerRef, "task_1");
		assert.deepEqual(cmds(o.apply(M.jobCancelled(DJ1, "task_1", 125))), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
	});

	test("cancelled before the WMS accepted: the fulfillment order is cancelled with its reference when it does; every line is cancelled", () => {
		const o = new OrderRun();
		assert.deepEqual(cmds(o.apply(E.cancelled(REASON, 0.5))), [statusCmd(S.CANCELLED)]);
		assert.deepEqual(column(o, "cancelled"), [2, 3, 1]);
		const accepted = o.apply(W.accepted(FO1, 1));
		assert.deepEqual(cmds(accepted), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.equal((accepted.commands[0]!.data as { partnerRef: string }).partnerRef, "wo_1");
		assertNothingNew(o.apply(W.allocated(FO1, ALL, 2)));
		assert.equal(o.saga.status, S.CANCELLED, "late warehouse progress cannot revive a cancelled order");
	});

	test("a dead-lettered compensation opens a compensation-failed case and the unwinding goes on", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 1, 3: 0 }, 10), W.accepted(FO2, 11));
		const cancel = o.apply(E.cancelled(REASON, 20));
		assert.deepEqual(cmds(cancel), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO2}`, "edi-3pl"], statusCmd(S.CANCELLED)]);

		const letter = deadLetter(cancel.commands[0]!, "order already released to the floor", 30);
		const data = letter.data as { channel: string; message: Envelope };
		assert.equal(data.channel, "commands-wms");
		assert.equal(data.message.idempotencykey, `${ORDER_ID}:undo:fulfillment:${FO2}:1`);
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		const summary = `compensation failed: could not undo fulfillment:${FO2}: edi-3pl refused wms.fulfillment-order.cancel: order already released to the floor`;
		assert.deepEqual(r.cases, [opened("compensation-failed", letter, { owner: "integration-ops", severity: "critical", summary })]);
		assert.deepEqual(r.timers, [caseTimer("compensation-failed", letter)]);
		assert.equal(stateOf(o, `fulfillment:${FO2}`), "compensation-failed");
		assert.equal(o.saga.steps[`fulfillment:${FO2}`]!.error, "edi-3pl refused wms.fulfillment-order.cancel: order already released to the floor");
		assert.equal(o.maybe(letter), null);
		assertNothingNew(o.apply(deadLetter(cancel.commands[0]!, "order already released to the floor", 31, "dlq:again")));

		assertNothingNew(o.apply(W.cancelled(FO1, 40)));
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "compensated");
	});

	test("a dead-lettered delivery job cancellation is escalated and the fulfillment order is still cancelled", () => {
		const o = new OrderRun();
		toManifested(o);
		const cancel = o.apply(E.cancelled(REASON, 120));
		const letter = deadLetter(cancel.commands[0]!, "task already started", 121);
		assert.equal((letter.data as { channel: string }).channel, "commands-lastmile");
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.CANCEL_FULFILLMENT_ORDER, `undo:fulfillment:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.cases.map((c) => [c.action, c.kind, c.severity]), [["open", "compensation-failed", "critical"]]);
	});

	test("after dispatch: the delivery is intercepted (job cancelled, parcel returned), nothing is unwound", () => {
		const o = new OrderRun();
		toDispatched(o);
		const cancel = E.cancelled(REASON, 305);
		const r = o.apply(cancel);
		const INT = `INT-${DJ1}`;
		assert.deepEqual(cmds(r), [
			[LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, `undo:delivery:${DJ1}`, "onfleet"],
			[WMS_COMMANDS.EXPECT_RETURN, `return-expected:${INT}`, "acme-3pl"],
			[LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, `return-pickup:${INT}`, "onfleet"],
			[ERP_COMMANDS.RAISE_CS_CASE, "cs-case:intercept", undefined],
		]);
		assert.deepEqual(dataOf(r, WMS_COMMANDS.EXPECT_RETURN), [{ rma: INT, orderId: ORDER_ID, reason: `intercepted: ${REASON}`, pickupFrom: SHIP_TO, warehouse: "WH1", lines: ALL }]);
		assert.deepEqual(dataOf(r, ERP_COMMANDS.RAISE_CS_CASE), [{ orderId: ORDER_ID, kind: "intercept", reason: `cancelled after dispatch: ${REASON}` }]);
		assert.equal(r.statusChange, undefined);
		assert.equal(o.saga.status, S.DISPATCHED);
		assert.equal(o.saga.compensation, undefined);
		assert.equal(o.maybe(cancel), null);
		assertNothingNew(o.apply(E.cancelled(REASON, 306, "erp:cancelled:again")));

		assertNothingNew(o.apply(M.jobCancelled(DJ1, "task_1", 307)));
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "done", "the warehouse's step is not undone: the goods come back as a return");
		assert.deepEqual(cmds(o.apply(M.pickupAccepted(INT, "task_r1", 400))), [statusCmd(S.RETURNING)]);
		assert.deepEqual(cmds(o.apply(W.returnReceived(INT, ALL, 500))), [[ERP_COMMANDS.POST_CREDIT_NOTE, `credit:${INT}`, undefined]]);
	});

	test("a failed attempt reported for an intercepted delivery schedules no re-attempt and starts no second return", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.apply(E.cancelled(REASON, 315));
		assertNothingNew(o.apply(M.failed(DJ1, "task_1", "cancelled by dispatcher", 320)), /already recorded/);
		assert.deepEqual(Object.keys(o.saga.returns), [`INT-${DJ1}`]);
		assert.equal(o.saga.status, S.OUT_FOR_DELIVERY);
	});

	test("while a re-attempt is scheduled: the delivery is intercepted, not refused", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		o.all(M.failed(DJ1, "task_1", "no one home", 330), M.jobAccepted(DJ1, "task_2", 600));
		const r = o.apply(E.cancelled(REASON, 700));
		assert.deepEqual(cmds(r)!.map(([type]) => type), [LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, WMS_COMMANDS.EXPECT_RETURN, LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, ERP_COMMANDS.RAISE_CS_CASE]);
		assert.equal((r.commands[0]!.data as { partnerRef: string }).partnerRef, "task_2");
	});

	test("after delivery: the cancellation is refused to the ERP, with the reason", () => {
		const o = new OrderRun();
		toDelivered(o);
		const r = o.apply(E.cancelled(REASON, 350));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-cancellation", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "cancellation", fields: ["status"], reason: "order is delivered: it can no longer be cancelled; authorise a return instead" });
		assert.equal(o.saga.status, S.DELIVERED);
		assert.equal(o.saga.compensation, undefined);
	});
});

describe("returns", () => {
	test("an RMA after invoicing: pickup and expected receipt, then receipt, credit note and the order returned", () => {
		const o = new OrderRun();
		toInvoiced(o);
		const rma = E.rma("RMA-1", [L(1, 1)], 500);
		const r = o.apply(rma);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.EXPECT_RETURN, "return-expected:RMA-1", "acme-3pl"], [LASTMILE_COMMANDS.CREATE_RETURN_PICKUP, "return-pickup:RMA-1", "onfleet"]]);
		const returnOrder = { rma: "RMA-1", orderId: ORDER_ID, reason: "damaged in transit", pickupFrom: SHIP_TO, warehouse: "WH1", lines: [L(1, 1)] };
		assert.deepEqual(r.commands.map((c) => c.data), [returnOrder, returnOrder]);
		assert.equal(o.maybe(rma), null);
		assertNothingNew(o.apply(E.rma("RMA-1", [L(1, 1)], 501, "erp:rma:again")), /already under way/);

		assert.deepEqual(cmds(o.apply(M.pickupAccepted("RMA-1", "task_r1", 600))), [statusCmd(S.RETURNING)]);
		const received = W.returnReceived("RMA-1", [L(1, 1)], 900);
		const credit = o.apply(received);
		assert.deepEqual(cmds(credit), [[ERP_COMMANDS.POST_CREDIT_NOTE, "credit:RMA-1", undefined]]);
		assert.deepEqual(credit.commands[0]!.data, { kind: "credit-note", orderId: ORDER_ID, currency: "EUR", lines: priced([L(1, 1)]), total: 12.5, at: at(900), rma: "RMA-1" });
		assert.equal(o.maybe(received), null);
		assertNothingNew(o.apply(W.returnReceived("RMA-1", [L(1, 1)], 901, "wms:received:again")), /already received/);
		assert.deepEqual(column(o, "returned"), [1, 0, 0]);

		const posted = E.creditPosted("RMA-1", [L(1, 1)], 12.5, 1000);
		assert.deepEqual(cmds(o.apply(posted)), [statusCmd(S.RETURNED)]);
		assertNothingNew(o.apply(E.creditPosted("RMA-1", [L(1, 1)], 12.5, 1001, "erp:credit:again")), /already recorded/);
		assert.equal(o.saga.status, S.RETURNED);
		assert.deepEqual(o.saga.credits, [{ documentId: "CN-RMA-1", rma: "RMA-1", total: 12.5, postedAt: at(1000) }]);
		assert.equal(o.saga.returns["RMA-1"]!.state, "credited");
	});

	test("the receipt before the pickup's acceptance: the order still ends returned, and the late acceptance cannot move it back", () => {
		const o = new OrderRun();
		toInvoiced(o);
		o.apply(E.rma("RMA-1", [L(1, 1)], 500));
		o.apply(W.returnReceived("RMA-1", [L(1, 1)], 900));
		o.apply(E.creditPosted("RMA-1", [L(1, 1)], 12.5, 1000));
		assert.equal(o.saga.status, S.RETURNED);
		assertNothingNew(o.apply(M.pickupAccepted("RMA-1", "task_r1", 600)));
		assert.equal(o.saga.status, S.RETURNED);
	});

	test("an RMA before delivery is refused to the ERP", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const r = o.apply(E.rma("RMA-1", [L(1, 1)], 320));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-return:RMA-1", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "RMA-1", fields: ["return"], reason: "order is out_for_delivery, not delivered: cancel it instead of returning it" });
		assert.deepEqual(o.saga.returns, {});
	});
});

describe("order changes", () => {
	test("an address change before packing reaches the WMS, and the delivery job later created carries it", () => {
		const o = new OrderRun();
		toAllocated(o);
		const change = E.updated("CHG-1", { shipTo: NEW_ADDRESS }, 20);
		const r = o.apply(change);
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, `change:CHG-1:${FO1}`, "acme-3pl"]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, fulfillmentOrderId: FO1, warehouse: "WH1", partnerRef: "wo_1", changeId: "CHG-1", shipTo: NEW_ADDRESS });
		assert.deepEqual(o.saga.order.shipTo, NEW_ADDRESS);
		assert.deepEqual(o.saga.changes["CHG-1"]!.waitingFor, [`change:CHG-1:${FO1}`]);
		assert.equal(o.maybe(change), null);
		assertNothingNew(o.apply(E.updated("CHG-1", { shipTo: NEW_ADDRESS }, 21, "erp:updated:again")), /already handled/);

		assertNothingNew(o.apply(W.updated(FO1, "CHG-1", 25)));
		assert.deepEqual(o.saga.changes["CHG-1"]!.waitingFor, []);
		o.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50));
		const manifested = o.apply(W.manifested(FO1, "shp_1", ALL, 90));
		const job = dataOf(manifested, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB)[0] as { stops: { address: Address }[] };
		assert.deepEqual(job.stops[0]!.address, NEW_ADDRESS);
	});

	test("an address and window change after the job was created, before dispatch, reaches the delivery job", () => {
		const o = new OrderRun();
		toManifested(o);
		const window = { from: at(48 * 60), to: at(48 * 60 + 120) };
		const r = o.apply(E.updated("CHG-2", { shipTo: NEW_ADDRESS, requestedWindow: window }, 100));
		assert.deepEqual(cmds(r), [[LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, `change:CHG-2:${DJ1}`, "onfleet"]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, deliveryJobId: DJ1, partnerRef: "task_1", changeId: "CHG-2", address: NEW_ADDRESS, window });
		assertNothingNew(o.apply(M.jobUpdated(DJ1, "task_1", "CHG-2", 105)));
		assert.deepEqual(o.saga.changes["CHG-2"]!.waitingFor, [], "the platform's answer clears the wait");
	});

	test("an address change on a split order reaches both the warehouse still picking and the delivery job of the shipped part", () => {
		const o = new OrderRun();
		o.all(W.accepted(FO1, 1), W.allocationShort(FO1, ALL, { 1: 2, 2: 3, 3: 0 }, 10), W.accepted(FO2, 11));
		o.all(W.manifested(FO1, "shp_1", [L(1, 2), L(2, 3)], 90), M.jobAccepted(DJ1, "task_1", 91));
		const r = o.apply(E.updated("CHG-3", { shipTo: NEW_ADDRESS }, 100));
		assert.deepEqual(cmds(r), [[WMS_COMMANDS.UPDATE_FULFILLMENT_ORDER, `change:CHG-3:${FO2}`, "edi-3pl"], [LASTMILE_COMMANDS.UPDATE_DELIVERY_JOB, `change:CHG-3:${DJ1}`, "onfleet"]]);
	});

	test("a lines change after packing is refused to the ERP, with the reason", () => {
		const o = new OrderRun();
		toPacked(o);
		const lines = [{ lineNo: 1, sku: "SKU-A", qty: 1, unitPrice: 12.5 }];
		const r = o.apply(E.updated("CHG-4", { lines }, 60));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-change:CHG-4", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "CHG-4", fields: ["lines"], reason: "lines cannot change: already packed" });
		assert.deepEqual(o.saga.order.lines, salesOrder(ORDER_ID).lines);
		assert.deepEqual(o.saga.changes, {});
	});

	test("an address change when out for delivery is refused to the ERP", () => {
		const o = new OrderRun();
		toOutForDelivery(o);
		const r = o.apply(E.updated("CHG-5", { shipTo: NEW_ADDRESS }, 320));
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-change:CHG-5", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "CHG-5", fields: ["shipTo"], reason: "address and window cannot change: already out for delivery" });
		assert.deepEqual(o.saga.order.shipTo, SHIP_TO);
	});

	test("a partner's refusal (its update dead-lettered) is refused to the ERP and the address restored", () => {
		const o = new OrderRun();
		toAllocated(o);
		const change = o.apply(E.updated("CHG-6", { shipTo: NEW_ADDRESS }, 20));
		const letter = deadLetter(change.commands[0]!, "address outside the delivery area", 22);
		assert.equal((letter.data as { message: Envelope }).message.idempotencykey, `${ORDER_ID}:change:CHG-6:${FO1}:1`);
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.REFUSE_ORDER_CHANGE, "refuse-change:CHG-6", undefined]]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, changeId: "CHG-6", fields: ["shipTo"], reason: "acme-3pl refused wms.fulfillment-order.update: address outside the delivery area" });
		assert.deepEqual(o.saga.order.shipTo, SHIP_TO);
		assert.equal(o.maybe(letter), null);
		assertNothingNew(o.apply(deadLetter(change.commands[0]!, "address outside the delivery area", 23, "dlq:again")), /late refusal/);
	});
});

describe("warehouse exceptions", () => {
	test("damaged stock is a shortfall: backordered per line, status short, a warehouse case and a short-pick case", () => {
		const o = new OrderRun();
		toAllocated(o);
		const damaged = W.exception("damaged-stock", "pallet dropped", 20, [L(3, 1)]);
		const r = o.apply(damaged);
		assert.deepEqual(cmds(r), [[ERP_COMMANDS.BACKORDER_LINES, "shortfall:1", undefined], statusCmd(S.SHORT)]);
		assert.deepEqual(r.commands[0]!.data, { orderId: ORDER_ID, lines: [L(3, 1)], policy: "backorder" });
		assert.deepEqual(r.cases, [
			opened("warehouse-exception", damaged, { owner: "warehouse-ops", severity: "warning", partner: "acme-3pl", summary: "WH1: damaged-stock: pallet dropped" }),
			opened("short-pick", damaged, { owner: "inventory-control", severity: "warning", partner: "acme-3pl", summary: "line 3 (SKU-C) 1 unit lost to damaged-stock at acme-3pl: backordered; the rest ships" }),
		]);
		assert.deepEqual(r.timers, [caseTimer("warehouse-exception", damaged), caseTimer("short-pick", damaged)]);
		assert.deepEqual(column(o, "backordered"), [0, 0, 1]);
		assert.equal(o.maybe(damaged), null);
	});

	test("a carrier no-show puts the dispatch SLA at risk now, once", () => {
		const o = new OrderRun();
		toPacked(o);
		const noShow = W.exception("carrier-no-show", "carrier did not collect", 120);
		const r = o.apply(noShow);
		assert.deepEqual(cmds(r), []);
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_AT_RISK, key: "sla-at-risk:order-to-dispatch", data: { orderId: ORDER_ID, sla: "order-to-dispatch", dueAt: at(240), at: at(120) } }]);
		assert.deepEqual(r.cases, [opened("warehouse-exception", noShow, { owner: "transport-ops", severity: "warning", partner: "acme-3pl", summary: "WH1: carrier-no-show: carrier did not collect" })]);
		assert.equal(r.statusChange, undefined);
		assertNothingNew(o.apply(W.exception("carrier-no-show", "carrier did not collect", 121, undefined, "wms:no-show:again")));
	});

	test("a hold only opens a case, which the shipment resolves", () => {
		const o = new OrderRun();
		toAllocated(o);
		const hold = W.exception("wave-blocked", "wave 12 blocked by a system fault", 20);
		const r = o.apply(hold);
		assert.deepEqual({ commands: r.commands, facts: r.facts, statusChange: r.statusChange }, { commands: [], facts: [], statusChange: undefined });
		assert.deepEqual(r.cases, [opened("warehouse-exception", hold, { owner: "warehouse-ops", severity: "info", partner: "acme-3pl", summary: "WH1: wave-blocked: wave 12 blocked by a system fault" })]);
		o.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50));
		const shipped = o.apply(W.manifested(FO1, "shp_1", ALL, 90));
		assert.deepEqual(shipped.cases, [{ action: "resolve", caseId: caseIdFor(ORDER_ID, "warehouse-exception", hold.id), kind: "warehouse-exception", summary: "the warehouse shipped shp_1" }]);
	});
});

describe("SLA clocks", () => {
	test("the release arms the dispatch-at-risk, dispatch and freshness clocks", () => {
		const o = new OrderRun();
		assert.deepEqual(o.started.timers, [{ clock: "dispatch-at-risk", dueAt: at(180) }, { clock: "dispatch", dueAt: at(240) }, { clock: "freshness", dueAt: at(120) }]);
		assert.equal(o.saga.sla.dispatchDueAt, at(240));
	});

	test("the dispatch clock before dispatch: SLA breached, once, with an sla-breach case; the clock does not refresh the order", () => {
		const o = new OrderRun();
		toPacked(o);
		const updatedAt = o.saga.updatedAt;
		const due = clock("dispatch", 240);
		const r = o.apply(due);
		assert.deepEqual(cmds(r), []);
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_BREACHED, key: "sla-breached:order-to-dispatch", data: { orderId: ORDER_ID, sla: "order-to-dispatch", dueAt: at(240), at: at(240) } }]);
		assert.deepEqual(r.cases, [opened("sla-breach", due, { owner: "warehouse-ops", severity: "warning", summary: `order-to-dispatch SLA breached: not dispatched by ${at(240)} (status packed)` })]);
		assert.deepEqual(r.timers, [caseTimer("sla-breach", due)]);
		assert.equal(o.saga.status, S.PACKED);
		assert.equal(o.saga.updatedAt, updatedAt);
		assert.equal(o.maybe(due), null);
		assertNothingNew(o.apply(clock("dispatch", 240, "clock:again")));
	});

	test("the dispatch clock after dispatch raises nothing", () => {
		const o = new OrderRun();
		toDispatched(o);
		assertNothingNew(o.apply(clock("dispatch", 240)), /dispatched within the SLA/);
	});

	test("the at-risk clock raises at risk when not packed yet, and nothing once packed", () => {
		const early = new OrderRun();
		toAllocated(early);
		const r = early.apply(clock("dispatch-at-risk", 180));
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_AT_RISK, key: "sla-at-risk:order-to-dispatch", data: { orderId: ORDER_ID, sla: "order-to-dispatch", dueAt: at(240), at: at(180) } }]);
		assert.deepEqual(r.cases, []);
		const onTrack = new OrderRun();
		toPacked(onTrack);
		assertNothingNew(onTrack.apply(clock("dispatch-at-risk", 180)), /on track/);
	});

	test("the freshness clock re-arms from the last status change, and breaches when the status has not moved", () => {
		const o = new OrderRun();
		toAllocated(o);
		const r = o.apply(clock("freshness", 120));
		assert.deepEqual({ facts: r.facts, cases: r.cases, timers: r.timers }, { facts: [], cases: [], timers: [{ clock: "freshness", dueAt: at(130) }] });
		const stale = clock("freshness", 130);
		const breached = o.apply(stale);
		assert.deepEqual(breached.facts, [{ type: WAYBILL_FACTS.SLA_BREACHED, key: "sla-breached:status-freshness", data: { orderId: ORDER_ID, sla: "status-freshness", dueAt: at(130), at: at(130) } }]);
		assert.deepEqual(breached.cases, [opened("sla-breach", stale, { owner: "integration-ops", severity: "warning", summary: `status-freshness SLA breached: no status change since ${at(10)} (status allocated)` })]);
	});

	test("a case's resolution clock breaches when the case is still open, and not when it was resolved", () => {
		const o = new OrderRun();
		toAllocated(o);
		const hold = o.apply(W.exception("wave-blocked", "wave 12 blocked", 20));
		const timer = hold.timers[0]!;
		assert.equal(timer.dueAt, at(20 + 8 * 60));
		const r = o.apply(caseClock(timer.caseId!, timer.dueAt));
		assert.deepEqual(r.facts, [{ type: WAYBILL_FACTS.SLA_BREACHED, key: `sla-breached:exception-resolution:${timer.caseId}`, data: { orderId: ORDER_ID, sla: "exception-resolution", dueAt: timer.dueAt, at: timer.dueAt } }]);

		const resolved = new OrderRun();
		toAllocated(resolved);
		const held = resolved.apply(W.exception("wave-blocked", "wave 12 blocked", 20));
		resolved.all(W.picked(FO1, ALL, 30), W.packed(FO1, 50), W.manifested(FO1, "shp_1", ALL, 90));
		assertNothingNew(resolved.apply(caseClock(held.timers[0]!.caseId!, held.timers[0]!.dueAt)), /resolved in time/);
	});

	test("a compensation-failed case on a cancelled order still breaches its resolution clock", () => {
		const o = new OrderRun();
		toManifested(o);
		const cancel = o.apply(E.cancelled("customer changed their mind", 120));
		const escalated = o.apply(deadLetter(cancel.commands[0]!, "task already started", 121));
		const timer = escalated.timers[0]!;
		const r = o.apply(caseClock(timer.caseId!, timer.dueAt));
		assert.deepEqual(r.facts.map((f) => [f.type, f.key]), [[WAYBILL_FACTS.SLA_BREACHED, `sla-breached:exception-resolution:${timer.caseId}`]]);
	});

	test("the order's clocks raise nothing once it is invoiced", () => {
		const o = new OrderRun();
		toInvoiced(o);
		assertNothingNew(o.apply(clock("freshness", 500)), /after the order finished/);
		assertNothingNew(o.apply(clock("dispatch", 501)), /after the order finished/);
	});
});

describe("command failures", () => {
	test("a forward command dead-lettered marks its step failed and opens a dead-letter case for integration operations", () => {
		const o = new OrderRun();
		const create = o.started.commands[0]!;
		const letter = deadLetter(create, "unknown warehouse code", 5);
		const r = o.apply(letter);
		assert.deepEqual(cmds(r), []);
		const summary = `fulfillment:${FO1}: acme-3pl refused wms.fulfillment-order.create: unknown warehouse code. Correct and replay it from /ops/dead-letters.`;
		assert.deepEqual(r.cases, [opened("dead-letter", letter, { owner: "integration-ops", severity: "warning", partner: "acme-3pl", summary })]);
		assert.equal(stateOf(o, `fulfillment:${FO1}`), "failed");
		assert.deepEqual(cmds(o.apply(E.cancelled("customer", 10))), [statusCmd(S.CANCELLED)], "a step that never happened is not undone");
	});
});

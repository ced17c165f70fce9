import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ERP_COMMANDS, ERP_FACTS, assertValidMessage, catalogueEntry, createEnvelope, type Envelope } from "../../canonical/index.ts";
import { loadProfiles, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, mapResponse, renderCommand, type MappedFact, type RenderedRequest } from "../../services/mapper/canonical-mapper.ts";
import { ErpSimulator } from "../../simulators/erp.sim.ts";
import { at, linesOf, salesOrder } from "../helpers/fixtures.ts";

const profiles = loadProfiles(fileURLToPath(new URL("../../mappings", import.meta.url)));
const ORDER = salesOrder("SO-2001");

function profile(key: string): MappingProfile {
	const found = profiles.get(key);
	assert.ok(found, `profile ${key} is loaded`);
	return found;
}

/** An envelope as Waybill would publish it, which must pass the catalogue's gate. */
function valid(type: string, data: unknown, mappingVersion?: string): Envelope {
	const entry = catalogueEntry(type);
	assert.ok(entry, `${type} is catalogued`);
	return assertValidMessage(createEnvelope({ type, source: "test", subject: ORDER.orderId, data, schemaVersion: entry.version, ...(mappingVersion ? { mappingVersion } : {}) }));
}

async function send(baseUrl: string, request: RenderedRequest, key: string): Promise<{ status: number; body: any }> {
	const res = await fetch(`${baseUrl}${request.path}`, {
		method: request.method,
		headers: { "content-type": "application/json", "idempotency-key": key },
		body: JSON.stringify(request.body),
	});
	return { status: res.status, body: await res.json() };
}

const creditNote = {
	kind: "credit-note",
	orderId: ORDER.orderId,
	rma: "RMA-SO-2001",
	currency: "EUR",
	lines: [{ lineNo: 2, sku: "SKU-B", qty: 1, unitPrice: 4.99 }],
	total: 4.99,
	at: at(900),
};

/** Each new ERP command: valid canonical data, the request it must render to, and what the ERP answers. */
const COMMANDS = [
	{
		type: ERP_COMMANDS.BACKORDER_LINES,
		data: { orderId: ORDER.orderId, lines: [{ lineNo: 2, sku: "SKU-B", qty: 1 }], policy: "backorder" },
		request: { method: "POST", path: "/api/orders/SO-2001/backorders", body: { lines: [{ lineNo: 2, sku: "SKU-B", qty: 1 }], policy: "backorder" } },
		answer: { backorderId: "BO-1" },
		kind: "backorder",
	},
	{
		type: ERP_COMMANDS.PAUSE_INVOICING,
		data: { orderId: ORDER.orderId, reason: "delivery failed twice" },
		request: { method: "POST", path: "/api/orders/SO-2001/invoicing-holds", body: { reason: "delivery failed twice" } },
		answer: { holdId: "HOLD-1" },
		kind: "invoicing-hold",
	},
	{
		type: ERP_COMMANDS.POST_CREDIT_NOTE,
		data: creditNote,
		request: { method: "POST", path: "/api/credit-notes", body: { orderId: "SO-2001", rma: "RMA-SO-2001", currency: "EUR", lines: creditNote.lines, total: 4.99 } },
		answer: { creditNoteId: "CN-1" },
		kind: "credit-note",
	},
	{
		type: ERP_COMMANDS.RAISE_CS_CASE,
		data: { orderId: ORDER.orderId, kind: "delivery-failed", reason: "nobody home twice", caseId: "CASE-7" },
		request: { method: "POST", path: "/api/cs-cases", body: { orderId: "SO-2001", kind: "delivery-failed", reason: "nobody home twice", caseId: "CASE-7" } },
		answer: { csCaseId: "CS-1" },
		kind: "cs-case",
	},
	{
		type: ERP_COMMANDS.REFUSE_ORDER_CHANGE,
		data: { orderId: ORDER.orderId, changeId: "chg-7", fields: ["lines"], reason: "the order is packed" },
		request: { method: "POST", path: "/api/orders/SO-2001/change-refusals", body: { changeId: "chg-7", fields: ["lines"], reason: "the order is packed" } },
		answer: { refusalId: "CR-1" },
		kind: "change-refusal",
	},
] as const;

describe("ERP REST outbound mapping of the exception flows, checked against the ERP simulator", () => {
	const erp = new ErpSimulator();
	let url = "";
	before(async () => {
		url = (await erp.start()).url;
	});
	after(() => erp.stop());

	test("the profile maps the six exception-flow commands and the settlement batch beside the three it had, at version 1.2.0", () => {
		const rest = profile("erp/waybill-erp-rest");
		assert.equal(rest.version, "waybill-erp-rest@1.2.0");
		assert.deepEqual([...rest.outbound.keys()].sort(), [
			ERP_COMMANDS.BACKORDER_LINES, ERP_COMMANDS.POST_CREDIT_NOTE, ERP_COMMANDS.RAISE_CS_CASE, ERP_COMMANDS.POST_INVOICE,
			ERP_COMMANDS.PAUSE_INVOICING, ERP_COMMANDS.RESUME_INVOICING, ERP_COMMANDS.REFUSE_ORDER_CHANGE, ERP_COMMANDS.UPDATE_ORDER_STATUS, ERP_COMMANDS.CONFIRM_SHIPMENT,
			ERP_COMMANDS.POST_SETTLEMENT_BATCH,
		].sort());
	});

	for (const command of COMMANDS) {
		test(`${command.type} renders ${command.request.method} ${command.request.path}, which the ERP answers 201 and files under the order`, async () => {
			valid(command.type, structuredClone(command.data));
			const request = await renderCommand(profile("erp/waybill-erp-rest"), command.type, structuredClone(command.data));
			assert.deepEqual(request, command.request);
			const answer = await send(url, request, `render-${command.type}`);
			assert.deepEqual(answer, { status: 201, body: command.answer });
			assert.equal(erp.receivedFor(ORDER.orderId).at(-1), command.kind);
		});
	}

	test("the received kinds for the order are the five commands, in the order they were sent", () => {
		assert.deepEqual(erp.receivedFor(ORDER.orderId), COMMANDS.map((c) => c.kind));
	});

	test("an order id that needs escaping is escaped in the path", async () => {
		const request = await renderCommand(profile("erp/waybill-erp-rest"), ERP_COMMANDS.PAUSE_INVOICING, { orderId: "SO 1/B", reason: "hold" });
		assert.equal(request.path, "/api/orders/SO%201%2FB/invoicing-holds");
	});

	test("a credit note without an RMA renders without one, and the ERP takes it", async () => {
		const { rma: _rma, ...plain } = creditNote;
		const request = await renderCommand(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_CREDIT_NOTE, plain);
		assert.equal("rma" in (request.body as object), false);
		assert.equal((await send(url, request, "cn-no-rma")).status, 201);
	});

	test("the ERP's answer to a credit note proves a valid erp.credit-note.posted settlement event with its document id and RMA", async () => {
		const request = await renderCommand(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_CREDIT_NOTE, creditNote);
		const answer = await send(url, request, "cn-answer");
		const fact = await mapResponse(profile("erp/waybill-erp-rest"), ERP_COMMANDS.POST_CREDIT_NOTE, creditNote, answer.body);
		assert.deepEqual(fact, { type: ERP_FACTS.CREDIT_NOTE_POSTED, data: { ...creditNote, documentId: answer.body.creditNoteId } });
		assert.match(answer.body.creditNoteId, /^CN-\d+$/);
		valid(fact!.type, fact!.data);
	});

	test("the other new commands prove nothing by their answer: no fact", async () => {
		for (const command of COMMANDS.filter((c) => c.type !== ERP_COMMANDS.POST_CREDIT_NOTE)) {
			assert.equal(await mapResponse(profile("erp/waybill-erp-rest"), command.type, command.data, command.answer), undefined, command.type);
		}
	});
});

describe("ERP canonical inbound mapping of the order commands (routed on `event`)", () => {
	const canonical = profile("erp/waybill-canonical");
	const map = async (body: unknown): Promise<MappedFact[]> => mapInbound(canonical, JSON.stringify(body), { receivedAt: at(5) });

	test("the profile is at version 1.1.0 and routes the release and the three commands", () => {
		assert.equal(canonical.version, "waybill-canonical@1.1.0");
		assert.deepEqual([...canonical.inbound!.routes.keys()].sort(), ["order.cancelled", "order.released", "order.updated", "return.authorised"]);
	});

	test("a body without `event` is still a released order, as before", async () => {
		assert.deepEqual(await map(ORDER), [{ type: ERP_FACTS.ORDER_RELEASED, subject: "SO-2001", time: at(5), partnerEventId: "SO-2001", data: ORDER }]);
	});

	test("a cancellation becomes one valid erp.order.cancelled fact with the reason", async () => {
		const facts = await map({ event: "order.cancelled", orderId: "SO-2001", reason: "customer cancelled" });
		assert.deepEqual(facts, [{ type: ERP_FACTS.ORDER_CANCELLED, subject: "SO-2001", time: at(5), partnerEventId: "SO-2001:cancel", data: { orderId: "SO-2001", reason: "customer cancelled" } }]);
		valid(facts[0]!.type, facts[0]!.data, canonical.version);
	});

	test("a change becomes one valid erp.order.updated fact named by its change id, carrying only what changed", async () => {
		const changes = { shipTo: { ...ORDER.shipTo, line2: "c/o neighbour" }, lines: ORDER.lines.slice(0, 1) };
		const facts = await map({ event: "order.updated", orderId: "SO-2001", changeId: "chg-1", changes });
		assert.deepEqual(facts, [{ type: ERP_FACTS.ORDER_UPDATED, subject: "SO-2001", time: at(5), partnerEventId: "SO-2001:change:chg-1", data: { orderId: "SO-2001", changeId: "chg-1", changes } }]);
		valid(facts[0]!.type, facts[0]!.data, canonical.version);
	});

	test("an authorised return becomes one valid erp.return.authorised fact: the return order, keyed by its RMA", async () => {
		const returnOrder = { rma: "RMA-SO-2001", orderId: "SO-2001", reason: "damaged", pickupFrom: ORDER.shipTo, warehouse: "WH1", lines: linesOf(ORDER) };
		const facts = await map({ event: "return.authorised", ...returnOrder });
		assert.deepEqual(facts, [{ type: ERP_FACTS.RETURN_AUTHORISED, subject: "SO-2001", time: at(5), partnerEventId: "SO-2001:return:RMA-SO-2001", data: returnOrder }]);
		valid(facts[0]!.type, facts[0]!.data, canonical.version);
	});

	test("an event the profile does not route yields no facts", async () => {
		assert.deepEqual(await map({ event: "order.teleported", orderId: "SO-2001" }), []);
	});
});

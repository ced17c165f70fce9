import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
	LASTMILE_COMMANDS, LASTMILE_FACTS, assertMatches, assertValidMessage, catalogueEntry, createEnvelope, isMappingFailed, isPartnerRejected, isSchemaInvalid,
} from "../../canonical/index.ts";
import { loadProfile } from "../../services/mapper/mapping-profile.ts";
import { mapResponse, renderCommand } from "../../services/mapper/canonical-mapper.ts";
import {
	ENVELOPE_PROBLEMS, checkEnvelope, el, functionalAck, parseInterchange, read204, writeInterchange, type Segment, type X12Interchange,
} from "../../services/mapper/formats/x12/index.ts";
import { deliveryJob, salesOrder } from "../helpers/fixtures.ts";

const carrier = loadProfile(fileURLToPath(new URL("../../mappings/lastmile/x12-carrier", import.meta.url)));
const CORPUS_204 = fileURLToPath(new URL("../../../shared/conformance/x12/204_edinet_mgctlyst.edi", import.meta.url));
const NO_CORPUS = existsSync(CORPUS_204) ? false : `conformance corpus not found at ${CORPUS_204}`;

/** A command as the saga would send it: it must pass the same gate as any durable message. */
function command<T>(type: string, data: T): T {
	assertValidMessage(createEnvelope({ type, source: "test", subject: "SO-1001", data, schemaVersion: catalogueEntry(type)!.version }));
	return data;
}

const job = () => command(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, { ...deliveryJob(salesOrder("SO-1001")), partner: "edi-carrier" });

async function rendered(type: string, data: unknown, key: string): Promise<X12Interchange> {
	const request = await renderCommand(carrier, type, data, key);
	assert.deepEqual([request.method, request.path, request.contentType], ["POST", "/edi", "application/edi-x12"]);
	return parseInterchange(request.body as string);
}

describe("x12-carrier writes 204 load tenders our own reader reads back", () => {
	test("a delivery job is a valid 204 to the carrier: envelope checks pass, the load is the order, the stop has the ship-to, the window and the order", async () => {
		const data = job();
		const interchange = await rendered(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, data, "SO-1001:delivery:1");
		assert.deepEqual(checkEnvelope(interchange), []);
		assert.deepEqual([el(interchange.isa, 6), el(interchange.isa, 8), el(interchange.isa, 12)], ["WAYBILL", "EDICARRIER", "00401"]);
		const group = interchange.groups[0]!;
		assert.deepEqual([el(group.gs, 1), el(group.gs, 8)], ["SM", "004010"]);

		const tender = read204(group.transactions[0]!);
		assert.deepEqual([tender.shipmentId, tender.scac, tender.paymentMethod, tender.purpose, tender.applicationType], ["SO-1001", "EDIC", "PP", "00", "LT"]);
		assert.deepEqual(tender.references.map((r) => `${r.qualifier}=${r.value}`), [`DJ=${data.deliveryJobId}`, `SI=${data.shipmentId}`]);
		assert.equal(tender.stops.length, 1);
		const [stop] = tender.stops;
		const to = data.stops[0]!.address;
		assert.deepEqual([stop!.sequence, stop!.reasonCode, stop!.units], ["1", "CU", { quantity: data.packages, unit: "CT" }]);
		assert.deepEqual(stop!.references.map((r) => `${r.qualifier}=${r.value}`), ["PO=SO-1001"]);
		const shipTo = stop!.parties.find((p) => p.code === "ST");
		assert.deepEqual([shipTo?.name, shipTo?.addressLines[0], shipTo?.city, shipTo?.postalCode, shipTo?.country], [to.name, to.line1, to.city, to.postalCode, to.country]);
		const window = data.stops[0]!.window!;
		const utc = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, "");
		assert.deepEqual(stop!.dates.map((d) => [d.qualifier, d.date + "T" + d.time, d.timeQualifier, d.timeCode]), [
			["53", utc(window.from).slice(0, 13), "G", "UT"],
			["54", utc(window.to).slice(0, 13), "L", "UT"],
		]);
		assert.equal(tender.totals?.ladingQuantity, data.packages);
	});

	test("the interchange is named after the command: a redelivered command is the same interchange", async () => {
		const first = await rendered(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, job(), "SO-1001:delivery:1");
		const again = await rendered(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, job(), "SO-1001:delivery:1");
		const other = await rendered(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, job(), "SO-1001:delivery:2");
		assert.equal(el(again.isa, 13), el(first.isa, 13));
		assert.notEqual(el(other.isa, 13), el(first.isa, 13));
	});

	test("a job of several stops numbers them in order and counts its packages only in the L3 total", async () => {
		const two = job();
		two.stops.push({ ...structuredClone(two.stops[0]!), stopId: `${two.deliveryJobId}-2`, address: { ...two.stops[0]!.address, name: "Neighbour", line2: "Back door" } });
		const tender = read204((await rendered(LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, two, "SO-1001:delivery:3")).groups[0]!.transactions[0]!);
		assert.deepEqual(tender.stops.map((s) => [s.sequence, s.units, s.parties[0]?.name, s.parties[0]?.addressLines]), [
			["1", undefined, two.stops[0]!.address.name, [two.stops[0]!.address.line1]],
			["2", undefined, "Neighbour", [two.stops[0]!.address.line1, "Back door"]],
		]);
		assert.equal(tender.totals?.ladingQuantity, two.packages);
	});

	test("an address holding one of our delimiters is refused before anything is sent", async () => {
		const bad = job();
		bad.stops[0]!.address.name = "Smith*Sons";
		await assert.rejects(() => renderCommand(carrier, LASTMILE_COMMANDS.CREATE_DELIVERY_JOB, bad, "SO-1001:delivery:4"), (e: unknown) => isMappingFailed(e) && /contains the delimiter "\*"/.test((e as Error).message));
	});

	test("a cancel is a 204 with B2A 01 for the same load, its reason in a note; a 997 that accepts it proves lastmile.job.cancelled", async () => {
		const cancel = command(LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, { orderId: "SO-1001", deliveryJobId: "DJ-SO-1001-shp_1", reason: "customer*cancelled~order" });
		const interchange = await rendered(LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, cancel, "SO-1001:delivery-cancel:1");
		assert.deepEqual(checkEnvelope(interchange), []);
		const tx = interchange.groups[0]!.transactions[0]!;
		assert.deepEqual(tx.segments.map((s) => s.join("*")), ["B2**EDIC**SO-1001**PP", "B2A*01*LT", "L11*DJ-SO-1001-shp_1*DJ", "NTE**customer cancelled order", "S5*1*CU", "L11*SO-1001*PO"]);
		assert.deepEqual([read204(tx).purpose, read204(tx).shipmentId], ["01", "SO-1001"]);

		const ack = (problems: Parameters<typeof functionalAck>[1]) => functionalAck(interchange, problems, { senderId: "EDICARRIER", receiverId: "WAYBILL", controlNumber: 77, now: new Date() });
		const fact = await mapResponse(carrier, LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, cancel, ack([]));
		assert.deepEqual(fact, { type: LASTMILE_FACTS.JOB_CANCELLED, data: { orderId: "SO-1001", partnerRef: "SO-1001", deliveryJobId: "DJ-SO-1001-shp_1", reason: "customer*cancelled~order" } });
		assertMatches(fact!.type, catalogueEntry(fact!.type)!.schema, fact!.data);

		const rejection = ack([{ code: "CONTENT_INVALID", message: "unknown load", level: "transaction", controlNumbers: { interchange: el(interchange.isa, 13), group: el(interchange.groups[0]!.gs, 6), transaction: el(tx.st, 2) } }]);
		await assert.rejects(() => mapResponse(carrier, LASTMILE_COMMANDS.CANCEL_DELIVERY_JOB, cancel, rejection), isPartnerRejected);
	});
});

const single = (segments: Segment[]) =>
	parseInterchange(writeInterchange({ senderId: "SHIPPER", receiverId: "EDICARRIER", controlNumber: 9, functionalId: "SM", version: "004010", transactions: [{ code: "204", segments }] })).groups[0]!.transactions[0]!;

describe("X12 204 reader", () => {
	test("a stop's weight and handling units come from S503 to S506", () => {
		const tender = read204(single([["B2", "", "EDIC", "", "LOAD-1", "", "PP"], ["B2A", "00", "LT"], ["S5", "1", "CU", "120", "L", "3", "CT"], ["N1", "ST", "ADA"]]));
		assert.deepEqual([tender.stops[0]?.weight, tender.stops[0]?.units], [{ qualifier: "", unit: "L", value: 120 }, { quantity: 3, unit: "CT" }]);
	});

	test("lists every content problem at once: no B204, no B2A, no stop", () => {
		try {
			read204(single([["B2", "", "EDIC"], ["NTE", "", "nothing to move"]]));
			assert.fail("the 204 was read");
		} catch (e: unknown) {
			assert.ok(isSchemaInvalid(e));
			assert.deepEqual((e.data as { problems: Array<{ message: string }> }).problems.map((p) => p.message), [
				"B204 shipment id is required", "the 204 has no B2A purpose", "the 204 has no S5 stop",
			]);
		}
	});

	test("the corpus 204 stays refused for its miscount, yet its content reads: load, two stops, their references, windows, parties, weights, totals", { skip: NO_CORPUS }, () => {
		const interchange = parseInterchange(readFileSync(CORPUS_204));
		assert.deepEqual(checkEnvelope(interchange).map((p) => p.code), [ENVELOPE_PROBLEMS.SE_COUNT_MISMATCH]);
		const tender = read204(interchange.groups[0]!.transactions[0]!);
		assert.deepEqual([tender.shipmentId, tender.scac, tender.paymentMethod, tender.purpose, tender.applicationType], ["75027674", "SCAC", "PP", "00", "LT"]);
		assert.deepEqual(tender.parties.map((p) => `${p.code} ${p.id} ${p.city}`), ["BT NPBTO Richmond"]);
		assert.equal(tender.notes.length, 2);
		assert.deepEqual(tender.stops.map((s) => [s.sequence, s.reasonCode, s.weight, s.parties.map((p) => `${p.code} ${p.city}`)]), [
			["1", "CL", { qualifier: "G", unit: "L", value: 5472 }, ["SH RUMFORD"]],
			["2", "CU", { qualifier: "G", unit: "L", value: 5472 }, ["CN WEST ALLIS"]],
		]);
		assert.deepEqual(tender.stops[1]?.references.map((r) => `${r.qualifier}=${r.value}`), ["PO=3297832", "CR=0000011660", "BM=75027674", "SCA=SCAC", "SI=88756818"]);
		assert.deepEqual(tender.stops.map((s) => s.dates.map((d) => `${d.qualifier}:${d.date}:${d.timeQualifier}:${d.time}`)), [
			["37:20160726:I:1009", "38:20160729:K:2359"],
			["53:20160727:G:0001", "54:20160729:L:2359"],
		]);
		assert.deepEqual(tender.totals, { weight: 5472, weightQualifier: "G", charge: 557.21, ladingQuantity: 5472 });
	});
});

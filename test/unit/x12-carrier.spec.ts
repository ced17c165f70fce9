import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LASTMILE_FACTS, assertMatches, catalogueEntry, isMappingFailed } from "../../canonical/index.ts";
import { loadProfile, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, type MappedFact } from "../../services/mapper/canonical-mapper.ts";

const PROFILE_DIR = fileURLToPath(new URL("../../mappings/lastmile/x12-carrier", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/x12-carrier/", import.meta.url));
const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const NO_CORPUS = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}`;
const RECEIVED = "2024-03-07T12:00:00Z";

const carrier = loadProfile(PROFILE_DIR);
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const temporary: string[] = [];
after(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The shipped profile copied, with some of its tables replaced: how a partner with its own codes is onboarded. */
function copyWithTables(tables: Record<string, unknown>): MappingProfile {
	const dir = mkdtempSync(join(tmpdir(), "waybill-x12-carrier-"));
	temporary.push(dir);
	cpSync(PROFILE_DIR, dir, { recursive: true });
	for (const [file, table] of Object.entries(tables)) writeFileSync(join(dir, file), JSON.stringify(table));
	return loadProfile(dir);
}

/** Maps and checks every fact against its catalogue schema, as the mapper service does before publishing. */
async function mapped(profile: MappingProfile, body: string): Promise<MappedFact[]> {
	const facts = await mapInbound(profile, body, { receivedAt: RECEIVED });
	for (const fact of facts) assertMatches(fact.type, catalogueEntry(fact.type)!.schema, fact.data);
	return facts;
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
	try {
		await run();
	} catch (e: unknown) {
		assert.ok(isMappingFailed(e), `expected MAPPING_FAILED, got ${(e as Error).message}`);
		return (e as Error).message;
	}
	return assert.fail("the document was mapped");
}

describe("x12-carrier reads a carrier's 214 through its code tables", () => {
	test("three AT7 lines become out-for-delivery, a failed attempt with its reason, and delivered, each at its own time and zone", async () => {
		const facts = await mapped(carrier, fixture("214-status.edi"));
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId]), [
			[LASTMILE_FACTS.OUT_FOR_DELIVERY, "SO-1001", "2024-03-05T08:15:00-06:00", "214:EDICARRIER:000004101:0001:1"],
			[LASTMILE_FACTS.ATTEMPT_FAILED, "SO-1001", "2024-03-05T14:07:00-06:00", "214:EDICARRIER:000004101:0001:2"],
			[LASTMILE_FACTS.DELIVERED, "SO-1001", "2024-03-06T09:30:00Z", "214:EDICARRIER:000004101:0001:3"],
		]);
		assert.deepEqual(facts[0]!.data, { orderId: "SO-1001", partnerRef: "SO-1001", deliveryJobId: "DJ-SO-1001-shp_1", location: { lat: 41.881944, lng: -87.628889 } });
		assert.equal((facts[1]!.data as { reason?: string }).reason, "recipient unavailable, delivery delayed");
		assert.equal((facts[2]!.data as { reason?: string }).reason, undefined, "NS, normal status, is no reason");
	});

	test("a partner with its own codes is a copy of the profile with other tables: the same 214 means other facts", async () => {
		const regional = copyWithTables({
			"at7-status.json": { X6: LASTMILE_FACTS.DISPATCHED, AP: LASTMILE_FACTS.DELAY_DETECTED, D1: LASTMILE_FACTS.DELIVERED },
			"at7-reason.json": { NS: null, AQ: "slipped to the next run" },
		});
		const theirs = await mapped(regional, fixture("214-status.edi"));
		const ours = await mapped(carrier, fixture("214-status.edi"));
		assert.deepEqual(theirs.map((f) => [f.type, (f.data as { reason?: string }).reason]), [
			[LASTMILE_FACTS.DISPATCHED, undefined],
			[LASTMILE_FACTS.DELAY_DETECTED, "slipped to the next run"],
			[LASTMILE_FACTS.DELIVERED, undefined],
		]);
		assert.notDeepEqual(theirs.map((f) => f.type), ours.map((f) => f.type));
	});

	test("an AT7 status code the table lacks refuses the set, naming the code, its LX and the table", async () => {
		const message = await refusal(() => mapInbound(carrier, fixture("214-status.edi").replace("AT7*D1*", "AT7*ZZ*"), { receivedAt: RECEIVED }));
		assert.match(message, /214 0001: AT7 status code 'ZZ' \(LX 3\) is not in this carrier's at7Status table/);
	});

	test("a code the table knows to mean nothing (null) yields no fact, and is not refused", async () => {
		const facts = await mapped(carrier, fixture("214-status.edi").replace("AT7*X6*", "AT7*XB*"));
		assert.deepEqual(facts.map((f) => f.type), [LASTMILE_FACTS.ATTEMPT_FAILED, LASTMILE_FACTS.DELIVERED]);
	});

	test("an estimate carries the AT7 time as the ETA; the event is when it was received", async () => {
		const [eta] = await mapped(carrier, fixture("214-status.edi").replace("AT7*X6*NS***20240305*0815*CT", "AT7*AG*NS***20240305*1700*ET"));
		assert.deepEqual([eta!.type, eta!.time, (eta!.data as { eta?: string }).eta], [LASTMILE_FACTS.ETA_UPDATED, RECEIVED, "2024-03-05T17:00:00-05:00"]);
	});

	test("local time (LT) is refused unless the carrier's table sets a fixed offset, which is then applied", async () => {
		const local = fixture("214-status.edi").replace("20240306*0930*UT", "20240306*0930*LT");
		assert.match(await refusal(() => mapInbound(carrier, local, { receivedAt: RECEIVED })), /AT7 in LX 3 is in local time and this carrier's table sets no localTimeOffset/);
		const central = copyWithTables({ "carrier.json": { scac: "EDIC", paymentMethod: "PP", currency: "USD", localTimeOffset: "-06:00" } });
		assert.equal((await mapped(central, local))[2]!.time, "2024-03-06T09:30:00-06:00");
	});

	test("a time code Waybill does not read is refused rather than taken for UTC", async () => {
		const message = await refusal(() => mapInbound(carrier, fixture("214-status.edi").replace("0930*UT", "0930*QQ"), { receivedAt: RECEIVED }));
		assert.match(message, /AT707 'QQ' in LX 3 is not a time code Waybill reads/);
	});

	test("without B1002 the order comes from the L11 PO reference, and the PRO number names the job", async () => {
		const facts = await mapped(carrier, fixture("214-status.edi").replace("B10*PRO-4471*SO-1001*EDIC", "B10*PRO-4471**EDIC").replace("L11*SO-1001*PO", "L11*PO-77*PO"));
		assert.deepEqual([facts[0]!.subject, (facts[0]!.data as { partnerRef: string }).partnerRef], ["PO-77", "PRO-4471"]);
	});

	test("every status the shipped tables map to is a catalogued last-mile fact", () => {
		for (const table of ["at7Status", "at7Appointment"]) {
			for (const [code, type] of Object.entries(carrier.tables[table]!)) {
				if (type === null) continue;
				assert.ok(typeof type === "string" && type.startsWith("lastmile.") && catalogueEntry(type)?.kind === "fact", `${table} ${code}: ${String(type)}`);
			}
		}
	});
});

describe("x12-carrier reads 990 tender answers and 210 freight invoices", () => {
	const declined = fixture("990-declined.edi");

	test("a 990 with B104 D is a declined tender, with the K1 remarks as the reason and our job from N9 DJ", async () => {
		const facts = await mapped(carrier, declined);
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, f.data]), [[
			LASTMILE_FACTS.TENDER_DECLINED, "SO-1001", RECEIVED,
			{ orderId: "SO-1001", partnerRef: "SO-1001", deliveryJobId: "DJ-SO-1001-shp_1", reason: "NO EQUIPMENT AVAILABLE" },
		]]);
	});

	test("a 990 with B104 A accepts the job; a conditional answer is no acceptance and declines with its reason", async () => {
		const [accepted] = await mapped(carrier, declined.replace("*20240305*D~", "*20240305*A~"));
		assert.deepEqual([accepted!.type, accepted!.data], [LASTMILE_FACTS.JOB_ACCEPTED, { orderId: "SO-1001", partnerRef: "SO-1001", deliveryJobId: "DJ-SO-1001-shp_1" }]);
		const [conditional] = await mapped(carrier, declined.replace("*20240305*D~", "*20240305*C~"));
		assert.deepEqual([conditional!.type, (conditional!.data as { reason: string }).reason], [LASTMILE_FACTS.TENDER_DECLINED, "conditional answer (B104 C), not an acceptance: NO EQUIPMENT AVAILABLE"]);
	});

	test("a 210 is lastmile.freight.invoiced: implied-decimal amounts, C3 currency, references, weight and each charge", async () => {
		const [invoice] = await mapped(carrier, fixture("210-invoice.edi"));
		assert.deepEqual([invoice!.type, invoice!.subject, invoice!.time, invoice!.partnerEventId], [LASTMILE_FACTS.FREIGHT_INVOICED, "SO-1001", "2024-03-07T00:00:00Z", "210:EDICARRIER:000004103:0001"]);
		assert.deepEqual(invoice!.data, {
			orderId: "SO-1001", invoiceNumber: "INV-9001", carrier: "EDIC", billOfLading: "BOL-5521", shipmentId: "shp_1", currency: "CAD", total: 86.5,
			weight: { value: 12, unit: "kg" },
			charges: [{ code: "400", description: "PARCELS 2 CARTONS", amount: 75 }, { code: "FUE", description: "FUEL SURCHARGE", amount: 11.5 }],
			at: "2024-03-07T00:00:00Z",
		});
	});

	test("a 210 without C3 is billed in the carrier table's currency", async () => {
		const [invoice] = await mapped(carrier, fixture("210-invoice.edi").replace("C3*CAD~\n", "N9*PO*X~\n"));
		assert.equal((invoice!.data as { currency: string }).currency, "USD");
	});
});

describe("x12-carrier on the shared corpus", { skip: NO_CORPUS }, () => {
	const corpus = (file: string) => readFileSync(join(CORPUS, file), "utf8");

	test("the 214 with '…' terminators: an ETA in Eastern time, then the departure from the pick-up", async () => {
		const facts = await mapped(carrier, corpus("214_staedi_ellipsis-segment-terminator.edi"));
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.time, (f.data as { eta?: string }).eta]), [
			[LASTMILE_FACTS.ETA_UPDATED, "7727019", RECEIVED, "2020-09-11T11:59:00-04:00"],
			[LASTMILE_FACTS.DISPATCHED, "7727019", "2020-09-10T11:35:00-04:00", undefined],
		]);
	});

	test("the 990 accepts load 75027674", async () => {
		const facts = await mapped(carrier, corpus("990_edinet_mgctlyst.edi"));
		assert.deepEqual(facts.map((f) => [f.type, f.subject]), [[LASTMILE_FACTS.JOB_ACCEPTED, "75027674"]]);
	});

	test("the 210 wrapped at 80 columns bills 124.17 USD in three charges that add up to it", async () => {
		const [invoice] = await mapped(carrier, corpus("210_staedi_wrapped-80-char-lines.edi"));
		const data = invoice!.data as { total: number; currency: string; charges: Array<{ code: string; amount: number }>; weight: unknown };
		assert.deepEqual([data.total, data.currency, data.weight], [124.17, "USD", { value: 1340, unit: "lb" }]);
		assert.deepEqual(data.charges.map((c) => [c.code, c.amount]), [["400", 561.86], ["DSC", -449.49], ["FUE", 11.8]]);
		assert.equal(Math.round(data.charges.reduce((sum, c) => sum + c.amount, 0) * 100) / 100, data.total);
	});
});

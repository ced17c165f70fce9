import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadProfiles, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { convertDocument } from "../../bin/cli/convert-document.ts";
import { x12ProfileFor } from "../../bin/cli/convert-x12.ts";
import { resultLine } from "../../bin/cli/conformance.ts";
import type { Conversion } from "../../bin/cli/document-problem.ts";

const profiles = loadProfiles(fileURLToPath(new URL("../../mappings", import.meta.url)));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/x12/${name}`, import.meta.url)), "utf8");
const CORPUS = fileURLToPath(new URL("../../../shared/conformance/x12/", import.meta.url));
const NO_CORPUS = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}`;
const RECEIVED_AT = "2026-03-14T09:00:00Z";

const convert = (text: string, profile?: string) => convertDocument(text, { profiles, receivedAt: RECEIVED_AT, ...(profile ? { profile } : {}) });
function accepted(conversion: Conversion): Extract<Conversion, { accepted: true }> {
	assert.ok(conversion.accepted, conversion.accepted ? "" : conversion.problem.detail);
	return conversion;
}

describe("an ERP's 940 through erp/x12-erp", () => {
	test("is picked without --profile and released as the order: customer, ship-to, lines, window, service level and hint from the document", async () => {
		const conversion = accepted(await convert(fixture("940-erp-order.edi")));
		assert.equal(conversion.profile, "erp/x12-erp");
		assert.deepEqual(conversion.facts.map((f) => [f.type, f.subject, f.time, f.partnerEventId, f.mappingVersion]), [
			["erp.order.released", "SO-3001", RECEIVED_AT, "940:ERPEDI:000000025:0001", "x12-erp@1.0.0"],
		]);
		assert.deepEqual(conversion.facts[0]!.data, {
			orderId: "SO-3001",
			customer: { id: "CUST-42", name: "Corner Shop Ltd" },
			shipTo: { name: "Corner Shop", line1: "12 Harbour Street", line2: "Unit 4", city: "Leeds", postalCode: "LS1 4AP", country: "GB" },
			lines: [{ lineNo: 1, sku: "SKU-1", description: "BLUE WIDGET", qty: 3, unitPrice: 0 }, { lineNo: 2, sku: "012345678905", qty: 1, unitPrice: 0 }],
			currency: "USD",
			orderValue: 0,
			serviceLevel: "express",
			requestedWindow: { from: "2026-03-20T00:00:00Z", to: "2026-03-20T23:59:59Z" },
			warehouse: "WH2",
		});
	});

	test("a cancelling 940 (W0501 F) cancels the order with the note as reason; a change (W0501 R) is refused, not released again", async () => {
		const cancel = accepted(await convert(fixture("940-erp-cancel.edi")));
		assert.deepEqual(cancel.facts.map((f) => [f.type, f.subject, f.data]), [["erp.order.cancelled", "SO-3001", { orderId: "SO-3001", reason: "customer withdrew the order" }]]);
		const change = await convert(fixture("940-erp-order.edi").replace("W05*N*", "W05*R*"));
		assert.equal(change.accepted, false);
		assert.match(change.accepted ? "" : change.problem.detail, /940 0001: W0501 'R' is neither N \(original\) nor F \(cancel\)/);
	});

	test("a US ship-to without N404 is in the US; a 940 naming no parties is released with placeholders that say so and cannot be delivered", async () => {
		const us = accepted(await convert(fixture("940-erp-order.edi").replace("N4*Leeds**LS1 4AP*GB~", "N4*Chicago*IL*60601~")));
		assert.deepEqual((us.facts[0]!.data as { shipTo: unknown }).shipTo, { name: "Corner Shop", line1: "12 Harbour Street", line2: "Unit 4", city: "Chicago", postalCode: "60601", country: "US", region: "IL" });
		const bare = fixture("940-erp-order.edi").split("~\n").filter((s) => !/^N[134]\*/.test(s)).join("~\n").replace("SE*16*", "SE*12*");
		const data = accepted(await convert(bare)).facts[0]!.data as { customer: unknown; shipTo: { name: string; country: string } };
		assert.deepEqual(data.customer, { id: "unnamed", name: "customer not given in 940 SO-3001" });
		assert.deepEqual([data.shipTo.name, data.shipTo.country], ["ship-to not given in 940 SO-3001", "ZZ"]);
	});

	test("in an interchange of two 940s, the one with an empty N901 is refused naming N9/N901 while the other is released", async () => {
		const conversion = accepted(await convert(fixture("940-erp-one-bad-set.edi")));
		assert.deepEqual(conversion.facts.map((f) => f.subject), ["SO-3001"]);
		assert.equal(conversion.rejectedSets?.length, 1);
		const [refused] = conversion.rejectedSets!;
		assert.deepEqual([refused!.set, refused!.controlNumber, refused!.problem.detail], ["940", "0002", "transaction set 940 0002: N9: N901 reference qualifier is required"]);
		assert.deepEqual(refused!.problem.where, { segment: "N9", element: "N901", controlNumbers: { interchange: "000000026", group: "26", transaction: "0002" } });
		assert.equal(
			resultLine({ file: "940-erp-one-bad-set.edi", accepted: true, events: conversion.facts, rejectedSets: conversion.rejectedSets }),
			"ACCEPT 940-erp-one-bad-set.edi 1 event; refused transaction set 940 0002: N9: N901 reference qualifier is required",
		);
	});

	test("an interchange whose only 940 is refused is refused whole, pointing at the element", async () => {
		const only = await convert(fixture("940-erp-order.edi").replace("N9*WH*WH2~", "N9**WH2~"));
		assert.equal(only.accepted, false);
		assert.deepEqual(only.accepted ? undefined : [only.problem.status, only.problem.where?.segment, only.problem.where?.element], [422, "N9", "N901"]);
	});

	test("the three positive corpus 940s convert; the multi-group one releases two orders and refuses set 20067's empty N901", { skip: NO_CORPUS }, async () => {
		const corpus = (file: string) => convert(readFileSync(`${CORPUS}${file}`, "utf8"));
		const ok = accepted(await corpus("940_edi-engine_ok.edi"));
		assert.deepEqual(ok.facts.map((f) => [f.subject, (f.data as { lines: unknown[] }).lines.length, (f.data as { shipTo: { country: string } }).shipTo.country]), [["538686", 3, "US"]]);
		assert.deepEqual(accepted(await corpus("940_edi-engine_2_ok.edi")).facts.map((f) => [f.subject, (f.data as { serviceLevel: string }).serviceLevel]), [["35131", "standard"]]);
		const multi = accepted(await corpus("940_edi-engine_multi-group_acktest.edi"));
		assert.deepEqual(multi.facts.map((f) => f.partnerEventId), ["940:VENDOR:000009221:20066", "940:VENDOR:000009221:20068"]);
		assert.deepEqual(multi.rejectedSets?.map((r) => [r.controlNumber, r.problem.where?.element, r.problem.detail]), [["20067", "N901", "transaction set 940 20067: N9 in LX 1: N901 reference qualifier is required"]]);
	});

	test("a profile named on the command line still wins: the 3PL profile does not read a 940", async () => {
		const named = await convert(fixture("940-erp-order.edi"), "x12-3pl");
		assert.equal(named.accepted, false);
		assert.match(named.accepted ? "" : named.problem.detail, /X12 940 0001 read, but profile wms\/x12-3pl maps only/);
	});
});

/** Stand-ins: only the format and the inbound route keys matter to the choice. */
function x12Profiles(routes: Record<string, string[]>): Map<string, MappingProfile> {
	return new Map(Object.entries(routes).map(([key, sets]) => {
		const [system, profile] = key.split("/") as [string, string];
		const standIn = { system, profile, version: `${profile}@1`, format: "x12", inbound: { routes: new Map(sets.map((s) => [s, undefined])) }, outbound: new Map() };
		return [key, standIn as unknown as MappingProfile];
	}));
}
const sets = (...codes: string[]) => codes.map((set, i) => ({ set, control: String(i + 1) }));

describe("choosing the X12 profile by the transaction sets an interchange carries", () => {
	const loaded = x12Profiles({ "erp/x12-erp": ["940"], "wms/x12-3pl": ["945", "856", "944", "947"], "lastmile/x12-carrier": ["214", "990", "210"] });

	test("940 goes to the ERP profile, 945/856/944/947 to the 3PL's, 214/990/210 to the carrier's", () => {
		assert.deepEqual(x12ProfileFor(sets("940", "940"), loaded), { key: "erp/x12-erp" });
		for (const set of ["945", "856", "944", "947"]) assert.deepEqual(x12ProfileFor(sets(set), loaded), { key: "wms/x12-3pl" });
		for (const set of ["214", "990", "210"]) assert.deepEqual(x12ProfileFor(sets(set), loaded), { key: "lastmile/x12-carrier" });
	});

	test("the profile covering most of a mixed interchange wins; a tie goes to wms/x12-3pl when it is among them", () => {
		assert.deepEqual(x12ProfileFor(sets("945", "856", "940"), loaded), { key: "wms/x12-3pl" });
		assert.deepEqual(x12ProfileFor(sets("945", "940"), loaded), { key: "wms/x12-3pl" });
	});

	test("a tie without the 3PL profile names the candidates; a set nobody reads names what each profile maps", () => {
		const tie = x12ProfileFor(sets("214", "940"), loaded);
		assert.ok("problem" in tie);
		assert.match(tie.problem.detail, /X12 214 1, 940 2 read, and profiles erp\/x12-erp, lastmile\/x12-carrier could each map it; name one with --profile/);
		const none = x12ProfileFor(sets("997"), loaded);
		assert.ok("problem" in none);
		assert.equal(none.problem.detail, "X12 997 1 read, but no X12 profile maps 997 inbound (erp/x12-erp maps 940; wms/x12-3pl maps 945, 856, 944, 947; lastmile/x12-carrier maps 214, 990, 210); no canonical events");
	});

	test("the shipped profiles: a 945 still goes to wms/x12-3pl without --profile, and a 947 with it", async () => {
		assert.equal(accepted(await convert(readFileSync(fileURLToPath(new URL("../fixtures/cli/945-shipping-advice.edi", import.meta.url)), "utf8"))).profile, "wms/x12-3pl");
		assert.equal(accepted(await convert(fixture("947-adjustments.edi"))).profile, "wms/x12-3pl");
	});
});

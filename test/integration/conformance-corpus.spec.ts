import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CORPUS = fileURLToPath(new URL("../../../shared/conformance/", import.meta.url));
const skip = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS}`;

interface Result {
	file: string;
	accepted: boolean;
	events?: Array<{ type: string; subject: string }>;
	rejectedSets?: Array<{ set: string; controlNumber: string; problem: { detail: string; where?: { segment?: string; element?: string } } }>;
	problem?: { detail: string; where?: { segment?: string; element?: string } };
}

/** MANIFEST.md's negative cases, and documents that are broken as shipped (x12.spec.ts pins the 204's miscount). */
const REJECTED: Record<string, RegExp> = {
	"x12/940_edi-engine_failed_SE01.edi": /SE01 says 12 segments but transaction 940 20066 has 9/,
	"x12/204_edinet_mgctlyst.edi": /SE01 says 41 segments but transaction 204 178780001 has 38/,
	"edifact/IFCSUM_D01B_EAN003_edinet.edi": /UNT declares 787 segments but 27 are present/,
};

/** Positive documents a shipped profile or mapping reads: accepted, with the events they carry. */
const ACCEPTED: Record<string, string[]> = {
	"erp/shopify_order_get_response.json": ["erp.order.released"],
	"erp/shopify_fulfillment_create_response.json": ["erp.fulfillment.reported"],
	"erp/shopify_fulfillment_order_get_response.json": ["erp.fulfillment.reported"],
	"erp/shopify_fulfillment_event_get_response.json": ["erp.fulfillment.reported"],
	"lastmile/easypost_tracker_retrieve_response.json": ["lastmile.eta.updated"],
	"lastmile/easypost_webhook_tracker-updated_in-transit_fedex.json": ["lastmile.job.dispatched"],
	"lastmile/easypost_webhook_tracker-updated_delivered_ups.json": ["lastmile.delivered"],
	"edifact/IFTSTA_D01B_EAN004_iftstaparser-gs1-sample.txt": ["lastmile.delivered", "lastmile.job.dispatched", "lastmile.delay.detected", "lastmile.attempt.failed"],
	"x12/940_edi-engine_ok.edi": ["erp.order.released"],
	"x12/940_edi-engine_2_ok.edi": ["erp.order.released"],
	"x12/940_edi-engine_multi-group_acktest.edi": ["erp.order.released"],
	"x12/856_edi-engine_crossdock.edi": ["wms.shipment.manifested"],
	"x12/856_x12-types_004060.edi": ["wms.shipment.manifested"],
	"x12/214_staedi_ellipsis-segment-terminator.edi": ["lastmile.eta.updated", "lastmile.job.dispatched"],
	"x12/990_edinet_mgctlyst.edi": ["lastmile.job.accepted"],
	"x12/210_staedi_wrapped-80-char-lines.edi": ["lastmile.freight.invoiced"],
	// A partner's verdict on a group it received: read as the acknowledgement facts, whatever the partner.
	"x12/997_staedi_simple.edi": ["waybill.edi.ack-rejected"],
};

describe("waybill conformance on the shared corpus", { skip }, () => {
	let report: { files: number; accepted: number; rejected: number; results: Result[] };
	const result = (file: string) => report.results.find((r) => r.file === file);

	before(async () => {
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile(process.execPath, ["--import", "tsx", "bin/cli.ts", "conformance", CORPUS, "--json"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, out) => (error ? reject(error) : resolve(out)));
		});
		report = JSON.parse(stdout.trim().split("\n").at(-1)!);
	});

	test("every corpus file is classified here, MANIFEST.md is not a document, and the counts add up", () => {
		const classified = new Set([...Object.keys(REJECTED), ...Object.keys(ACCEPTED), "lastmile/easypost_webhook_event_minimal.json"]);
		assert.deepEqual(report.results.map((r) => r.file).sort(), [...classified].sort());
		assert.equal(report.files, report.accepted + report.rejected);
	});

	for (const [file, reason] of Object.entries(REJECTED)) {
		test(`${file} is rejected with a reason naming the miscount`, () => {
			assert.equal(result(file)?.accepted, false);
			assert.match(result(file)!.problem!.detail, reason);
		});
	}

	test("the negative 940 names segment SE, element SE01 and its position", () => {
		assert.deepEqual(result("x12/940_edi-engine_failed_SE01.edi")!.problem!.where, { segment: "SE", element: "SE01", position: 11, controlNumbers: { interchange: "000009221", group: "9221", transaction: "20066" } });
	});

	for (const [file, types] of Object.entries(ACCEPTED)) {
		test(`${file} is accepted with at least one event`, () => {
			const r = result(file)!;
			assert.equal(r.accepted, true, r.problem?.detail);
			assert.ok(r.events!.length > 0);
			for (const type of types) assert.ok(r.events!.some((e) => e.type === type), `no ${type}`);
		});
	}

	test("the multi-group 940 releases its two good sets and refuses set 20067 alone, naming segment N9 and element N901", () => {
		const r = result("x12/940_edi-engine_multi-group_acktest.edi")!;
		assert.deepEqual(r.events?.map((e) => [e.type, e.subject]), [["erp.order.released", "35131"], ["erp.order.released", "35131"]]);
		assert.deepEqual(r.rejectedSets?.map((s) => [s.set, s.controlNumber, s.problem.where?.segment, s.problem.where?.element]), [["940", "20067", "N9", "N901"]]);
		assert.match(r.rejectedSets![0]!.problem.detail, /N9 in LX 1: N901 reference qualifier is required/);
	});

	test("the cross-dock 856 is one manifested shipment per store order", () => {
		assert.deepEqual(result("x12/856_edi-engine_crossdock.edi")?.events?.map((e) => e.subject), ["POREF00", "POREF01"]);
	});

	test("the lean EasyPost Event without a result is accepted and yields no event: nothing to report, nothing invented", () => {
		assert.deepEqual([result("lastmile/easypost_webhook_event_minimal.json")?.accepted, result("lastmile/easypost_webhook_event_minimal.json")?.events], [true, []]);
	});

});

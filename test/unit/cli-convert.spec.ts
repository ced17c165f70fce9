import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The CLI as a user runs it: a child process, its stdout, stderr and exit code. */
function waybill(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		execFile(process.execPath, ["--import", "tsx", "bin/cli.ts", ...args], { cwd: ROOT }, (error, stdout, stderr) => {
			resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
		});
	});
}

const lines = (stdout: string) => stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; subject: string; time: string; data: Record<string, unknown>; mappingVersion: string });

describe("waybill convert <file>", () => {
	test("an X12 945 is detected by its ISA and printed as one manifested shipment per line, exit 0", async () => {
		const { code, stdout, stderr } = await waybill("convert", fixture("cli/945-shipping-advice.edi"));
		assert.equal(code, 0, stderr);
		const facts = lines(stdout);
		assert.deepEqual(facts.map((f) => [f.type, f.subject, f.mappingVersion]), [["wms.shipment.manifested", "SO-1001", "x12-3pl@1.3.0"]]);
		assert.equal(facts[0]!.data.trackingNumber, "1Z999AA10123456784");
		assert.deepEqual(facts[0]!.data.lines, [{ lineNo: 1, sku: "SKU-1", qty: 12 }, { lineNo: 2, sku: "SKU-2", qty: 3 }]);
	});

	test("an X12 whose SE01 miscounts is refused with problem+json on stderr naming SE01, its position and transaction, exit 1", async () => {
		const { code, stdout, stderr } = await waybill("convert", fixture("cli/945-wrong-se01-count.edi"));
		assert.equal(code, 1);
		assert.equal(stdout, "");
		const problem = JSON.parse(stderr.trim());
		assert.equal(problem.status, 422);
		assert.equal(problem.type, "https://waybill.dev/problems/envelope-invalid");
		assert.match(problem.detail, /SE01 says 15 segments but transaction 945 0001 has 13/);
		assert.deepEqual(problem.where, { segment: "SE", element: "SE01", position: 15, controlNumbers: { interchange: "000000007", group: "7", transaction: "0001" } });
	});

	test("an EDIFACT DESADV is detected by its UNA and mapped by the 3PL's EDIFACT profile, the one that reads DESADV", async () => {
		const { code, stdout, stderr } = await waybill("convert", fixture("edifact/DESADV_D96A_EAN005_waybill-mixed-pallet.edi"));
		assert.equal(code, 0, stderr);
		assert.deepEqual(lines(stdout).map((f) => [f.type, f.subject, f.mappingVersion]), [["wms.shipment.manifested", "SO-1001", "edifact-3pl@1.0.0"]]);
	});

	test("an EDIFACT IFTSTA goes to the carrier's EDIFACT profile; offline, a consignment without an order reference is named by its consignment number", async () => {
		const { code, stdout, stderr } = await waybill("convert", fixture("edifact/IFTSTA_D01B_EAN004_waybill-carrier-report.edi"));
		assert.equal(code, 0, stderr);
		assert.deepEqual(lines(stdout).map((f) => [f.type, f.subject, f.mappingVersion]), [
			["lastmile.out-for-delivery", "SO-1001", "edifact-carrier@1.0.0"],
			["lastmile.delivered", "SO-1001", "edifact-carrier@1.0.0"],
			["lastmile.attempt.failed", "FF7788124", "edifact-carrier@1.0.0"],
			["lastmile.job.dispatched", "SO-1003", "edifact-carrier@1.0.0"],
		]);
	});

	test("an EDIFACT profile named with --profile that maps none of the messages is a refusal naming the UNH; a miscounted UNT is named with its segment", async () => {
		const wrong = await waybill("convert", fixture("edifact/DESADV_D96A_EAN005_waybill-mixed-pallet.edi"), "--profile", "edifact-carrier");
		assert.equal(wrong.code, 1);
		const problem = JSON.parse(wrong.stderr.trim());
		assert.match(problem.detail, /EDIFACT DESADV 1 read, but profile lastmile\/edifact-carrier maps only IFTSTA inbound/);
		assert.deepEqual(problem.where, { segment: "UNH", controlNumbers: { message: "1" } });
		const dir = mkdtempSync(join(tmpdir(), "waybill-cli-"));
		writeFileSync(join(dir, "cut.edi"), "UNH+1+IFTSTA:D:01B:UN:EAN004'BGM+44+R1+9'UNT+9+1'");
		const cut = await waybill("convert", join(dir, "cut.edi"));
		rmSync(dir, { recursive: true });
		assert.equal(cut.code, 1);
		const envelope = JSON.parse(cut.stderr.trim());
		assert.equal(envelope.type, "https://waybill.dev/problems/envelope-invalid");
		assert.match(envelope.detail, /UNT declares 9 segments but 3 are present \(segment UNT\)/);
		assert.deepEqual(envelope.where, { segment: "UNT", controlNumbers: { message: "1" } });
	});

	test("an EasyPost Event is recognised by its shape; offline, its subject is the tracking code, marked as such", async () => {
		const { code, stdout, stderr } = await waybill("convert", fixture("cli/easypost-tracker-out-for-delivery.json"));
		assert.equal(code, 0, stderr);
		assert.deepEqual(lines(stdout).map((f) => [f.type, f.subject, f.time, f.mappingVersion]), [["lastmile.out-for-delivery", "tracking:9400100000000000000001", "2026-03-05T08:45:00Z", "easypost@1.1.0"]]);
	});

	test("an Onfleet webhook is recognised by its triggerName and maps to a delivery", async () => {
		const { code, stdout, stderr } = await waybill("convert", fixture("cli/onfleet-task-completed.json"));
		assert.equal(code, 0, stderr);
		const [fact, ...rest] = lines(stdout);
		assert.deepEqual([fact!.type, fact!.subject, rest.length], ["lastmile.delivered", "SO-1001", 0]);
		assert.equal((fact!.data.proofOfDelivery as { recipientName: string }).recipientName, "Ada Lovelace");
	});

	test("--profile takes a bare profile name or system/profile; one that does not read the format is a refusal", async () => {
		assert.equal((await waybill("convert", fixture("cli/onfleet-task-completed.json"), "--profile", "onfleet")).code, 0);
		assert.equal((await waybill("convert", fixture("cli/onfleet-task-completed.json"), "--profile", "lastmile/onfleet")).code, 0);
		const wrong = await waybill("convert", fixture("cli/945-shipping-advice.edi"), "--profile", "easypost");
		assert.equal(wrong.code, 1);
		assert.match(JSON.parse(wrong.stderr.trim()).detail, /profile lastmile\/easypost reads JSON, but the document is X12/);
	});

	test("a file that is none of X12, EDIFACT or JSON, or JSON no profile recognises, is refused with the reason, exit 1", async () => {
		const text = await waybill("convert", fixture("cli/README.md"));
		assert.equal(text.code, 1);
		assert.equal(JSON.parse(text.stderr.trim()).title, "Format not recognised");
		const dir = mkdtempSync(join(tmpdir(), "waybill-cli-"));
		writeFileSync(join(dir, "unknown.json"), JSON.stringify({ hello: "world" }));
		const json = await waybill("convert", join(dir, "unknown.json"));
		rmSync(dir, { recursive: true });
		assert.equal(json.code, 1);
		assert.match(JSON.parse(json.stderr.trim()).detail, /JSON object with keys hello matches no inbound profile/);
	});

	test("usage errors exit 2: no file, an unknown profile, an unknown option", async () => {
		assert.equal((await waybill("convert")).code, 2);
		assert.equal((await waybill("convert", fixture("cli/945-shipping-advice.edi"), "--profile", "nope")).code, 2);
		assert.equal((await waybill("convert", fixture("cli/945-shipping-advice.edi"), "--fast")).code, 2);
	});

	test("the older form convert <system> <partner> <file> still prints one object through the partner's profile", async () => {
		const { code, stdout, stderr } = await waybill("convert", "lastmile", "onfleet", fixture("cli/onfleet-task-completed.json"));
		assert.equal(code, 0, stderr);
		const out = JSON.parse(stdout) as { mappingVersion: string; facts: Array<{ type: string }> };
		assert.deepEqual(out.facts.map((f) => f.type), ["lastmile.delivered"]);
	});
});

describe("waybill conformance <dir>", () => {
	test("prints ACCEPT or REJECT per file, a summary, and with --json one object last; exit 0 whatever the verdicts", async () => {
		const { code, stdout, stderr } = await waybill("conformance", fixture("cli"), "--json");
		assert.equal(code, 0, stderr);
		const out = stdout.trim().split("\n");
		assert.deepEqual(out.slice(0, -1), [
			"ACCEPT 945-shipping-advice.edi 1 event",
			"REJECT 945-wrong-se01-count.edi: X12 envelope does not add up: SE01 says 15 segments but transaction 945 0001 has 13 (ST to SE inclusive) (segment SE at position 15)",
			"ACCEPT easypost-tracker-out-for-delivery.json 1 event",
			"ACCEPT onfleet-task-completed.json 1 event",
			"4 files: 3 accepted, 1 rejected",
		]);
		const report = JSON.parse(out.at(-1)!);
		assert.deepEqual([report.files, report.accepted, report.rejected], [4, 3, 1]);
		assert.deepEqual(report.results.map((r: { file: string; accepted: boolean }) => [r.file, r.accepted]), [
			["945-shipping-advice.edi", true], ["945-wrong-se01-count.edi", false], ["easypost-tracker-out-for-delivery.json", true], ["onfleet-task-completed.json", true],
		]);
		assert.equal(report.results[1].problem.where.element, "SE01");
	});
});

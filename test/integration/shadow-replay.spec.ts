import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHarness, type Harness } from "../helpers/platform-harness.ts";
import { eventually } from "../helpers/poll.ts";
import { releaseOrder, testOrder } from "../helpers/orders.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LIVE = join(ROOT, "mappings/wms/x12-3pl");

/** A copy of the live X12 profile under a new version, with one expression changed. */
function candidate(change: (dir: string) => void): string {
	const dir = mkdtempSync(join(tmpdir(), "waybill-shadow-"));
	cpSync(LIVE, dir, { recursive: true });
	const profile = JSON.parse(readFileSync(join(dir, "profile.json"), "utf8")) as { version: string };
	writeFileSync(join(dir, "profile.json"), JSON.stringify({ ...profile, version: "x12-3pl@9.0.0-rc1" }));
	change(dir);
	return dir;
}

/** Every file of the profile folder, as the CLI sends them. */
const filesOf = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));

describe("shadow replay of a candidate mapping over recorded partner messages (embedded)", () => {
	let h: Harness;
	let carrierFromScac: string;
	before(async () => {
		h = await startHarness({ mode: "embedded" });
		for (const id of ["SO-SHADOW-1", "SO-SHADOW-2"]) assert.equal((await releaseOrder(h, { ...testOrder(id, 2), warehouse: "WH2" })).status, 202);
		await eventually("both orders invoiced", async () => (await h.client.call<{ invoiced: number }>("saga.stats")).invoiced === 2, 60_000);
		carrierFromScac = candidate((dir) => {
			const file = join(dir, "shipping-advice.jsonata");
			const text = readFileSync(file, "utf8");
			assert.ok(text.includes("$d.carrier.routing ? $d.carrier.routing : $d.carrier.scac"), "the live 945 mapping names the carrier by its routing");
			writeFileSync(file, text.replace("$d.carrier.routing ? $d.carrier.routing : $d.carrier.scac", "$d.carrier.scac"));
		});
	});
	after(async () => h?.stop());

	const post = (body: unknown) => fetch(`${h.gatewayUrl}/ops/mappings/shadow`, { method: "POST", headers: { "content-type": "application/json", ...h.auth }, body: JSON.stringify(body) });

	it("diffs field by field: only the carrier of each 945 changes, and nothing is published", async () => {
		const ledgerBefore = (await h.client.call<{ entries: number }>("ledger.stats")).entries;
		const response = await post({ system: "wms", partner: "edi-3pl", files: filesOf(carrierFromScac) });
		assert.equal(response.status, 200);
		const report = (await response.json()) as { messages: number; changed: number; unchanged: number; liveVersion: string; candidateVersion: string; results: Array<{ diffs: Array<{ path: string; live: unknown; candidate: unknown }> }> };
		assert.equal(report.candidateVersion, "x12-3pl@9.0.0-rc1");
		assert.match(report.liveVersion, /^x12-3pl@/);
		assert.ok(report.messages >= 4, `the two orders' 945s and 856s at least (${report.messages})`);
		assert.equal(report.changed, 2, "one 945 per order");
		for (const result of report.results) assert.deepEqual(result.diffs.map((d) => [d.path, d.live, d.candidate]), [["[0].data.carrier", "WAYBILL-LASTMILE", "WBLM"]]);
		await new Promise((r) => setTimeout(r, 300));
		assert.equal((await h.client.call<{ entries: number }>("ledger.stats")).entries, ledgerBefore, "a shadow run writes nothing");
	});

	it("reports a candidate identical to the live mapping as unchanged everywhere", async () => {
		const same = candidate(() => undefined);
		const report = (await (await post({ system: "wms", partner: "edi-3pl", files: filesOf(same) })).json()) as { messages: number; changed: number; unchanged: number };
		assert.deepEqual([report.changed, report.unchanged], [0, report.messages]);
	});

	it("refuses a candidate that does not compile with 422 naming the file, and one for another profile", async () => {
		const broken = candidate((dir) => writeFileSync(join(dir, "shipping-advice.jsonata"), "{ \"type\": "));
		const refused = await post({ system: "wms", partner: "edi-3pl", files: filesOf(broken) });
		assert.equal(refused.status, 422);
		assert.match(((await refused.json()) as { detail: string }).detail, /shipping-advice\.jsonata|JSONata does not compile/);
		const other = await post({ system: "wms", partner: "acme-3pl", files: filesOf(carrierFromScac) });
		assert.equal(other.status, 422);
		assert.match(((await other.json()) as { detail: string }).detail, /acme-3pl runs wms\/generic-3pl/);
	});

	it("the CLI prints the same diff from the gateway", async () => {
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile(process.execPath, ["--import", "tsx", "bin/cli.ts", "shadow", "--candidate", carrierFromScac, "--system", "wms", "--partner", "edi-3pl", "--url", h.gatewayUrl], { cwd: ROOT, env: { ...process.env, WAYBILL_API_KEY: h.apiKey } }, (error, out) => (error ? reject(error) : resolve(out)));
		});
		assert.equal(stdout.split("\n").filter((l) => l.startsWith("CHANGED ")).length, 2);
		assert.match(stdout, /\[0\]\.data\.carrier: "WAYBILL-LASTMILE" -> "WBLM"/);
		assert.match(stdout, /messages of edi-3pl: \d+ unchanged, 2 changed \(live x12-3pl@[\d.]+, candidate x12-3pl@9\.0\.0-rc1\)/);
	});
});

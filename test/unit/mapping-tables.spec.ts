import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isConfigurationInvalid } from "../../canonical/index.ts";
import { loadProfile } from "../../services/mapper/mapping-profile.ts";
import { mapInbound, mapResponse, renderCommand } from "../../services/mapper/canonical-mapper.ts";
import { ProfileReloader } from "../../services/mapper/profile-reloader.ts";

const roots: string[] = [];
after(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const SEVERITY = { "$comment": "partner severity codes", P1: "urgent", P2: "normal", P9: null };
const PROFILE = {
	system: "lastmile", profile: "tabled", version: "tabled@1.0.0", format: "json",
	tables: { severity: "severity.json", depot: "depot.json" },
	inbound: { route: "$lookup($tables.severity, code) ? 'known' : 'unknown'", routes: { known: "known.jsonata" } },
	outbound: {
		"lastmile.delivery-job.create": { method: "POST", path: "'/depots/' & $tables.depot.id & '/jobs'", body: "job.out.jsonata", fact: { type: "lastmile.job.accepted", data: "accepted.jsonata" } },
	},
};
const FILES: Record<string, string> = {
	"severity.json": JSON.stringify(SEVERITY),
	"depot.json": JSON.stringify({ id: "D-7", hours: { opens: "08:00", closes: "18:00" } }),
	"known.jsonata": `{ "type": "lastmile.delay.detected", "subject": order, "time": at, "data": { "orderId": order, "partnerRef": ref, "reason": $lookup($tables.severity, code) } }`,
	"job.out.jsonata": `{ "ref": deliveryJobId, "depot": $tables.depot.id, "opens": $tables.depot.hours.opens }`,
	"accepted.jsonata": `{ "orderId": command.orderId, "partnerRef": response.id & "@" & $tables.depot.id }`,
};

/** A profile folder under a fresh mappings root: <root>/lastmile/tabled. */
function profileDir(files: Record<string, string> = FILES, profile: object = PROFILE): { root: string; dir: string } {
	const root = mkdtempSync(join(tmpdir(), "waybill-tables-"));
	roots.push(root);
	const dir = join(root, "lastmile", "tabled");
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, "profile.json"), JSON.stringify(profile));
	for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
	return { root, dir };
}

function refusal(dir: string): { setting: string; reason: string } {
	try {
		loadProfile(dir);
	} catch (e: unknown) {
		assert.ok(isConfigurationInvalid(e), (e as Error).message);
		return e.data as { setting: string; reason: string };
	}
	return assert.fail("the profile loaded");
}

const event = (code: string) => JSON.stringify({ code, order: "SO-1", ref: "T-1", at: "2024-03-05T10:00:00Z" });

describe("mapping profiles carry code tables", () => {
	test("a table is loaded with its profile, its '$' comments dropped, and bound as $tables in inbound routes and mappings", async () => {
		const profile = loadProfile(profileDir().dir);
		assert.deepEqual(profile.tables.severity, { P1: "urgent", P2: "normal", P9: null });
		const facts = await mapInbound(profile, event("P1"));
		assert.deepEqual(facts.map((f) => [f.type, (f.data as { reason: string }).reason]), [["lastmile.delay.detected", "urgent"]]);
		assert.deepEqual(await mapInbound(profile, event("P9")), [], "a code the table maps to null routes nowhere");
		assert.deepEqual(await mapInbound(profile, event("P5")), [], "neither does a code it lacks");
	});

	test("outbound paths, bodies and response facts see the same $tables", async () => {
		const profile = loadProfile(profileDir().dir);
		const request = await renderCommand(profile, "lastmile.delivery-job.create", { orderId: "SO-1", deliveryJobId: "DJ-1" });
		assert.deepEqual(request, { method: "POST", path: "/depots/D-7/jobs", body: { ref: "DJ-1", depot: "D-7", opens: "08:00" } });
		const fact = await mapResponse(profile, "lastmile.delivery-job.create", { orderId: "SO-1" }, { id: "T-9" });
		assert.deepEqual(fact, { type: "lastmile.job.accepted", data: { orderId: "SO-1", partnerRef: "T-9@D-7" } });
	});

	test("two copies of a profile that differ only in a table map the same event differently", async () => {
		const other = loadProfile(profileDir({ ...FILES, "severity.json": JSON.stringify({ P1: "low", P2: "normal" }) }).dir);
		const facts = await mapInbound(other, event("P1"));
		assert.equal((facts[0]!.data as { reason: string }).reason, "low");
	});

	test("a profile without tables binds an empty $tables", async () => {
		const plain = { ...PROFILE, tables: undefined };
		const profile = loadProfile(profileDir({ ...FILES, "known.jsonata": `{ "type": "lastmile.delay.detected", "subject": order, "time": at, "data": { "orderId": order, "partnerRef": $count($keys($tables)) = 0 ? "none" : "some" } }` }, { ...plain, inbound: { route: "'known'", routes: { known: "known.jsonata" } }, outbound: {} }).dir);
		assert.deepEqual(profile.tables, {});
		assert.equal((((await mapInbound(profile, event("P1")))[0]!.data) as { partnerRef: string }).partnerRef, "none");
	});

	const broken: Array<[string, Record<string, string>, object, RegExp]> = [
		["its file is missing", { ...FILES, "severity.json": "" }, { ...PROFILE, tables: { severity: "nowhere.json" } }, /table 'severity' file is missing/],
		["it is not JSON", { ...FILES, "severity.json": "{ P1: urgent }" }, PROFILE, /table 'severity' is not JSON/],
		["it is a list, not an object of codes", { ...FILES, "severity.json": "[\"P1\"]" }, PROFILE, /table 'severity' must be a JSON object of code to meaning/],
		["a value nests deeper than one record", { ...FILES, "severity.json": JSON.stringify({ P1: { text: { en: "urgent" } } }) }, PROFILE, /code 'P1': a value is a string, number, boolean, null or a flat object/],
		["its name is not a JSONata name", FILES, { ...PROFILE, tables: { "at7-status": "severity.json" } }, /'tables\.at7-status' key fails to match/],
		["its file lies outside the profile folder", FILES, { ...PROFILE, tables: { severity: "../severity.json" } }, /'tables\.severity' field fails to match/],
	];
	for (const [why, files, profile, reason] of broken) {
		test(`a table is refused at load time, naming it, when ${why}`, () => {
			const found = refusal(profileDir(files, profile).dir);
			assert.match(`${found.setting} ${found.reason}`, reason);
		});
	}

	test("a changed table is picked up by the reloader; a broken one is refused and the live table stays", () => {
		const { root, dir } = profileDir();
		const reloader = new ProfileReloader(root, { info() {}, error() {} });
		writeFileSync(join(dir, "severity.json"), JSON.stringify({ P1: "critical" }));
		reloader.check();
		assert.equal(reloader.profiles().get("lastmile/tabled")?.tables.severity?.P1, "critical");
		writeFileSync(join(dir, "severity.json"), "not json");
		const status = reloader.check();
		assert.match(status.refused?.error ?? "", /table 'severity' is not JSON/);
		assert.equal(reloader.profiles().get("lastmile/tabled")?.tables.severity?.P1, "critical");
	});
});

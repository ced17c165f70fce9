import { after, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { loadPolicies } from "../../config/policy-registry.ts";
import { PolicyReloader, policiesReloadMs } from "../../config/policy-reloader.ts";

type Json = Record<string, any>;
const DEFAULT_FILE = fileURLToPath(new URL("../../config/policies.json", import.meta.url));
const defaults = (): Json => JSON.parse(readFileSync(DEFAULT_FILE, "utf8"));
const dir = mkdtempSync(join(tmpdir(), "waybill-policies-"));
let written = 0;
const write = (policies: Json, name = `policies-${++written}.json`) => {
	const file = join(dir, name);
	writeFileSync(file, JSON.stringify(policies, null, "\t"));
	return file;
};
/** The default policies with one change applied. */
const withChange = (change: (p: Json) => void) => {
	const p = defaults();
	change(p);
	return write(p);
};
const refusal = (pattern: RegExp) => (e: { type?: string; message?: string }) => {
	assert.equal(e.type, "CONFIGURATION_INVALID");
	assert.match(e.message ?? "", pattern);
	return true;
};

after(() => rmSync(dir, { recursive: true, force: true }));

describe("the default policies", () => {
	const policies = loadPolicies();

	it("load from config/policies.json, versioned by the file's sha256", () => {
		const digest = createHash("sha256").update(readFileSync(DEFAULT_FILE)).digest("hex");
		assert.equal(policies.version, digest.slice(0, 12));
		assert.ok(!Number.isNaN(Date.parse(policies.loadedAt)));
	});

	it("route every order to WH1 then WH2 and onfleet, by the partners the registry knows", () => {
		assert.deepEqual(loadPolicies(DEFAULT_FILE, loadPartnerRegistry()).route({ country: "FR" }), { warehouses: ["WH1", "WH2"], lastmile: "onfleet" });
		assert.deepEqual(policies.route({ country: "NL", serviceLevel: "express" }).warehouses, ["WH1", "WH2"]);
	});

	it("give durations in milliseconds and a same-day cut-off to standard orders", () => {
		assert.deepEqual(policies.reattempt(), { maxAttempts: 2, windowMs: 2 * 24 * 3600_000 });
		assert.deepEqual(policies.shortage({ country: "DE" }), { action: "backorder", reallocate: true });
		assert.deepEqual(policies.sla({ serviceLevel: "standard" }), {
			timeZone: "Europe/Amsterdam",
			cutoff: "15:00",
			dispatch: { sameDayBy: "20:00" },
			atRiskLeadMs: 2 * 3600_000,
			freshnessMs: 6 * 3600_000,
			exceptionResolutionMs: 24 * 3600_000,
		});
		assert.deepEqual(policies.sla({ serviceLevel: "express" }), {
			timeZone: "Europe/Amsterdam",
			dispatch: { withinMs: 4 * 3600_000 },
			atRiskLeadMs: 3600_000,
			freshnessMs: 2 * 3600_000,
			exceptionResolutionMs: 4 * 3600_000,
		});
		assert.deepEqual(policies.returns(), { credit: "on-receipt" });
	});

	it("decide warehouse exceptions by code, and hold an unknown code as critical", () => {
		assert.deepEqual(policies.warehouseException("damaged-stock"), { action: "short", severity: "warning" });
		assert.deepEqual(policies.warehouseException("carrier-no-show", { country: "NL" }), { action: "delay", severity: "warning" });
		assert.deepEqual(policies.warehouseException("wave-blocked"), { action: "delay", severity: "warning" });
		assert.deepEqual(policies.warehouseException("forklift-on-fire"), { action: "hold", severity: "critical" });
	});

	it("include demo policies a short demo can meet and miss (express within 5 s, which a blocked wave misses)", () => {
		const demo = loadPolicies(fileURLToPath(new URL("../../config/policies.demo.json", import.meta.url)), loadPartnerRegistry());
		assert.deepEqual([demo.sla({ serviceLevel: "express" }).dispatch, demo.sla({ serviceLevel: "express" }).atRiskLeadMs], [{ withinMs: 5_000 }, 2_000]);
		assert.deepEqual([demo.sla().dispatch, demo.sla().atRiskLeadMs, demo.sla().freshnessMs, demo.sla().exceptionResolutionMs], [{ withinMs: 40_000 }, 15_000, 30_000, 60_000]);
		assert.deepEqual(demo.reattempt(), { maxAttempts: 2, windowMs: 600_000 });
		assert.deepEqual([demo.route({ serviceLevel: "express", country: "DE" }).lastmile, demo.route({ serviceLevel: "standard", country: "DE" }).lastmile], ["rapid-courier", "onfleet"]);
	});

	it("come from POLICIES_FILE when it is set", () => {
		const file = withChange((p) => (p.returns[0].credit = "none"));
		process.env.POLICIES_FILE = file;
		try {
			assert.equal(loadPolicies().returns().credit, "none");
		} finally {
			delete process.env.POLICIES_FILE;
		}
	});
});

describe("policy rules", () => {
	const policies = loadPolicies(
		withChange((p) => {
			p.routing = [
				{ match: { country: "nl", serviceLevel: "express" }, warehouses: ["WH2"], lastmile: "onfleet" },
				{ match: { country: ["NL", "BE"] }, warehouses: ["WH1", "WH2"], lastmile: "onfleet" },
				{ match: { region: "eu-north", partner: "shopify" }, warehouses: ["WH2", "WH1"], lastmile: "easypost" },
				{ match: {}, warehouses: ["WH1"], lastmile: "easypost" },
			];
			p.reattempt.unshift({ match: { region: "remote" }, maxAttempts: 1, window: "PT12H" });
			p.shortage.unshift({ match: { partner: "shopify" }, action: "cancel", reallocate: false });
			p.warehouseExceptions.unshift({ match: { code: "damaged-stock", country: "BE" }, action: "hold", severity: "critical" });
			p.returns.unshift({ match: { serviceLevel: "b2b" }, credit: "none" });
		}),
	);

	it("take the first rule that matches, ignoring case, with a list matching any of its values", () => {
		assert.deepEqual(policies.route({ country: "NL", serviceLevel: "EXPRESS" }).warehouses, ["WH2"]);
		assert.deepEqual(policies.route({ country: "BE", serviceLevel: "express" }).warehouses, ["WH1", "WH2"]);
		assert.deepEqual(policies.route({ country: "be" }).warehouses, ["WH1", "WH2"]);
	});

	it("match only when every key of the rule matches, and a key the order lacks does not", () => {
		assert.equal(policies.route({ region: "eu-north", partner: "shopify" }).lastmile, "easypost");
		assert.deepEqual(policies.route({ region: "eu-north", partner: "shopify" }).warehouses, ["WH2", "WH1"]);
		assert.deepEqual(policies.route({ region: "eu-north" }).warehouses, ["WH1"], "the catch-all");
		assert.deepEqual(policies.route({ serviceLevel: "express" }).warehouses, ["WH1"], "no country: the express-NL rule does not match");
	});

	it("choose per section, each with its own catch-all", () => {
		assert.deepEqual(policies.reattempt({ region: "remote" }), { maxAttempts: 1, windowMs: 12 * 3600_000 });
		assert.equal(policies.reattempt({ region: "city" }).maxAttempts, 2);
		assert.deepEqual(policies.shortage({ partner: "shopify" }), { action: "cancel", reallocate: false });
		assert.equal(policies.shortage({ partner: "api" }).action, "backorder");
		assert.equal(policies.warehouseException("damaged-stock", { country: "BE" }).action, "hold");
		assert.equal(policies.warehouseException("damaged-stock", { country: "NL" }).action, "short");
		assert.equal(policies.returns({ serviceLevel: "b2b" }).credit, "none");
		assert.equal(policies.returns({ serviceLevel: "standard" }).credit, "on-receipt");
	});

	it("are immutable once loaded", () => {
		assert.throws(() => (policies.route({}).warehouses as string[]).push("WH9"), TypeError);
	});
});

describe("a policies file that does not validate is refused, naming the file, the rule and the field", () => {
	const cases: Array<[string, (p: Json) => void, RegExp]> = [
		["a section without a catch-all", (p) => p.routing.pop(), /routing\[1\]\.match: the last rule must be a catch-all/],
		["a catch-all before the last rule", (p) => p.shortage.unshift({ match: {}, action: "cancel", reallocate: false }), /shortage\[0\]\.match: a catch-all before the last rule makes shortage\[1\.\.1\] unreachable/],
		["a missing section", (p) => delete p.returns, /returns: is required/],
		["an empty section", (p) => (p.returns = []), /returns: .*at least 1/],
		["an unknown section", (p) => (p.pricing = []), /\(top level\): unknown key 'pricing'/],
		["an unknown key in a rule", (p) => (p.reattempt[0].maxAttempt = 3), /reattempt\[0\]: unknown key 'maxAttempt'/],
		["a match key the section does not know", (p) => (p.routing[0].match.code = "x"), /routing\[0\]\.match: unknown key 'code'/],
		["an empty match list", (p) => (p.routing[0].match.country = []), /routing\[0\]\.match\.country: must be a non-empty string or a non-empty list/],
		["an unknown time zone", (p) => (p.sla[1].timeZone = "Europe/Amsterdan"), /sla\[1\]\.timeZone: must be an IANA time zone.*'Europe\/Amsterdan'/],
		["a bare UTC offset for a zone", (p) => (p.sla[1].timeZone = "+01:00"), /sla\[1\]\.timeZone: must be an IANA time zone/],
		["a duration that is not ISO-8601", (p) => (p.sla[0].freshness = "2 hours"), /sla\[0\]\.freshness: must be a positive ISO-8601 duration.*'2 hours'/],
		["a duration in months", (p) => (p.reattempt[0].window = "P1M"), /reattempt\[0\]\.window: must be a positive ISO-8601 duration/],
		["a zero duration", (p) => (p.sla[0].atRiskLead = "PT0S"), /sla\[0\]\.atRiskLead: must be a positive/],
		["a clock time past 23:59", (p) => (p.sla[1].cutoff = "24:00"), /sla\[1\]\.cutoff: must be a local time HH:MM.*'24:00'/],
		["a clock time without minutes", (p) => (p.sla[1].dispatch.sameDayBy = "8pm"), /sla\[1\]\.dispatch\.sameDayBy: must be a local time HH:MM/],
		["both dispatch targets", (p) => (p.sla[1].dispatch.within = "PT4H"), /sla\[1\]\.dispatch: must name exactly one of sameDayBy/],
		["no dispatch target", (p) => (p.sla[0].dispatch = {}), /sla\[0\]\.dispatch: must name exactly one/],
		["an unknown dispatch key", (p) => (p.sla[0].dispatch = { withinHours: 4 }), /sla\[0\]\.dispatch: unknown key 'withinHours'/],
		["sameDayBy without a cut-off", (p) => delete p.sla[1].cutoff, /sla\[1\]\.cutoff: is required with dispatch\.sameDayBy/],
		["a cut-off with within", (p) => (p.sla[0].cutoff = "15:00"), /sla\[0\]\.cutoff: only applies to dispatch\.sameDayBy/],
		["sameDayBy before the cut-off", (p) => (p.sla[1].dispatch.sameDayBy = "14:00"), /sla\[1\]\.dispatch\.sameDayBy: must be later than the cut-off 15:00/],
		["an at-risk lead as long as the target", (p) => (p.sla[0].atRiskLead = "PT4H"), /sla\[0\]\.atRiskLead: must be shorter than dispatch\.within \(PT4H\)/],
		["zero attempts", (p) => (p.reattempt[0].maxAttempts = 0), /reattempt\[0\]\.maxAttempts: .*greater than or equal to 1/],
		["a fractional attempt count", (p) => (p.reattempt[0].maxAttempts = 1.5), /reattempt\[0\]\.maxAttempts: .*integer/],
		["no warehouse", (p) => (p.routing[2].warehouses = []), /routing\[2\]\.warehouses: .*at least 1/],
		["an unknown shortage action", (p) => (p.shortage[0].action = "refund"), /shortage\[0\]\.action: .*backorder, cancel/],
		["a non-boolean reallocate", (p) => (p.shortage[0].reallocate = "yes"), /shortage\[0\]\.reallocate: .*boolean/],
		["an unknown exception severity", (p) => (p.warehouseExceptions[3].severity = "fatal"), /warehouseExceptions\[3\]\.severity: .*info, warning, critical/],
		["an unknown credit rule", (p) => (p.returns[0].credit = "on-dispatch"), /returns\[0\]\.credit: .*on-receipt, none/],
	];
	for (const [what, change, pattern] of cases) {
		it(`refuses ${what}`, () => {
			const file = withChange(change);
			assert.throws(() => loadPolicies(file), refusal(new RegExp(`'${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}' is invalid: .*${pattern.source}`)));
		});
	}

	it("names every problem, not just the first", () => {
		const file = withChange((p) => {
			p.sla[1].timeZone = "Mars/Olympus";
			p.returns[0].credit = "maybe";
		});
		assert.throws(() => loadPolicies(file), refusal(/sla\[1\]\.timeZone: .*; returns\[0\]\.credit: /));
	});

	it("refuses routing to a partner the partner registry does not know, when given the registry", () => {
		const file = withChange((p) => {
			p.routing[0].lastmile = "onflet";
			p.routing[1].warehouses = ["WH1", "WH7"];
		});
		assert.doesNotThrow(() => loadPolicies(file), "without the registry only the shape is checked");
		assert.throws(() => loadPolicies(file, loadPartnerRegistry()), refusal(/routing\[0\]\.lastmile: 'onflet' is not a last-mile partner.*routing\[1\]\.warehouses\[1\]: 'WH7' is run by no WMS partner/s));
	});

	it("refuses a file that is not JSON, or is not there", () => {
		const file = join(dir, "broken.json");
		writeFileSync(file, "{ \"routing\": [");
		assert.throws(() => loadPolicies(file), refusal(/broken\.json' is invalid: not JSON/));
		assert.throws(() => loadPolicies(join(dir, "absent.json")), refusal(/absent\.json' is invalid: cannot read the policies/));
	});
});

describe("policies reloaded from their file without a restart", () => {
	const logged: Array<[string, string, unknown]> = [];
	const log = { info: (msg: string, data?: unknown) => logged.push(["info", msg, data]), error: (msg: string, data?: unknown) => logged.push(["error", msg, data]) };
	const file = write(defaults(), "live.json");
	const reloader = new PolicyReloader({ file, everyMs: 0, log });
	const rewrite = (change: (p: Json) => void) => {
		const p = JSON.parse(readFileSync(file, "utf8"));
		change(p);
		writeFileSync(file, JSON.stringify(p, null, "\t"));
	};

	it("changes nothing while the file is unchanged", () => {
		const before = reloader.status();
		assert.deepEqual(reloader.check(), before);
		assert.deepEqual(logged, []);
	});

	it("takes a valid change live under its new version", () => {
		const before = reloader.status().version;
		rewrite((p) => (p.reattempt[0].maxAttempts = 3));
		const status = reloader.check();
		assert.notEqual(status.version, before);
		assert.equal(status.refused, undefined);
		assert.equal(reloader.current().reattempt().maxAttempts, 3);
		assert.deepEqual(logged.splice(0), [["info", "policies reloaded", { file, version: status.version }]]);
	});

	it("refuses a bad change, says why, and keeps the previous policies in force", () => {
		const live = reloader.current();
		rewrite((p) => (p.sla[1].timeZone = "Europe/Atlantis"));
		const status = reloader.check();
		assert.equal(reloader.current(), live);
		assert.equal(status.version, live.version);
		assert.match(status.refused?.error ?? "", /sla\[1\]\.timeZone: must be an IANA time zone/);
		assert.equal(reloader.current().reattempt().maxAttempts, 3);
		assert.deepEqual(logged.splice(0).map(([level, msg]) => [level, msg]), [["error", "policy change refused; the previous policies stay in force"]]);

		reloader.check();
		assert.deepEqual(logged, [], "the same refused file is not refused again on every poll");
	});

	it("loads the file once it is fixed, and forgets the refusal", () => {
		rewrite((p) => (p.sla[1].timeZone = "Europe/Brussels"));
		const status = reloader.check();
		assert.equal(status.refused, undefined);
		assert.equal(reloader.current().sla().timeZone, "Europe/Brussels");
		assert.deepEqual(logged.splice(0).map(([level, msg]) => [level, msg]), [["info", "policies reloaded"]]);
	});

	it("keeps the live policies while the file cannot be read, and says so once", () => {
		const live = reloader.current();
		rmSync(file);
		reloader.check();
		reloader.check();
		assert.equal(reloader.current(), live);
		assert.deepEqual(logged.splice(0).map(([level, msg]) => [level, msg]), [["error", "cannot read the policies file; the live policies stay in force"]]);
	});
});

describe("the policy reloader's schedule", () => {
	const quiet = { info: () => undefined, error: () => undefined };

	it("polls every POLICIES_RELOAD_MS once started, and not after it stops", () => {
		mock.timers.enable({ apis: ["setInterval"] });
		try {
			const file = write(defaults());
			const reloader = new PolicyReloader({ file, everyMs: 2000, log: quiet });
			reloader.start();
			writeFileSync(file, JSON.stringify({ ...defaults(), returns: [{ match: {}, credit: "none" }] }));
			mock.timers.tick(1999);
			assert.equal(reloader.current().returns().credit, "on-receipt");
			mock.timers.tick(1);
			assert.equal(reloader.current().returns().credit, "none");
			reloader.stop();
			writeFileSync(file, JSON.stringify(defaults()));
			mock.timers.tick(10_000);
			assert.equal(reloader.current().returns().credit, "none");
		} finally {
			mock.timers.reset();
		}
	});

	it("refuses to start on a file that does not validate", () => {
		const file = withChange((p) => p.sla.pop());
		assert.throws(() => new PolicyReloader({ file, everyMs: 0, log: quiet }), refusal(/sla\[0\]\.match: the last rule must be a catch-all/));
	});

	it("reads its period from POLICIES_RELOAD_MS: 2000 by default, 0 to never poll", () => {
		assert.equal(policiesReloadMs({}), 2000);
		assert.equal(policiesReloadMs({ POLICIES_RELOAD_MS: "0" }), 0);
		assert.equal(policiesReloadMs({ POLICIES_RELOAD_MS: "500" }), 500);
		assert.throws(() => policiesReloadMs({ POLICIES_RELOAD_MS: "2s" }), refusal(/POLICIES_RELOAD_MS/));
	});
});

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProfileReloader } from "../../services/mapper/profile-reloader.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";

const quiet = { info: () => undefined, error: () => undefined };
const allocated = JSON.stringify({ eventId: "evt_1", eventType: "order.allocated", occurredAt: "2026-11-26T10:00:00Z", order: { id: "wo_1", externalRef: "FO-1", orderRef: "SO-1", warehouse: "WH1" }, lines: [] });

describe("mapping profiles reloaded from their directory without a restart", () => {
	let dir: string;
	let reloader: ProfileReloader;
	const profileFile = () => join(dir, "wms", "generic-3pl", "profile.json");
	const setVersion = (version: string) => {
		const profile = JSON.parse(readFileSync(profileFile(), "utf8")) as { version: string };
		writeFileSync(profileFile(), JSON.stringify({ ...profile, version }));
	};
	const live = () => reloader.profiles().get("wms/generic-3pl")!;

	before(() => {
		dir = mkdtempSync(join(tmpdir(), "waybill-mappings-"));
		cpSync(new URL("../../mappings", import.meta.url), dir, { recursive: true });
		reloader = new ProfileReloader(dir, quiet);
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	it("changes nothing when nothing changed", () => {
		const before = reloader.reloadStatus();
		assert.deepEqual(reloader.check(), before);
	});

	it("takes a changed profile live, stamped with its new version", async () => {
		setVersion("generic-3pl@1.1.0");
		const status = reloader.check();
		assert.ok(status.profiles.some((p) => p.key === "wms/generic-3pl" && p.version === "generic-3pl@1.1.0"));
		assert.equal(live().version, "generic-3pl@1.1.0");
		assert.equal((await mapInbound(live(), allocated))[0]!.type, "wms.fulfillment.allocated");
	});

	it("refuses a change that does not load, says why, and keeps the previous profiles live", async () => {
		const mapping = join(dir, "wms", "generic-3pl", "allocated.jsonata");
		const good = readFileSync(mapping, "utf8");
		writeFileSync(mapping, "{ \"type\": ");
		setVersion("generic-3pl@1.2.0");
		const status = reloader.check();
		assert.match(status.refused?.error ?? "", /allocated\.jsonata.*JSONata does not compile/);
		assert.equal(live().version, "generic-3pl@1.1.0", "the previous version stays in force");
		assert.equal((await mapInbound(live(), allocated))[0]!.subject, "SO-1");

		writeFileSync(mapping, good);
		const fixed = reloader.check();
		assert.equal(live().version, "generic-3pl@1.2.0");
		assert.equal(fixed.refused?.digest === fixed.digest, false);
	});
});

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ERROR_TYPES, LASTMILE_COMMANDS, WMS_COMMANDS, assertValidMessage, type Envelope } from "../../canonical/index.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { loadProfiles } from "../../services/mapper/mapping-profile.ts";
import { mapResponse, renderCommand } from "../../services/mapper/canonical-mapper.ts";
import { BatchPartners } from "../../services/batch/partner-sender.ts";
import { MasterDataBook } from "../../services/batch/masterdata/masterdata-book.ts";
import { submitMasterData } from "../../services/batch/masterdata/masterdata-intake.ts";
import { deliverChunk } from "../../services/batch/masterdata/masterdata-delivery.ts";
import { LastMileSimulator, WmsSimulator } from "../../simulators/index.ts";
import { customerRecords, productRecords } from "../helpers/batch-data.ts";
import { rejected } from "../helpers/fixtures.ts";

const profiles = loadProfiles(fileURLToPath(new URL("../../mappings", import.meta.url)));
const registry = loadPartnerRegistry();
/** The mapper's actions, in-process: what the batch service asks of it. */
async function mapper<T>(action: string, params: unknown): Promise<T> {
	const { system, partner, type, data, idempotencyKey, response } = params as { system: string; partner: string; type: string; data: unknown; idempotencyKey?: string; response?: unknown };
	const profile = profiles.get(`${system}/${registry.find(system, partner).profile}`)!;
	if (action === "mapper.outboundTypes") return [...profile.outbound.keys()] as T;
	if (action === "mapper.render") return (await renderCommand(profile, type, data, idempotencyKey)) as T;
	return ((await mapResponse(profile, type, data, response)) ?? null) as T;
}

describe("master data: intake on the batch lane, delivery to each partner", () => {
	const wms = new WmsSimulator({ secret: "s", stepDelayMs: 0 });
	const onfleet = new LastMileSimulator({ secret: "s", stepDelayMs: 0 });
	const rapid = new LastMileSimulator({ secret: "r", stepDelayMs: 0, partnerId: "rapid-courier" });
	const store = new MemoryStore(`md-${Math.random()}`);
	const book = new MasterDataBook(store);
	const partners = new BatchPartners(registry, mapper, { timeoutMs: 5_000, bulkhead: 2 });
	const published: Envelope[] = [];
	const deps = { book, partners, recordsPerChunk: 200, maxRecordsPerCall: 1_000, publish: async (_c: string, e: Envelope) => (published.push(e), { duplicate: false, seq: published.length }) };

	before(async () => {
		process.env.WMS_URL = (await wms.start()).url;
		process.env.LASTMILE_URL = (await onfleet.start()).url;
		process.env.LASTMILE_RAPID_URL = (await rapid.start()).url;
		process.env.WMS_X12_URL = "http://127.0.0.1:9";
		process.env.LASTMILE_X12_URL = "http://127.0.0.1:9";
	});
	after(() => Promise.all([wms.stop(), onfleet.stop(), rapid.stop()]));

	test("splits a part into keyed chunks for every partner whose profile maps the kind, and names those it skips", async () => {
		published.length = 0;
		const accepted = await submitMasterData(deps, { kind: "customers", batchId: "C-1", records: customerRecords(450) });
		assert.deepEqual(accepted, { batchId: "C-1", kind: "customers", part: 1, records: 450, chunks: 3, destinations: ["onfleet", "rapid-courier"], unsupported: ["edi-carrier"], repeated: false });
		assert.deepEqual(published.map((e) => [e.type, e.partner, e.idempotencykey, (e.data as { records: unknown[] }).records.length]), [
			[LASTMILE_COMMANDS.UPSERT_RECIPIENTS, "onfleet", "masterdata:C-1:1:1:onfleet", 200],
			[LASTMILE_COMMANDS.UPSERT_RECIPIENTS, "onfleet", "masterdata:C-1:1:2:onfleet", 200],
			[LASTMILE_COMMANDS.UPSERT_RECIPIENTS, "onfleet", "masterdata:C-1:1:3:onfleet", 50],
			[LASTMILE_COMMANDS.UPSERT_RECIPIENTS, "rapid-courier", "masterdata:C-1:1:1:rapid-courier", 200],
			[LASTMILE_COMMANDS.UPSERT_RECIPIENTS, "rapid-courier", "masterdata:C-1:1:2:rapid-courier", 200],
			[LASTMILE_COMMANDS.UPSERT_RECIPIENTS, "rapid-courier", "masterdata:C-1:1:3:rapid-courier", 50],
		]);
		for (const e of published) assertValidMessage(e);
	});

	test("delivers each chunk once to its partner, however often it is redelivered, and reports the batch complete", async () => {
		for (const e of [...published, ...published]) await deliverChunk({ book, partners, registry }, e);
		assert.deepEqual([onfleet.stats().recipients, rapid.stats().recipients], [{ batches: 3, records: 450, unique: 450, repeats: 0 }, { batches: 3, records: 450, unique: 450, repeats: 0 }]);
		assert.deepEqual(await book.status("C-1"), {
			batchId: "C-1", kind: "customers", parts: 1, records: 450, complete: true,
			destinations: [{ partner: "onfleet", chunks: 3, chunksDelivered: 3, recordsDelivered: 450 }, { partner: "rapid-courier", chunks: 3, chunksDelivered: 3, recordsDelivered: 450 }],
		});
	});

	test("refuses a part with a bad record, naming it: dangerous goods without their UN number", async () => {
		const records = productRecords(20);
		delete records[9]!.unNumber;
		const error = await rejected(() => submitMasterData(deps, { kind: "products", batchId: "P-BAD", records }));
		assert.equal(error.type, ERROR_TYPES.SCHEMA_INVALID);
		assert.match(JSON.stringify(error.data), /\[9\]\.unNumber/);
	});

	test("recognises a repeated part, and refuses other records under a part number or another kind under a batch id", async () => {
		published.length = 0;
		const records = productRecords(300, "SKU-R");
		assert.equal((await submitMasterData(deps, { kind: "products", batchId: "P-1", records })).repeated, false);
		const again = await submitMasterData(deps, { kind: "products", batchId: "P-1", records });
		assert.deepEqual([again.repeated, again.destinations, new Set(published.map((e) => e.id)).size], [true, ["acme-3pl"], 2]);
		assert.equal(published[0]!.type, WMS_COMMANDS.UPSERT_ITEMS);
		assert.equal((await rejected(() => submitMasterData(deps, { kind: "products", batchId: "P-1", records: productRecords(300, "SKU-X") }))).type, ERROR_TYPES.IDEMPOTENCY_CONFLICT);
		assert.equal((await rejected(() => submitMasterData(deps, { kind: "customers", batchId: "P-1", part: 2, records: customerRecords(5) }))).type, ERROR_TYPES.IDEMPOTENCY_CONFLICT);
		assert.equal((await rejected(() => submitMasterData(deps, { kind: "products", batchId: "P-2", records: productRecords(1_001) }))).type, ERROR_TYPES.SCHEMA_INVALID);
	});
});

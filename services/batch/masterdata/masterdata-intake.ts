import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
	CHANNELS, ConfigurationInvalidError, IdempotencyConflictError, SchemaInvalidError, LASTMILE_COMMANDS, MASTER_DATA_VERSION, WMS_COMMANDS, assertMatches, createEnvelope,
	customerRecordSchema, newTraceparent, productListSchema, type ChannelName, type Envelope, type MasterDataKind, type PartnerSystem,
} from "../../../canonical/index.ts";
import type { PublishResult } from "../../../mixins/streams/stream-bus.ts";
import type { BatchPartners } from "../partner-sender.ts";
import type { MasterDataBook, PartRecord } from "./masterdata-book.ts";

/** Built once: the validator compiles a schema per object. */
const customerListSchema = { $$root: true, type: "array", min: 1, items: customerRecordSchema } as const;

/** Where each kind of master data goes, as which command, checked by which schema (PRODUCT.md: item master to warehouses, recipients to last mile). */
export const MASTER_DATA_ROUTES: Record<MasterDataKind, { system: PartnerSystem; type: string; schema: object }> = {
	products: { system: "wms", type: WMS_COMMANDS.UPSERT_ITEMS, schema: productListSchema },
	customers: { system: "lastmile", type: LASTMILE_COMMANDS.UPSERT_RECIPIENTS, schema: customerListSchema },
};

export interface MasterDataIntakeDeps {
	book: MasterDataBook;
	partners: BatchPartners;
	recordsPerChunk: number;
	maxRecordsPerCall: number;
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
}

export interface MasterDataSubmission {
	kind: MasterDataKind;
	batchId: string;
	part?: number;
	records: unknown[];
}

export interface MasterDataAccepted {
	batchId: string;
	kind: MasterDataKind;
	part: number;
	records: number;
	chunks: number;
	/** Partners the part goes to, one chunk message each per chunk. */
	destinations: string[];
	/** Partners of the system with no mapping for this kind (nothing is sent to them). */
	unsupported: string[];
	/** The same part was submitted before: nothing new was split, its chunks were sent again (each partner books a chunk once). */
	repeated: boolean;
}

const digestOf = (records: unknown[]) => createHash("sha256").update(JSON.stringify(records)).digest("hex");

/**
 * Takes one part of a master-data batch (up to MASTERDATA_MAX_RECORDS_PER_CALL records; a larger
 * batch comes in parts): every record is checked against its schema first (one bad record refuses
 * the part, naming it), then the part is split into chunks and put on the batch lane, one message
 * per chunk and destination, keyed by batch, part, chunk and partner. Resolves once every chunk is
 * stored; delivery happens on the lane, behind operational work. A repeat of a part is
 * recognised by its digest; the same part number with other records is refused.
 */
export async function submitMasterData(deps: MasterDataIntakeDeps, submission: MasterDataSubmission): Promise<MasterDataAccepted> {
	const { kind, batchId, records } = submission;
	const part = submission.part ?? 1;
	const route = MASTER_DATA_ROUTES[kind];
	if (records.length > deps.maxRecordsPerCall) throw new SchemaInvalidError(`${kind} records`, [{ field: "records", message: `at most ${deps.maxRecordsPerCall} records per call; send a larger batch in parts` }]);
	assertMatches(`${kind} records`, route.schema, records);
	const claimedKind = await deps.book.claimKind(batchId, kind);
	if (claimedKind !== kind) throw new IdempotencyConflictError(`masterdata:${batchId} (a batch of ${claimedKind})`);
	const { to, unsupported } = await deps.partners.destinations(route.system, route.type);
	if (to.length === 0) throw new ConfigurationInvalidError(`partners (${route.system})`, `no ${route.system} partner with a URL renders '${route.type}'; add it to the partner's mapping profile`);
	const chunks: unknown[][] = [];
	for (let i = 0; i < records.length; i += deps.recordsPerChunk) chunks.push(records.slice(i, i + deps.recordsPerChunk));
	const proposed: PartRecord = { kind, part, records: records.length, chunks: chunks.length, destinations: to.map((e) => e.partner), digest: digestOf(records), at: new Date().toISOString() };
	const { claimed, record } = await deps.book.claimPart(batchId, proposed);
	if (!claimed && record.digest !== proposed.digest) throw new IdempotencyConflictError(`masterdata:${batchId}:${part}`);
	// A batch is one trace: its chunks, their deliveries, their ledger entries.
	const traceparent = newTraceparent();
	for (const partner of record.destinations) {
		for (const [i, chunk] of chunks.entries()) {
			await deps.publish(CHANNELS.BATCH_MASTERDATA, chunkCommand(route.type, partner, batchId, part, i + 1, chunks.length, chunk, traceparent));
			// Splitting 20,000 records is CPU work too: let operational messages through between chunks.
			await nextTurn();
		}
	}
	return { batchId, kind, part, records: records.length, chunks: chunks.length, destinations: record.destinations, unsupported, repeated: !claimed };
}

function chunkCommand(type: string, partner: string, batchId: string, part: number, chunk: number, chunks: number, records: unknown[], traceparent: string): Envelope {
	return createEnvelope({
		type,
		source: "waybill/batch",
		// Spread over the lane's partitions: chunks are independent (a record is in one chunk).
		subject: `masterdata:${batchId}:${part}:${chunk}`,
		correlationId: `masterdata:${batchId}`,
		data: { batchId, part, chunk, chunks, records },
		schemaVersion: MASTER_DATA_VERSION,
		idempotencyKey: `masterdata:${batchId}:${part}:${chunk}:${partner}`,
		partner,
		traceparent,
	});
}

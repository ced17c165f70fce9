import type { Envelope, MasterDataChunk, PartnerSystem } from "../../../canonical/index.ts";
import type { PartnerRegistry } from "../../../config/partner-registry.ts";
import { hopTraceparent } from "../../../mixins/tracing/hop-span.ts";
import type { BatchPartners } from "../partner-sender.ts";
import type { MasterDataBook } from "./masterdata-book.ts";

export interface MasterDataDeliveryDeps {
	book: MasterDataBook;
	partners: BatchPartners;
	registry: PartnerRegistry;
}

/**
 * Sends one chunk to the partner it names, with its key (the partner upserts a chunk once
 * however often it is sent), and records it delivered. A failure is retried by the lane's
 * redelivery, held while the partner's circuit is open.
 */
export async function deliverChunk(deps: MasterDataDeliveryDeps, command: Envelope): Promise<void> {
	const chunk = command.data as MasterDataChunk<unknown>;
	const system = command.type.split(".")[0] as PartnerSystem;
	const entry = command.partner ? deps.registry.find(system, command.partner) : deps.registry.defaultFor(system);
	await deps.partners.send(entry, command.type, chunk, command.idempotencykey, hopTraceparent(command.traceparent));
	await deps.book.delivered(chunk.batchId, entry.partner, chunk.part, chunk.chunk, chunk.records.length);
}

import type { MasterDataKind } from "../../../canonical/index.ts";
import type { Store } from "../../../mixins/store/store.ts";

/** One submitted part of a batch: what was split, for whom, and a digest to recognise a repeat. */
export interface PartRecord {
	kind: MasterDataKind;
	part: number;
	records: number;
	chunks: number;
	/** Partners it was split for: one chunk message each per chunk. */
	destinations: string[];
	digest: string;
	at: string;
}

export interface DestinationStatus {
	partner: string;
	chunks: number;
	chunksDelivered: number;
	recordsDelivered: number;
}

export interface BatchStatus {
	batchId: string;
	kind: MasterDataKind;
	parts: number;
	records: number;
	destinations: DestinationStatus[];
	/** Every chunk of every part reached every destination. */
	complete: boolean;
}

const batchKey = (batchId: string) => `masterdata:batch:${batchId}`;
const partKey = (batchId: string, part: number) => `masterdata:part:${batchId}:${part}`;
const partsKey = (batchId: string) => `masterdata:parts:${batchId}`;
const deliveredKey = (batchId: string, partner: string) => `masterdata:delivered:${batchId}:${partner}`;

/**
 * The master-data batches in the store: each batch's kind, its parts as submitted, and per
 * partner the chunks it took (a set: a chunk delivered twice counts once).
 */
export class MasterDataBook {
	constructor(private readonly store: Store) {}

	/** The batch's kind, claimed by its first part; a later part of another kind gets the first's back. */
	async claimKind(batchId: string, kind: MasterDataKind): Promise<MasterDataKind> {
		if (await this.store.setIfAbsent(batchKey(batchId), { kind })) return kind;
		return (await this.store.get<{ kind: MasterDataKind }>(batchKey(batchId)))!.kind;
	}

	/** Registers a part once; the part as first registered when it already was. */
	async claimPart(batchId: string, record: PartRecord): Promise<{ claimed: boolean; record: PartRecord }> {
		if (await this.store.setIfAbsent(partKey(batchId, record.part), record)) {
			await this.store.indexAdd(partsKey(batchId), String(record.part), record.part);
			return { claimed: true, record };
		}
		return { claimed: false, record: (await this.store.get<PartRecord>(partKey(batchId, record.part)))! };
	}

	/** Idempotent: the member names part, chunk and its record count. */
	delivered(batchId: string, partner: string, part: number, chunk: number, records: number): Promise<void> {
		return this.store.indexAdd(deliveredKey(batchId, partner), `${part}:${chunk}:${records}`, Date.now());
	}

	async status(batchId: string): Promise<BatchStatus | undefined> {
		const batch = await this.store.get<{ kind: MasterDataKind }>(batchKey(batchId));
		if (!batch) return undefined;
		const partNumbers = (await this.store.indexRange(partsKey(batchId), -Infinity, Infinity)).map(Number);
		const parts = (await this.store.getMany<PartRecord>(partNumbers.map((p) => partKey(batchId, p)))).filter((p): p is PartRecord => p !== undefined);
		const partners = [...new Set(parts.flatMap((p) => p.destinations))];
		const destinations = await Promise.all(
			partners.map(async (partner) => {
				const members = await this.store.indexRange(deliveredKey(batchId, partner), -Infinity, Infinity);
				return {
					partner,
					chunks: parts.filter((p) => p.destinations.includes(partner)).reduce((n, p) => n + p.chunks, 0),
					chunksDelivered: members.length,
					recordsDelivered: members.reduce((n, m) => n + Number(m.split(":")[2]), 0),
				};
			}),
		);
		return {
			batchId,
			kind: batch.kind,
			parts: parts.length,
			records: parts.reduce((n, p) => n + p.records, 0),
			destinations,
			complete: parts.length > 0 && destinations.every((d) => d.chunksDelivered >= d.chunks),
		};
	}
}

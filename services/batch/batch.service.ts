import type { Context, ServiceSettingSchema } from "moleculer";
import { BATCH_COMMANDS, CHANNELS, GROUPS, NotFoundError, settlementDayOf, type ChannelName, type Envelope, type MasterDataKind, type SettlementSummary } from "../../canonical/index.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { batchSettingsFromEnv, type BatchSettings } from "./batch-settings.ts";
import { BatchPartners } from "./partner-sender.ts";
import { SettlementBook } from "./settlement/settlement-book.ts";
import { runSettlement, type SettlementRunResult } from "./settlement/settlement-run.ts";
import { postChunk } from "./settlement/settlement-post.ts";
import { reconcileDay } from "./settlement/settlement-reconcile.ts";
import { DailySettlement, daysToSettle } from "./settlement/daily-settlement.ts";
import { MasterDataBook } from "./masterdata/masterdata-book.ts";
import { submitMasterData, type MasterDataSubmission } from "./masterdata/masterdata-intake.ts";
import { deliverChunk } from "./masterdata/masterdata-delivery.ts";
import { masterDataParams, runSettlementParams, settlementStatus, settlementStatusParams } from "./batch-actions.ts";

interface BatchVars {
	settings: BatchSettings;
	registry: PartnerRegistry;
	partners: BatchPartners;
	daily?: DailySettlement;
}
type BatchMethods = DurableStreamsMethods & StoreMethods & {
	settlementBook(): SettlementBook;
	masterDataBook(): MasterDataBook;
	settle(day: string, cutoff: Date, options?: { reconcileWhenSettled?: boolean; cause?: Envelope }): Promise<SettlementRunResult>;
};

/**
 * The batch lanes: the daily settlement to the ERP (reconciled against the ledger) and the master
 * data sync (products to the warehouses' item masters, customers to the last-mile platforms'
 * recipients). Their work rides streams and consumer groups of their own and yields to
 * operational work (mixins/streams/lane-gate.ts); every partner call is keyed, so nothing is
 * booked or upserted twice. Its own pod: scaling it never touches the order path.
 */
const BatchServiceSchema: StreamingServiceSchema<ServiceSettingSchema, BatchMethods, BatchVars> = {
	name: "batch",
	mixins: [StoreMixin(), DurableStreamsMixin()],

	streams: {
		/** Journals each money fact (invoice, credit note, freight bill) as it happens; idempotent. Its own group on `events`: never in the saga's way. */
		journal: {
			channel: CHANNELS.EVENTS,
			group: GROUPS.SETTLEMENT,
			async handler(envelope, delivery) {
				await this.settlementBook().journal(envelope, delivery.storedAt);
			},
		},
		/** Settlement chunks to the ERP (booked once per day and chunk), then the day's reconciliation. A batch lane. */
		settlement: {
			channel: CHANNELS.BATCH_SETTLEMENT,
			group: GROUPS.BATCH,
			maxAttempts: 60,
			async handler(envelope, delivery) {
				const book = this.settlementBook();
				const publish = (c: ChannelName, e: Envelope) => this.publishMessage(c, e);
				if (envelope.type !== BATCH_COMMANDS.RECONCILE_SETTLEMENT) return postChunk({ book, partners: this.partners, erp: () => this.registry.defaultFor("erp"), publish }, envelope);
				await reconcileDay({
					book,
					publish,
					timeZone: this.settings.timeZone,
					reconcileWaitMs: this.settings.reconcileWaitMs,
					ledgerTotals: (window) => this.broker.call<SettlementSummary, typeof window>("ledger.settlementTotals", window),
					settle: (day, cutoff, cause) => this.settle(day, cutoff, { reconcileWhenSettled: false, cause }),
				}, envelope, delivery);
			},
		},
		/** Master-data chunks to the partner each names (upserted once per chunk). A batch lane. */
		masterData: {
			channel: CHANNELS.BATCH_MASTERDATA,
			group: GROUPS.BATCH,
			maxAttempts: 60,
			async handler(envelope) {
				await deliverChunk({ book: this.masterDataBook(), partners: this.partners, registry: this.registry }, envelope);
			},
		},
	},

	actions: {
		/** Settles a day now (default: yesterday in SETTLEMENT_TIME_ZONE): posts only what no earlier run posted, then reconciles. Idempotent. */
		runSettlement: {
			params: runSettlementParams,
			handler(ctx: Context<{ day?: string }>) {
				const day = ctx.params.day ?? daysToSettle(Date.now(), this.settings.timeZone, 1)[0]!;
				return this.settle(day, new Date());
			},
		},
		/** A day's chunks, what the ERP booked of each, and its last reconciliation. */
		settlementStatus: {
			params: settlementStatusParams,
			async handler(ctx: Context<{ day?: string }>) {
				const day = ctx.params.day ?? settlementDayOf(Date.now(), this.settings.timeZone);
				return settlementStatus(this.settlementBook(), day, await this.daily?.next());
			},
		},
		/** Takes one part of a product or customer batch, checked record by record, and puts it on the batch lane in chunks. Idempotent per batch and part. */
		syncMasterData: {
			params: masterDataParams,
			handler(ctx: Context<MasterDataSubmission>) {
				const { recordsPerChunk, maxRecordsPerCall } = this.settings;
				return submitMasterData({ book: this.masterDataBook(), partners: this.partners, recordsPerChunk, maxRecordsPerCall, publish: (c, e) => this.publishMessage(c, e) }, ctx.params);
			},
		},
		/** How far a master-data batch got: per partner, chunks and records delivered. */
		masterDataStatus: {
			params: { batchId: { type: "string", min: 1, max: 64 } },
			async handler(ctx: Context<{ batchId: string; kind?: MasterDataKind }>) {
				const status = await this.masterDataBook().status(ctx.params.batchId);
				if (!status) throw new NotFoundError("master-data batch", ctx.params.batchId);
				return status;
			},
		},
		/** How the batch lanes yield in this process: work in flight and waiting, the operational backlog last read, how often they paused. */
		lanes: {
			handler() {
				return this.laneGateState() ?? null;
			},
		},
	},

	methods: {
		settlementBook() {
			return new SettlementBook(this.store());
		},
		masterDataBook() {
			return new MasterDataBook(this.store());
		},
		settle(day, cutoff, options = {}) {
			const { itemsPerChunk, timeZone } = this.settings;
			return runSettlement({ book: this.settlementBook(), itemsPerChunk, timeZone, publish: (c, e) => this.publishMessage(c, e) }, day, cutoff, options);
		},
	},

	created() {
		this.settings = batchSettingsFromEnv();
		this.registry = loadPartnerRegistry();
		this.partners = new BatchPartners(this.registry, (action, params) => this.broker.call(action, params as object), { timeoutMs: this.settings.partnerTimeoutMs, bulkhead: this.settings.partnerBulkhead });
	},
	async started() {
		this.daily = new DailySettlement(this.store(), this.settings, (day) => this.settle(day, new Date()), (error) =>
			this.logger.error("daily settlement failed; it runs again after its lease", { error: (error as Error).message }),
		);
		await this.daily.start();
	},
	async stopped() {
		await this.daily?.stop();
	},
};

export default BatchServiceSchema;

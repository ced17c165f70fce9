import type { Context, ServiceSettingSchema } from "moleculer";
import { CHANNELS, GROUPS, NotFoundError, SchemaInvalidError, type ChannelName, type Envelope } from "../../canonical/index.ts";
import type { Delivery } from "../../mixins/streams/stream-bus.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamDefinition, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { LedgerStore } from "./ledger.store.ts";
import { causalTrace } from "./lineage.ts";
import { ledgerQuerySchema, runQuery, type LedgerQueryParams } from "./ledger-query.ts";
import { LedgerSettlements } from "./ledger-settlements.ts";

interface LedgerVars {
	ledger: LedgerStore;
	settlements: LedgerSettlements;
}
type LedgerMethods = DurableStreamsMethods & StoreMethods;
type LedgerThis = ThisParameterType<StreamDefinition["handler"]> & LedgerVars;

/**
 * Every durable channel is recorded: nothing that moves through Waybill bypasses the ledger. The
 * batch lanes' consumers yield to operational work (lane-gate.ts), so a large batch is recorded
 * as room allows, behind the orders.
 */
const RECORDED: ChannelName[] = [
	CHANNELS.INBOUND, CHANNELS.EVENTS, CHANNELS.ERP_COMMANDS, CHANNELS.WMS_COMMANDS, CHANNELS.LASTMILE_COMMANDS, CHANNELS.DEAD_LETTERS, CHANNELS.NOTIFICATIONS,
	CHANNELS.BATCH_SETTLEMENT, CHANNELS.BATCH_MASTERDATA,
];

const streams = Object.fromEntries(
	RECORDED.map((channel) => [
		channel,
		{
			channel,
			group: GROUPS.LEDGER,
			async handler(this: LedgerThis, envelope: Envelope, delivery: Delivery) {
				await this.ledger.append(channel, envelope, delivery.storedAt);
				// Money facts keep their amounts beside the entry: what settlement is reconciled against.
				if (channel === CHANNELS.EVENTS) await this.settlements.record(envelope, delivery.storedAt);
			},
		},
	]),
);

/**
 * The audit ledger: an append-only, hash-chained record of every inbound message, canonical fact,
 * outbound command, status change and dead letter, with correlation and causation ids.
 */
const LedgerServiceSchema: StreamingServiceSchema<ServiceSettingSchema, LedgerMethods, LedgerVars> = {
	name: "ledger",
	mixins: [StoreMixin(), DurableStreamsMixin()],
	streams,

	actions: {
		/** Entries recorded so far. */
		stats: {
			async handler() {
				return { entries: await this.ledger.size(), byKind: await this.ledger.countsByKind() };
			},
		},
		/** Every entry of one correlation id (an order), in ledger order. */
		byCorrelation: {
			params: { correlationId: { type: "string", min: 1, max: 256 } },
			handler(ctx: Context<{ correlationId: string }>) {
				return this.ledger.byCorrelation(ctx.params.correlationId);
			},
		},
		/** Every message of one correlation id (an order's is its id) in causal order, with producer, partner, mapping version and time per hop. */
		trace: {
			params: { correlationId: { type: "string", min: 1, max: 256, optional: true }, orderId: { type: "string", min: 1, max: 256, optional: true } },
			async handler(ctx: Context<{ correlationId?: string; orderId?: string }>) {
				const id = ctx.params.correlationId ?? ctx.params.orderId;
				if (!id) throw new SchemaInvalidError("trace request", [{ field: "correlationId", message: "name a correlation id (or an order id)" }]);
				const hops = causalTrace(await this.ledger.byCorrelation(id));
				if (hops.length === 0) throw new NotFoundError("trace", id);
				return { correlationId: id, orderId: id, messages: hops.length, hops };
			},
		},
		/** Entries newest first, by correlation id, partner and recorded time (ISO `from`, `to`), at most `limit` (100, up to 1000). */
		query: {
			params: ledgerQuerySchema,
			handler(ctx: Context<LedgerQueryParams>) {
				return runQuery(this.ledger, ctx.params);
			},
		},
		/** Count and sum per kind and currency of the money facts posted in [from, to) and stored by `storedTo` (ISO times): the ledger's side of a settlement reconciliation. */
		settlementTotals: {
			params: { from: { type: "string", min: 10, max: 64 }, to: { type: "string", min: 10, max: 64 }, storedTo: { type: "string", min: 10, max: 64 } },
			handler(ctx: Context<{ from: string; to: string; storedTo: string }>) {
				const [from, to, storedTo] = [ctx.params.from, ctx.params.to, ctx.params.storedTo].map((t) => Date.parse(t));
				if ([from, to, storedTo].some((t) => Number.isNaN(t))) throw new SchemaInvalidError("settlement totals", [{ field: "from", message: "from, to and storedTo must be ISO 8601 times" }]);
				return this.settlements.totals(from!, to!, storedTo!);
			},
		},
		/** Walks the hash chain; `ok: false` names the first entry altered, removed or reordered. */
		verify: {
			handler() {
				return this.ledger.verify();
			},
		},
	},

	started() {
		this.ledger = new LedgerStore(this.store());
		this.settlements = new LedgerSettlements(this.store());
	},
};

export default LedgerServiceSchema;

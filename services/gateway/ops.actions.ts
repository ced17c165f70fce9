import type { Context } from "moleculer";
import { SchemaInvalidError, exceptionFilterSchema } from "../../canonical/index.ts";
import type { PartnerRegistry } from "../../config/partner-registry.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { StreamBus } from "../../mixins/streams/stream-bus.ts";
import { listDeadLetters, replayDeadLetters, type DeadLetterFilter } from "./dead-letters.ts";
import { ediInterchangeFilterSchema, listInterchanges, resendInterchange, type EdiInterchangeFilter } from "./edi-interchanges.ts";
import type { Publish } from "./inbound-recorder.ts";
import { actorFor, claimedActorParam, type Principal } from "./auth/principal.ts";
import { recordOperatorAction } from "./auth/auth.actions.ts";

/** What the operations actions need from the gateway. */
interface OpsHost {
	registry: PartnerRegistry;
	streamBus(): StreamBus;
	store(): Store;
	publisher(): Publish;
	publishMessage: Parameters<typeof recordOperatorAction>[0]["publishMessage"];
}

const DEAD_LETTER_FILTER = {
	channel: "string|optional",
	group: "string|optional",
	errorType: "string|optional",
	orderId: "string|optional",
	partner: "string|optional",
	messageType: "string|optional",
	status: { type: "enum", values: ["waiting", "replayed"], optional: true },
} as const;

/** The gateway's /ops actions: exception cases, EDI interchanges, policies, dead letters and their replay. */
export const opsActions = {
		/** Exception cases, newest first: open by default (?status=all for resolved too), filtered by orderId, partner, kind (type) and owner. */
		exceptions: {
			// `type` is the query's name for a case's kind.
			params: { ...exceptionFilterSchema, type: exceptionFilterSchema.kind },
			handler(ctx: Context<{ status?: string; orderId?: string; partner?: string; kind?: string; type?: string; owner?: string; limit?: number }>) {
				const { type, kind, ...filter } = ctx.params;
				return ctx.call("saga.exceptions", { ...filter, status: filter.status ?? "open", ...(kind ?? type ? { kind: kind ?? type } : {}) });
			},
		},
		/** Interchanges sent to X12 partners and the state of their 997 (pending, accepted, rejected, overdue), by partner, order and state. */
		ediInterchanges: {
			params: ediInterchangeFilterSchema,
			handler(this: OpsHost, ctx: Context<EdiInterchangeFilter>) {
				return listInterchanges(ctx, this.registry, ctx.params);
			},
		},
		/** Sends an interchange's command again as a new interchange (a new control number), tracked for its own 997; recorded in the ledger with who asked. */
		resendInterchange: {
			params: { partner: { type: "string", min: 1, max: 64 }, groupControl: { type: "string", pattern: /^\d{1,9}$/ }, ...claimedActorParam },
			async handler(this: OpsHost, ctx: Context<{ partner: string; groupControl: string }, { user?: Principal | null }>) {
				const resent = await resendInterchange(ctx, this.registry, ctx.params.partner, ctx.params.groupControl);
				await recordOperatorAction(this, actorFor(ctx), "edi.interchange.resent", `${ctx.params.partner}/${ctx.params.groupControl}`);
				return resent;
			},
		},
		/** The business policies in force (version, when loaded) and the last refused change, if any. */
		policies: {
			handler(ctx: Context) {
				return ctx.call("saga.policies");
			},
		},
		/** Dead letters, filtered by channel, group, errorType, orderId, partner, messageType, status (waiting or replayed). */
		deadLetters: {
			params: {
				...DEAD_LETTER_FILTER,
				limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true },
			},
			handler(this: OpsHost, ctx: Context<DeadLetterFilter & { limit?: number }>) {
				const { limit, ...filter } = ctx.params;
				return listDeadLetters(this.streamBus(), this.store(), filter, limit ?? 200);
			},
		},
		/** Replays the dead letters the filter (or ids) selects; `data` corrects the one selected. Idempotent; recorded in the ledger with the operator. */
		replayDeadLetters: {
			params: {
				ids: { type: "array", items: "string", optional: true, min: 1, max: 1000 },
				filter: { type: "object", optional: true, props: DEAD_LETTER_FILTER },
				data: { type: "any", optional: true },
				...claimedActorParam,
			},
			async handler(this: OpsHost, ctx: Context<{ ids?: string[]; filter?: DeadLetterFilter; data?: unknown }, { user?: Principal | null }>) {
				if (!ctx.params.ids && !ctx.params.filter) throw new SchemaInvalidError("replay request", [{ field: "ids", message: "name the dead letters: ids or a filter" }]);
				const filter = { ...ctx.params.filter, ...(ctx.params.ids ? { ids: ctx.params.ids } : {}) };
				const by = actorFor(ctx);
				const replayed = await replayDeadLetters({ bus: this.streamBus(), store: this.store(), publish: this.publisher() }, { filter, data: ctx.params.data, by });
				return { replayed: replayed.filter((r) => r.replayId).length, results: replayed };
			},
		},
};

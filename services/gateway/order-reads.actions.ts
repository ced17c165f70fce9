import type { Context } from "moleculer";
import type { Store } from "../../mixins/store/store.ts";
import { assertMayAccessOrder, type OrderParties } from "./auth/order-access.ts";
import type { Principal } from "./auth/principal.ts";

interface ReadsHost {
	store(): Store;
}
type Meta = { user?: Principal | null };

/** An order as the caller may see it: a partner-bound key gets 404 for an order its partner is not party to. */
export async function visibleOrder<T extends OrderParties>(host: ReadsHost, ctx: Context<unknown, Meta>, orderId: string): Promise<T> {
	const order = await ctx.call<T, { orderId: string }>("saga.getOrder", { orderId });
	await assertMayAccessOrder(host.store(), ctx.meta.user ?? undefined, order);
	return order;
}

/** Reading orders through the governed API, with object-level access checked on every read. */
export const orderReadActions = {
	/** Unified status and timeline of one order. */
	getOrder: {
		params: { orderId: { type: "string", min: 1, max: 128 } },
		handler(this: ReadsHost, ctx: Context<{ orderId: string }, Meta>) {
			return visibleOrder(this, ctx, ctx.params.orderId);
		},
	},
	/** Every hop of one order, from the ledger. */
	orderTrace: {
		params: { orderId: { type: "string", min: 1, max: 128 } },
		async handler(this: ReadsHost, ctx: Context<{ orderId: string }, Meta>) {
			if (ctx.meta.user?.partner) await visibleOrder(this, ctx, ctx.params.orderId);
			return ctx.call("ledger.trace", { orderId: ctx.params.orderId });
		},
	},
};

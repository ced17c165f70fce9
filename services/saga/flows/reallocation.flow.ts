import { WAYBILL_FACTS } from "../../../canonical/index.ts";
import { stepKey, undoStep } from "../saga-definition.ts";
import { merge, openCase, type Handler } from "./flow-kit.ts";

/**
 * Flow 3 of PRODUCT.md, inventory discrepancy: an adjustment broke this order's reservation at a
 * warehouse. The fulfillment order there is cancelled (its compensation) and, once the WMS
 * confirms, its lines go to the next warehouse of the routing rule (see cancellation.flow.ts);
 * with no other warehouse, an exception case waits for inventory control.
 */
export const REALLOCATION_REACTIONS: Record<string, Handler> = {
	[WAYBILL_FACTS.REALLOCATION_REQUIRED]: (saga, env, ctx) => {
		const data = env.data as { warehouse: string; sku: string; reason: string };
		const fo = Object.values(saga.fulfillments).find((f) => f.warehouse === data.warehouse && (f.state === "accepted" || f.state === "held" || f.state === "requested"));
		if (!fo) return { note: `no open fulfillment order at ${data.warehouse}: nothing to re-allocate` };
		// The next warehouse of the rule, even one already shipping part of this order: it gets a fulfillment order of its own for these lines.
		const next = ctx.policies.route(saga.order).warehouses.find((w) => w !== data.warehouse);
		const why = `${data.sku} at ${data.warehouse}: ${data.reason}`;
		if (!next || saga.compensation) {
			return merge(openCase(saga, env, ctx, { kind: "inventory-discrepancy", owner: "inventory-control", severity: "warning", partner: env.partner, summary: `reservation broken (${why}); no other warehouse to take it` }), { note: "re-allocation impossible" });
		}
		fo.state = "cancelling";
		fo.reallocateTo = next;
		const commands = undoStep(saga, stepKey("fulfillment", fo.fulfillmentOrderId), ctx.now);
		for (const c of commands) (c.data as { reason: string }).reason = `re-allocated to ${next}: ${why}`;
		const opened = openCase(saga, env, ctx, { kind: "inventory-discrepancy", owner: "inventory-control", severity: "info", partner: env.partner, summary: `reservation broken (${why}); re-allocating to ${next}` });
		if (commands.length === 0) return merge(opened, { note: `re-allocation to ${next} waits for ${fo.fulfillmentOrderId} to be accepted` });
		return merge(opened, { commands, note: `re-allocating ${fo.fulfillmentOrderId} to ${next}` });
	},
};

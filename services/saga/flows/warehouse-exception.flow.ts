import { WMS_FACTS, type LineQuantity } from "../../../canonical/index.ts";
import { settleShortfall } from "./shortage.flow.ts";
import { atRisk } from "./sla.flow.ts";
import { merge, openCase, type Handler } from "./flow-kit.ts";

/**
 * Exceptions the WMS raises on an order (damaged stock, carrier no-show, a blocked wave) open a
 * case and move the flow on per policy: damaged stock is a shortfall, a delay puts the dispatch
 * SLA at risk now rather than when it is missed, a hold waits for a person.
 */
export const WAREHOUSE_EXCEPTION_REACTIONS: Record<string, Handler> = {
	[WMS_FACTS.EXCEPTION_RAISED]: (saga, env, ctx) => {
		const data = env.data as { warehouse: string; code: string; description: string; lines?: LineQuantity[] };
		const policy = ctx.policies.warehouseException(data.code, saga.order);
		const owner = data.code === "carrier-no-show" ? "transport-ops" : "warehouse-ops";
		const summary = `${data.warehouse}: ${data.code}: ${data.description}`;
		const opened = openCase(saga, env, ctx, { kind: "warehouse-exception", owner, severity: policy.severity, partner: env.partner, summary });
		if (policy.action === "short" && data.lines?.length) return merge(opened, settleShortfall(saga, env, ctx, data.lines, "warehouse-exception", `lost to ${data.code}`));
		if (policy.action === "delay") return merge(opened, atRisk(saga, "order-to-dispatch", saga.sla.dispatchDueAt ?? env.time, env.time), { note: `${data.code}: dispatch delayed` });
		return merge(opened, { note: `${data.code}: on hold until someone acts` });
	},
};


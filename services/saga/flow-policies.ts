import type { SalesOrder } from "../../canonical/index.ts";
import type { PartnerRegistry } from "../../config/partner-registry.ts";
import type { PolicyContext, PolicyRegistry } from "../../config/policy-registry.ts";
import type { FlowPolicies } from "./flows/flow-kit.ts";
import { dispatchDeadline } from "./sla/dispatch-deadline.ts";

/** What a policy rule matches on for one order: region, country and service level. */
export function policyContextOf(order: SalesOrder, partner?: string): PolicyContext {
	return { serviceLevel: order.serviceLevel, country: order.shipTo.country, ...(order.region ? { region: order.region } : {}), ...(partner ? { partner } : {}) };
}

/** The flows' view of the policies in force and the partner registry (which WMS runs which warehouse). */
export function flowPolicies(policies: () => PolicyRegistry, partners: PartnerRegistry): FlowPolicies {
	return {
		route: (order) => {
			const rule = policies().route(policyContextOf(order));
			return { warehouses: [...rule.warehouses], lastmile: rule.lastmile };
		},
		wmsPartnerFor: (warehouse) => partners.wmsForWarehouse(warehouse).partner,
		reattempt: (order, partner) => policies().reattempt(policyContextOf(order, partner)),
		shortage: (order) => policies().shortage(policyContextOf(order)),
		sla: (order) => {
			const sla = policies().sla(policyContextOf(order));
			return { dispatchDueAt: (releasedAt) => dispatchDeadline(releasedAt, sla), atRiskLeadMs: sla.atRiskLeadMs, freshnessMs: sla.freshnessMs, exceptionResolutionMs: sla.exceptionResolutionMs };
		},
		warehouseException: (code, order) => policies().warehouseException(code, policyContextOf(order)),
		returns: (order) => policies().returns(policyContextOf(order)),
	};
}

import type { ExceptionCase } from "../../../canonical/index.ts";
import type { PartnerRegistry } from "../../../config/partner-registry.ts";
import type { RecentOutcomes } from "../../../mixins/resilience/outcome-window.ts";
import type { OrdersOverview, PartnerLoad } from "../../saga/overview-view.ts";
import { partnersBySystem, type Call, type CircuitView } from "./partner-health.ts";

/** One partner Waybill calls: its circuit, recent error rate, the backlog of its system's commands, and what it holds. */
export interface PartnerHealthRow {
	system: string;
	partner: string;
	warehouses?: string[];
	/** closed, open, half-open, isolated; `idle` before the first call; `unknown` when the adapter did not answer. */
	circuit: string;
	degraded: boolean;
	recent?: RecentOutcomes;
	/** Failed share of the recent calls; null without calls. */
	errorRate: number | null;
	/** Commands waiting on the system's stream (all its partners together: the stream is per system). */
	commandBacklog: number;
	/** The open partner-degraded case, if any. */
	openCase?: Pick<ExceptionCase, "caseId" | "openedAt" | "summary" | "severity">;
	/** Orders, fulfillment orders (per warehouse) and delivery jobs waiting on this partner now. */
	holds?: PartnerLoad;
}

export type ControlTowerOverview = Omit<OrdersOverview, "partners"> & { partners: PartnerHealthRow[] };

/** Overviews asked within this long of each other share one read: several open pages cost one. */
export const OVERVIEW_TTL_MS = 1_000;

/** The saga's picture of the orders joined with each partner's health, as the control tower shows it. */
export async function controlTowerOverview(call: Call, registry: PartnerRegistry, windowMs: number): Promise<ControlTowerOverview> {
	const [orders, health, degradedCases] = await Promise.all([
		call<OrdersOverview>("saga.overview", { windowMs }),
		partnersBySystem(call),
		call<ExceptionCase[]>("saga.exceptions", { status: "open", kind: "partner-degraded", limit: 100 }),
	]);
	const { partners: loads, ...rest } = orders;
	const rows = registry.entries
		.filter((e) => e.urlEnv)
		.map((entry): PartnerHealthRow => {
			const system = health[entry.system];
			const breakers = system?.breakers;
			const circuit = typeof breakers === "string" ? undefined : breakers?.find((b: CircuitView) => b.partner === entry.partner);
			const openCase = degradedCases.find((c) => c.partner === entry.partner);
			const recent = circuit?.recent;
			return {
				system: entry.system,
				partner: entry.partner,
				...(entry.warehouses ? { warehouses: entry.warehouses } : {}),
				circuit: typeof breakers === "string" ? "unknown" : (circuit?.state ?? "idle"),
				degraded: circuit?.degraded ?? openCase !== undefined,
				...(recent ? { recent } : {}),
				errorRate: recent && recent.calls > 0 ? recent.failures / recent.calls : null,
				commandBacklog: system?.commandBacklog ?? 0,
				...(openCase ? { openCase: { caseId: openCase.caseId, openedAt: openCase.openedAt, summary: openCase.summary, severity: openCase.severity } } : {}),
				...(loads[entry.partner] ? { holds: loads[entry.partner] } : {}),
			};
		});
	return { ...rest, partners: rows };
}

/** Remembers each answer (a promise, so concurrent askers share it too) for a short while. */
export class ShortCache<T> {
	private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

	constructor(private readonly ttlMs: number) {}

	get(key: string, load: () => Promise<T>, now = Date.now()): Promise<T> {
		const hit = this.entries.get(key);
		if (hit && now - hit.at < this.ttlMs) return hit.value;
		// Stale answers go first, so keys asked once do not pile up.
		for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
		const value = load();
		this.entries.set(key, { at: now, value });
		value.catch(() => {
			if (this.entries.get(key)?.value === value) this.entries.delete(key);
		});
		return value;
	}
}

import type { Context } from "moleculer";
import { PartnerUnknownError } from "../../canonical/errors/index.ts";
import type { PartnerRegistry } from "../../config/partner-registry.ts";

export const ediInterchangeFilterSchema = {
	state: { type: "enum", values: ["pending", "accepted", "rejected", "overdue"], optional: true },
	orderId: { type: "string", optional: true, max: 128 },
	partner: { type: "string", optional: true, max: 64 },
	limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true },
} as const;

export interface EdiInterchangeFilter {
	state?: string;
	orderId?: string;
	partner?: string;
	limit?: number;
}

/** The adapters that send X12: those with a partner whose webhooks carry interchanges. */
function ediSystems(registry: PartnerRegistry): string[] {
	return [...new Set(registry.entries.filter((e) => e.webhook?.format === "x12").map((e) => e.system))];
}

/** Sent interchanges and their 997 state across the adapters, most recent first. */
export async function listInterchanges(ctx: Context, registry: PartnerRegistry, filter: EdiInterchangeFilter): Promise<unknown[]> {
	const { partner, limit = 200, ...rest } = filter;
	const systems = partner ? [registry.entries.find((e) => e.partner === partner)?.system ?? ""].filter(Boolean) : ediSystems(registry);
	const lists = await Promise.all(systems.map((system) => ctx.call<Array<{ partner: string; sentAt: string }>, unknown>(`${system}.interchanges`, { ...rest, limit })));
	return lists
		.flat()
		.filter((s) => !partner || s.partner === partner)
		.sort((a, b) => b.sentAt.localeCompare(a.sentAt))
		.slice(0, limit);
}

/** Has the adapter of the partner send the interchange's command again, as a new interchange. */
export function resendInterchange(ctx: Context, registry: PartnerRegistry, partner: string, groupControl: string): Promise<unknown> {
	const entry = registry.entries.find((e) => e.partner === partner && e.webhook?.format === "x12");
	if (!entry) throw new PartnerUnknownError("edi", partner);
	return ctx.call(`${entry.system}.resendInterchange`, { partner, groupControl });
}

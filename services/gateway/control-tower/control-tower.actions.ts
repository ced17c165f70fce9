import type { Context } from "moleculer";
import { actorFor, claimedActorParam, type Principal } from "../auth/principal.ts";
import { NotFoundError } from "../../../canonical/index.ts";
import type { PartnerRegistry } from "../../../config/partner-registry.ts";
import { PAGE, PAGE_HEADERS, readAsset } from "./assets.ts";
import { OVERVIEW_TTL_MS, ShortCache, controlTowerOverview, type ControlTowerOverview } from "./overview.ts";

type Meta = { user?: Principal | null; $responseType?: string; $responseHeaders?: Record<string, string> };
interface ControlTowerHost {
	registry: PartnerRegistry;
	overviews?: ShortCache<ControlTowerOverview>;
}

const DEFAULT_WINDOW_MINUTES = 60;

/** The gateway's control tower: its page and files, and the reads and actions the page needs that /ops lacked. */
export const controlTowerActions = {
	/** The control tower page (GET /control-tower). */
	controlTowerPage: {
		async handler(ctx: Context<unknown, Meta>) {
			return serve(ctx, PAGE);
		},
	},
	/** A script or stylesheet of the page, by plain file name. */
	controlTowerAsset: {
		params: { asset: { type: "string", min: 1, max: 64 } },
		async handler(ctx: Context<{ asset: string }, Meta>) {
			return serve(ctx, ctx.params.asset);
		},
	},
	/** Orders in flight by status, stuck orders, SLA lists, throughput per warehouse, on-time per provider, and each partner's health with what it holds. Read-only; bounded; shared for a second between askers. */
	overview: {
		params: { window: { type: "number", integer: true, min: 1, max: 7 * 24 * 60, optional: true, convert: true } },
		handler(this: ControlTowerHost, ctx: Context<{ window?: number }>) {
			const windowMs = (ctx.params.window ?? DEFAULT_WINDOW_MINUTES) * 60_000;
			this.overviews ??= new ShortCache(OVERVIEW_TTL_MS);
			return this.overviews.get(String(windowMs), () => controlTowerOverview((action, params) => ctx.call(action, params), this.registry, windowMs));
		},
	},
	/** Resolves an exception case by hand; who did it (the API key's name and id) is recorded on the case and in the ledger. Idempotent. */
	resolveException: {
		params: { caseId: { type: "string", min: 1, max: 128 }, note: { type: "string", optional: true, max: 500 }, ...claimedActorParam },
		handler(ctx: Context<{ caseId: string; note?: string }, Meta>) {
			const { caseId, note } = ctx.params;
			return ctx.call("saga.resolveException", { caseId, by: actorFor(ctx), ...(note ? { note } : {}) });
		},
	},
};

async function serve(ctx: Context<unknown, Meta>, name: string): Promise<string> {
	const asset = await readAsset(name);
	if (!asset) throw new NotFoundError("control tower file", name);
	ctx.meta.$responseType = asset.type;
	ctx.meta.$responseHeaders = { ...PAGE_HEADERS };
	return asset.body;
}

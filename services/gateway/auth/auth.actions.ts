import type { Context } from "moleculer";
import { CHANNELS, ForbiddenError, NotFoundError, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope, type OperatorAction } from "../../../canonical/index.ts";
import type { PartnerRegistry } from "../../../config/partner-registry.ts";
import type { KeyRing } from "./key-ring.ts";
import { actorFor, claimedActorParam, type Principal } from "./principal.ts";
import { ALL_SCOPES, PARTNER_BOUND_SCOPES, ROLES, type Scope } from "./scopes.ts";

interface AuthHost {
	keyRing: KeyRing;
	registry: PartnerRegistry;
	publishMessage(channel: ChannelName, envelope: Envelope): Promise<unknown>;
}
type Meta = { user?: Principal | null; $statusCode?: number };
interface KeyRequest {
	name: string;
	role?: string;
	scopes?: Scope[];
	partner?: string;
	rateLimitPerSecond?: number;
}

/** Records an operator's action in the ledger: who (as authenticated), what, on what. */
export function recordOperatorAction(host: Pick<AuthHost, "publishMessage">, by: string, action: OperatorAction, target: string, detail?: Record<string, unknown>): Promise<unknown> {
	const at = new Date().toISOString();
	return host.publishMessage(
		CHANNELS.EVENTS,
		createEnvelope({
			type: WAYBILL_FACTS.OPERATOR_ACTED,
			source: "waybill/gateway",
			subject: `operator:${target}`,
			data: { action, by, target, ...(detail ? { detail } : {}), at },
			schemaVersion: 1,
			idempotencyKey: `${action}|${target}|${at}`,
		}),
	);
}

/** The scopes a key request asks for: a role's, or a list, never both; a partner-bound key gets its partner's scopes only. */
function scopesFor(request: KeyRequest, registry: PartnerRegistry): Scope[] {
	if (request.role && request.scopes) throw new ForbiddenError("key request", "give a role or scopes, not both");
	const scopes = request.scopes ?? ROLES[request.role ?? ""];
	if (!scopes || scopes.length === 0) throw new ForbiddenError("key request", `give scopes or a role (${Object.keys(ROLES).join(", ")})`);
	if (request.partner) {
		if (!registry.entries.some((e) => e.partner === request.partner)) throw new NotFoundError("partner", request.partner);
		const beyond = scopes.filter((s) => !PARTNER_BOUND_SCOPES.has(s));
		if (beyond.length > 0) throw new ForbiddenError("key request", `a key bound to a partner may hold only ${[...PARTNER_BOUND_SCOPES].join(", ")}; not ${beyond.join(", ")}`);
	}
	return [...new Set(scopes)];
}

/** Who am I, and API key administration (scope keys:admin). Every issue and revocation is in the ledger with who did it. */
export const authActions = {
	whoami: {
		handler(ctx: Context<unknown, Meta>) {
			return ctx.meta.user ?? null;
		},
	},
	listApiKeys: {
		handler(this: AuthHost) {
			return this.keyRing.list();
		},
	},
	/** Issues a key and answers it in plain text, once: only its hash is kept. */
	createApiKey: {
		params: {
			$$strict: true,
			name: { type: "string", min: 1, max: 96, trim: true },
			role: { type: "enum", values: Object.keys(ROLES), optional: true },
			scopes: { type: "array", optional: true, min: 1, max: ALL_SCOPES.length, items: { type: "enum", values: [...ALL_SCOPES] } },
			partner: { type: "string", optional: true, pattern: /^[a-z0-9-]{1,64}$/ },
			rateLimitPerSecond: { type: "number", optional: true, integer: true, positive: true, max: 100_000 },
			...claimedActorParam,
		},
		async handler(this: AuthHost, ctx: Context<KeyRequest, Meta>) {
			const by = actorFor(ctx);
			const { role: _role, scopes: _scopes, by: _by, ...rest } = ctx.params as KeyRequest & { by?: string };
			const issued = await this.keyRing.issue({ ...rest, scopes: scopesFor(ctx.params, this.registry) }, by);
			await recordOperatorAction(this, by, "api-key.issued", issued.record.id, { name: issued.record.name, scopes: issued.record.scopes, ...(issued.record.partner ? { partner: issued.record.partner } : {}) });
			ctx.meta.$statusCode = 201;
			return { key: issued.key, ...issued.record };
		},
	},
	revokeApiKey: {
		params: { id: { type: "string", pattern: /^[0-9a-f]{16}$/ }, ...claimedActorParam },
		async handler(this: AuthHost, ctx: Context<{ id: string }, Meta>) {
			const by = actorFor(ctx);
			const revoked = await this.keyRing.revoke(ctx.params.id, by);
			if (!revoked) throw new NotFoundError("API key", ctx.params.id);
			if (revoked.source !== "store") throw new ForbiddenError(ctx.meta.user!.name, `key ${revoked.id} comes from ${revoked.source === "env" ? "ADMIN_API_KEY" : "API_KEYS_FILE"}; revoke it there`);
			await recordOperatorAction(this, by, "api-key.revoked", revoked.id, { name: revoked.name });
			return revoked;
		},
	},
};

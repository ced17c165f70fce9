import type { IncomingMessage } from "node:http";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "../../../canonical/errors/index.ts";
import type { PartnerRegistry } from "../../../config/partner-registry.ts";
import type { KeyRing } from "./key-ring.ts";
import type { Principal } from "./principal.ts";
import type { RateLimits } from "./rate-limits.ts";
import { ACTION_REQUIREMENTS, type Requirement } from "./scopes.ts";

export interface AccessControlDeps {
	keyRing: KeyRing;
	rateLimits: RateLimits;
	registry: PartnerRegistry;
}

type Request = IncomingMessage & { $alias?: { action?: string }; $params?: { params?: Record<string, string> } };

/** The route's requirement; a route nobody listed is refused, so a new route is closed until someone decides. */
export function requirementOf(action: string | undefined): Requirement {
	const requirement = action ? ACTION_REQUIREMENTS[action] : undefined;
	if (!requirement) throw new ForbiddenError("anyone", `no access rule for '${action ?? "?"}'`);
	return requirement;
}

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: IncomingMessage): string | undefined {
	const authorization = req.headers.authorization;
	if (typeof authorization === "string") {
		const [scheme, value] = authorization.split(/\s+/, 2);
		if (scheme?.toLowerCase() === "bearer" && value) return value;
	}
	const header = req.headers["x-api-key"];
	return typeof header === "string" && header.length > 0 ? header : undefined;
}

function clientAddress(req: IncomingMessage): string {
	return req.socket?.remoteAddress ?? "unknown";
}

/**
 * Who is calling, and whether they may call at their rate. Public routes need nothing; partner
 * webhooks are counted per partner (their signature is checked by the webhook action, over the raw
 * body); everything else needs a valid API key and is counted per key. Failed attempts are counted
 * per client address, so guessing keys is as slow as the anonymous limit.
 */
export async function authenticateRequest(deps: AccessControlDeps, req: Request): Promise<Principal | undefined> {
	const requirement = requirementOf(req.$alias?.action);
	if (requirement === "public") return undefined;
	if (requirement === "partner-signature") {
		const { system = "", partner = "" } = req.$params?.params ?? {};
		const entry = deps.registry.find(system, partner);
		// A partner with no webhook configured (the API's own partner, an ERP Waybill only calls) has no webhook path.
		if (!entry.webhook) throw new NotFoundError("webhook endpoint", `${entry.system}/${entry.partner}`);
		await deps.rateLimits.consume(`webhook:${entry.system}/${entry.partner}`, entry.webhook?.rateLimitPerSecond ?? deps.rateLimits.settings.webhookPerSecond);
		return undefined;
	}
	const key = presentedKey(req);
	try {
		if (!key) throw new UnauthenticatedError("send an API key as 'Authorization: Bearer <key>'");
		const principal = await deps.keyRing.authenticate(key);
		await deps.rateLimits.consume(`key:${principal.keyId}`, principal.rateLimitPerSecond ?? deps.rateLimits.settings.apiPerSecond);
		return principal;
	} catch (e: unknown) {
		if ((e as { type?: string }).type === "UNAUTHENTICATED") await deps.rateLimits.consume(`anonymous:${clientAddress(req)}`, deps.rateLimits.settings.anonymousPerSecond);
		throw e;
	}
}

/** The scope check: the caller's key must hold the scope the route needs. */
export function authorizeRequest(principal: Principal | undefined, req: Request): void {
	const requirement = requirementOf(req.$alias?.action);
	if (requirement === "public" || requirement === "partner-signature") return;
	if (!principal) throw new UnauthenticatedError("this route needs an API key");
	if (requirement === "authenticated") return;
	if (!principal.scopes.includes(requirement)) throw new ForbiddenError(principal.name, `needs scope '${requirement}'`);
}

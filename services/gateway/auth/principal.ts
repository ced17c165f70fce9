import type { Scope } from "./scopes.ts";

/**
 * Who is calling, as the gateway established it: carried in ctx.meta.user to every action the
 * request reaches (and across nodes), so it holds no secret, only who and what they may do.
 */
export interface Principal {
	/** The API key's id (never the key). */
	keyId: string;
	/** A human name for the ledger and the control tower: "ops: Jane Doe", "shop-a integration". */
	name: string;
	scopes: Scope[];
	/** Bound to one partner of the registry: it reads and writes that partner's orders only. */
	partner?: string;
	/** Requests per second this key may make; the default when absent. */
	rateLimitPerSecond?: number;
}

/** What the ledger and cases record as the person or system that did something. */
export function actorOf(principal: Principal): string {
	return `${principal.name} (key ${principal.keyId})`;
}

/** Optional `by` in an action's params: heard only from callers on the broker (the REPL), never over HTTP. */
export const claimedActorParam = { by: { type: "string", optional: true, min: 1, max: 100 } } as const;

/**
 * Who did it. Over HTTP the gateway authenticated the caller, and that is the answer, whatever the
 * request claims. A call from inside the cluster (the REPL, a script on the broker) has no key:
 * the transport's own credentials let it in, and it names itself (`by`), prefixed with its node.
 */
export function actorFor(ctx: { meta: { user?: Principal | null }; nodeID?: string | null; params?: unknown }): string {
	if (ctx.meta.user) return actorOf(ctx.meta.user);
	const claimed = (ctx.params as { by?: unknown } | undefined)?.by;
	return `${typeof claimed === "string" ? claimed : "unnamed"} (node ${ctx.nodeID ?? "?"})`.slice(0, 128);
}

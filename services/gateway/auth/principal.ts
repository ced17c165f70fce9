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

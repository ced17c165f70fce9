import { ForbiddenError, NotFoundError } from "../../../canonical/errors/index.ts";
import type { Store } from "../../../mixins/store/store.ts";
import type { Principal } from "./principal.ts";

/** What the gateway needs of an order to tell whose it is. */
export interface OrderParties {
	order: { orderId: string };
	timeline?: Array<{ partner?: string }>;
	fulfillments?: Record<string, { partner?: string }>;
	deliveries?: Record<string, { partner?: string }>;
}

const ownerKey = (orderId: string) => `order-owner:{${orderId}}`;

/**
 * An order released through the API by a partner-bound key belongs to that partner: the first
 * release claims the order id, and another partner's release of the same id is refused rather than
 * taken for a repeat (it would otherwise learn the order exists, and be told it was accepted).
 */
export async function claimOrder(store: Store, principal: Principal, orderId: string): Promise<void> {
	if (!principal.partner) return;
	if (await store.setIfAbsent(ownerKey(orderId), principal.partner)) return;
	const owner = await store.get<string>(ownerKey(orderId));
	if (owner !== principal.partner) throw new ForbiddenError(principal.name, `order id '${orderId}' is taken`);
}

/** The partners an order involves: who released it (by webhook or through the API) and the warehouses and carriers it went to. */
export async function partiesOf(store: Store, order: OrderParties): Promise<Set<string>> {
	const parties = new Set<string>();
	for (const entry of order.timeline ?? []) if (entry.partner) parties.add(entry.partner);
	for (const f of Object.values(order.fulfillments ?? {})) if (f.partner) parties.add(f.partner);
	for (const d of Object.values(order.deliveries ?? {})) if (d.partner) parties.add(d.partner);
	const owner = await store.get<string>(ownerKey(order.order.orderId));
	if (owner) parties.add(owner);
	return parties;
}

/**
 * Object-level access: a key bound to a partner sees only orders that partner is party to. Any other
 * order answers exactly as an unknown one does (404), so ids cannot be probed.
 */
export async function assertMayAccessOrder(store: Store, principal: Principal | undefined, order: OrderParties): Promise<void> {
	if (!principal?.partner) return;
	if (!(await partiesOf(store, order)).has(principal.partner)) throw new NotFoundError("order", order.order.orderId);
}

/**
 * The unified order status: a lattice that never regresses. The main chain is ranked; the
 * exception states sit beside it with explicit edges, so an order can leave the chain only where
 * PRODUCT.md says it may, and nothing late or duplicated can move it backwards.
 */
export const ORDER_STATUS = {
	RELEASED: "released",
	ALLOCATED: "allocated",
	PICKED: "picked",
	PACKED: "packed",
	MANIFESTED: "manifested",
	DISPATCHED: "dispatched",
	OUT_FOR_DELIVERY: "out_for_delivery",
	DELIVERED: "delivered",
	INVOICED: "invoiced",
	CLOSED: "closed",
	SHORT: "short",
	DELIVERY_FAILED: "delivery_failed",
	REATTEMPT: "reattempt",
	RETURNING: "returning",
	RETURNED: "returned",
	CANCELLED: "cancelled",
} as const;

export type OrderStatus = (typeof ORDER_STATUS)[keyof typeof ORDER_STATUS];

const S = ORDER_STATUS;

/** Rank on the main chain; exception states carry the rank of where they branch off. */
const RANK: Record<OrderStatus, number> = {
	[S.RELEASED]: 10,
	[S.SHORT]: 15,
	[S.ALLOCATED]: 20,
	[S.PICKED]: 30,
	[S.PACKED]: 40,
	[S.MANIFESTED]: 50,
	[S.DISPATCHED]: 60,
	[S.OUT_FOR_DELIVERY]: 70,
	[S.DELIVERY_FAILED]: 72,
	[S.REATTEMPT]: 74,
	[S.DELIVERED]: 80,
	[S.RETURNING]: 85,
	[S.RETURNED]: 88,
	[S.INVOICED]: 90,
	[S.CLOSED]: 100,
	[S.CANCELLED]: 100,
};

/** The main chain, in order: an order moves along it only forwards. */
const MAIN_CHAIN: ReadonlySet<OrderStatus> = new Set([S.RELEASED, S.ALLOCATED, S.PICKED, S.PACKED, S.MANIFESTED, S.DISPATCHED, S.OUT_FOR_DELIVERY, S.DELIVERED, S.INVOICED, S.CLOSED]);
export const MAIN_CHAIN_STATUSES: ReadonlySet<OrderStatus> = MAIN_CHAIN;

/** The only ways into each exception state: an order leaves the main chain only where PRODUCT.md says. */
const ENTRIES: Partial<Record<OrderStatus, OrderStatus[]>> = {
	[S.SHORT]: [S.RELEASED, S.ALLOCATED, S.PICKED],
	[S.DELIVERY_FAILED]: [S.DISPATCHED, S.OUT_FOR_DELIVERY, S.REATTEMPT],
	[S.REATTEMPT]: [S.DELIVERY_FAILED],
	[S.RETURNING]: [S.DELIVERY_FAILED, S.DELIVERED, S.INVOICED, S.OUT_FOR_DELIVERY, S.DISPATCHED],
	[S.RETURNED]: [S.RETURNING],
};

/** The ways back onto the main chain from an exception state. */
const EXITS: Partial<Record<OrderStatus, OrderStatus[]>> = {
	[S.SHORT]: [S.ALLOCATED, S.PICKED, S.PACKED, S.MANIFESTED],
	[S.REATTEMPT]: [S.DISPATCHED, S.OUT_FOR_DELIVERY, S.DELIVERED],
	[S.DELIVERY_FAILED]: [S.DELIVERED],
};

const TERMINAL: ReadonlySet<OrderStatus> = new Set([S.CLOSED, S.CANCELLED, S.RETURNED]);
const CANCELLABLE_BEFORE = RANK[S.DISPATCHED];

export function rankOf(status: OrderStatus): number {
	return RANK[status];
}

export function isTerminal(status: OrderStatus): boolean {
	return TERMINAL.has(status);
}

/** True when moving from `from` to `to` is progress, never a regression. */
export function canAdvance(from: OrderStatus | undefined, to: OrderStatus): boolean {
	if (from === undefined) return to === S.RELEASED;
	if (from === to || TERMINAL.has(from)) return false;
	if (to === S.CANCELLED) return RANK[from] < CANCELLABLE_BEFORE;
	if (!MAIN_CHAIN.has(to)) return ENTRIES[to]?.includes(from) ?? false;
	if (!MAIN_CHAIN.has(from)) return EXITS[from]?.includes(to) ?? false;
	return RANK[to] > RANK[from];
}

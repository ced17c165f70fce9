/**
 * What a credential may do. An API key holds a list of scopes; every route of the gateway names the
 * scope it needs here, and a route missing from this table is refused (deny by default).
 */
export const SCOPES = {
	ORDERS_WRITE: "orders:write",
	ORDERS_READ: "orders:read",
	INVENTORY_READ: "inventory:read",
	SHIPMENTS_WRITE: "shipments:write",
	SHIPMENTS_READ: "shipments:read",
	SUBSCRIPTIONS: "subscriptions:manage",
	OPS_READ: "ops:read",
	OPS_WRITE: "ops:write",
	KEYS_ADMIN: "keys:admin",
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** The scopes a key bound to one partner may hold: its own orders, nothing platform-wide. */
export const PARTNER_BOUND_SCOPES: ReadonlySet<Scope> = new Set([SCOPES.ORDERS_WRITE, SCOPES.ORDERS_READ]);

/** Named bundles, so that issuing a key does not mean listing scopes by hand. */
export const ROLES: Record<string, readonly Scope[]> = {
	/** An ERP or shop releasing and following its orders. */
	client: [SCOPES.ORDERS_WRITE, SCOPES.ORDERS_READ, SCOPES.INVENTORY_READ, SCOPES.SHIPMENTS_WRITE, SCOPES.SHIPMENTS_READ, SCOPES.SUBSCRIPTIONS],
	/** Operations staff: the control tower, exception cases, dead letters, replays. */
	operator: [SCOPES.OPS_READ, SCOPES.OPS_WRITE, SCOPES.ORDERS_READ, SCOPES.INVENTORY_READ, SCOPES.SHIPMENTS_READ],
	/** Read-only dashboards and Prometheus. */
	observer: [SCOPES.OPS_READ, SCOPES.ORDERS_READ],
	admin: ALL_SCOPES,
};

/**
 * Who may call a gateway action: a scope; `authenticated` (any valid key); `public` (health, the API
 * description, the control tower's static files, which hold no data); or the partner's webhook signature.
 */
export type Requirement = Scope | "public" | "authenticated" | "partner-signature";

/** Every action an HTTP route reaches, and what it requires. */
export const ACTION_REQUIREMENTS: Record<string, Requirement> = {
	"gateway.releaseOrder": SCOPES.ORDERS_WRITE,
	"gateway.getOrder": SCOPES.ORDERS_READ,
	"gateway.changeOrder": SCOPES.ORDERS_WRITE,
	"gateway.cancelOrder": SCOPES.ORDERS_WRITE,
	"gateway.authoriseReturn": SCOPES.ORDERS_WRITE,
	"gateway.orderTrace": SCOPES.ORDERS_READ,
	"gateway.inventory": SCOPES.INVENTORY_READ,
	"gateway.bookShipment": SCOPES.SHIPMENTS_WRITE,
	"gateway.getShipment": SCOPES.SHIPMENTS_READ,
	"notifier.subscribe": SCOPES.SUBSCRIPTIONS,
	"notifier.subscriptions": SCOPES.SUBSCRIPTIONS,
	"notifier.getSubscription": SCOPES.SUBSCRIPTIONS,
	"notifier.unsubscribe": SCOPES.SUBSCRIPTIONS,
	"notifier.enableSubscription": SCOPES.SUBSCRIPTIONS,
	"notifier.deliveries": SCOPES.SUBSCRIPTIONS,
	"notifier.getDelivery": SCOPES.SUBSCRIPTIONS,
	"notifier.replayDelivery": SCOPES.SUBSCRIPTIONS,
	// Partner webhooks carry the partner's own credential: the signature over the body, checked per partner.
	"gateway.receiveWebhook": "partner-signature",
	"gateway.webhookCheck": "public",
	"gateway.exceptions": SCOPES.OPS_READ,
	"gateway.resolveException": SCOPES.OPS_WRITE,
	"gateway.overview": SCOPES.OPS_READ,
	"gateway.policies": SCOPES.OPS_READ,
	"mapper.conflicts": SCOPES.OPS_READ,
	"mapper.shadow": SCOPES.OPS_WRITE,
	"gateway.deadLetters": SCOPES.OPS_READ,
	"gateway.replayDeadLetters": SCOPES.OPS_WRITE,
	"gateway.ediInterchanges": SCOPES.OPS_READ,
	"gateway.resendInterchange": SCOPES.OPS_WRITE,
	"ledger.query": SCOPES.OPS_READ,
	"gateway.listApiKeys": SCOPES.KEYS_ADMIN,
	"gateway.createApiKey": SCOPES.KEYS_ADMIN,
	"gateway.revokeApiKey": SCOPES.KEYS_ADMIN,
	"gateway.whoami": "authenticated",
	"gateway.metrics": SCOPES.OPS_READ,
	"gateway.controlTowerPage": "public",
	"gateway.controlTowerAsset": "public",
	"gateway.openApi": "public",
	"gateway.problemTypes": "public",
	"gateway.live": "public",
	"gateway.ready": "public",
};

import type { IncomingMessage } from "node:http";
import type { Context } from "moleculer";
import { refuseDeepJson, refusePrototypeKeys } from "./json-shape.ts";

const MAX_JSON = "1mb";
const MAX_WEBHOOK = "5mb";

/**
 * Every route authenticates and authorizes (auth/access-control.ts): each action's requirement is
 * in auth/scopes.ts, and an action missing there is refused. Public routes (health, the API
 * description, the control tower's static files) need no key but pass the same check.
 */
const guarded = { authentication: true, authorization: true } as const;

/** Routes of the gateway; each alias names the action that answers it. */
export const gatewayRoutes = [
	{
		path: "/api/v1",
		mappingPolicy: "restrict",
		...guarded,
		bodyParsers: { json: { limit: MAX_JSON, strict: true, verify: refuseDeepJson, reviver: refusePrototypeKeys } },
		aliases: {
			"POST /orders": "gateway.releaseOrder",
			"GET /orders/:orderId": "gateway.getOrder",
			"PATCH /orders/:orderId": "gateway.changeOrder",
			"POST /orders/:orderId/cancel": "gateway.cancelOrder",
			"POST /orders/:orderId/returns": "gateway.authoriseReturn",
			"GET /orders/:orderId/trace": "gateway.orderTrace",
			"GET /inventory/:sku": "gateway.inventory",
			"POST /shipments": "gateway.bookShipment",
			"GET /shipments/:bookingId": "gateway.getShipment",
			"POST /subscriptions": "notifier.subscribe",
			"GET /subscriptions": "notifier.subscriptions",
			"GET /subscriptions/:id": "notifier.getSubscription",
			"DELETE /subscriptions/:id": "notifier.unsubscribe",
			"POST /subscriptions/:id/enable": "notifier.enableSubscription",
			"GET /subscriptions/:id/deliveries": "notifier.deliveries",
			"GET /subscriptions/:id/deliveries/:deliveryId": "notifier.getDelivery",
			"POST /subscriptions/:id/deliveries/:deliveryId/replay": "notifier.replayDelivery",
			"GET /whoami": "gateway.whoami",
			"GET /openapi.json": "gateway.openApi",
		},
		onBeforeCall(ctx: Context<unknown, Record<string, unknown>>, _route: unknown, req: IncomingMessage) {
			const key = req.headers["idempotency-key"];
			if (typeof key === "string") ctx.meta.idempotencyKey = key;
			const traceparent = req.headers.traceparent;
			if (typeof traceparent === "string") ctx.meta.traceparent = traceparent;
		},
	},
	{
		path: "/webhooks",
		mappingPolicy: "restrict",
		...guarded,
		// Raw bytes: the signature is computed over exactly what the partner sent.
		mergeParams: false,
		bodyParsers: { json: false, raw: { type: () => true, limit: MAX_WEBHOOK } },
		aliases: {
			"POST /:system/:partner": "gateway.receiveWebhook",
			"GET /:system/:partner": "gateway.webhookCheck",
		},
		onBeforeCall(ctx: Context<unknown, Record<string, unknown>>, _route: unknown, req: IncomingMessage) {
			ctx.meta.headers = req.headers;
		},
	},
	{
		path: "/ops",
		mappingPolicy: "restrict",
		...guarded,
		bodyParsers: { json: { limit: MAX_JSON, strict: true, verify: refuseDeepJson, reviver: refusePrototypeKeys } },
		aliases: {
			"GET /exceptions": "gateway.exceptions",
			"POST /exceptions/:caseId/resolve": "gateway.resolveException",
			"GET /overview": "gateway.overview",
			"GET /policies": "gateway.policies",
			"GET /conflicts": "mapper.conflicts",
			"POST /mappings/shadow": "mapper.shadow",
			"GET /dead-letters": "gateway.deadLetters",
			"POST /dead-letters/replay": "gateway.replayDeadLetters",
			"GET /edi/interchanges": "gateway.ediInterchanges",
			"POST /edi/interchanges/:partner/:groupControl/resend": "gateway.resendInterchange",
			"GET /ledger": "ledger.query",
			"GET /api-keys": "gateway.listApiKeys",
			"POST /api-keys": "gateway.createApiKey",
			"DELETE /api-keys/:id": "gateway.revokeApiKey",
		},
	},
	{
		path: "/metrics",
		mappingPolicy: "restrict",
		...guarded,
		aliases: { "GET /": "gateway.metrics" },
	},
	{
		// The operations page: static files, no build step; it reads /ops and /api/v1 like any client.
		path: "/control-tower",
		mappingPolicy: "restrict",
		...guarded,
		aliases: { "GET /": "gateway.controlTowerPage", "GET /:asset": "gateway.controlTowerAsset" },
	},
	{
		path: "/health",
		mappingPolicy: "restrict",
		...guarded,
		aliases: { "GET /live": "gateway.live", "GET /ready": "gateway.ready" },
	},
	{
		// The error taxonomy: each problem+json `type` URI resolves here to what it means and what to do.
		path: "/problems",
		mappingPolicy: "restrict",
		...guarded,
		aliases: { "GET /": "gateway.problemTypes", "GET /:type": "gateway.problemTypes" },
	},
];

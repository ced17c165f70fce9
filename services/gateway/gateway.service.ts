import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, ServiceSettingSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { assertMatches, salesOrderSchema, type SalesOrder } from "../../canonical/index.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { recordInbound, recordRejection, orderKeyOf, type Publish } from "./inbound-recorder.ts";
import { verifyWebhook } from "./webhook-verifier.ts";
import { sendProblem, toProblem } from "./problem-details.ts";
import { gatewayRoutes } from "./routes.ts";

interface GatewayVars {
	registry: PartnerRegistry;
}
type GatewayMethods = DurableStreamsMethods & { publisher(): Publish };
type WebhookParams = { params: { system: string; partner: string }; query: Record<string, string>; body: unknown };
type Meta = { headers?: Record<string, string | string[] | undefined>; $statusCode?: number; $responseHeaders?: Record<string, string>; $responseType?: string };

/**
 * HTTP in: the governed API under /api/v1, partner webhooks under /webhooks/{system}/{partner}
 * (signature checked on the raw bytes before parsing), health probes. Everything accepted is on
 * a durable stream before the 2xx goes out; everything refused is answered with problem+json and audited.
 */
const GatewayServiceSchema: StreamingServiceSchema<ServiceSettingSchema & Record<string, unknown>, GatewayMethods, GatewayVars> = {
	name: "gateway",
	mixins: [ApiGateway as never, DurableStreamsMixin()],
	settings: {
		port: Number(process.env.PORT ?? 3000),
		ip: process.env.HOST ?? "0.0.0.0",
		routes: gatewayRoutes,
		log4XXResponses: false,
		async onError(this: { publisher(): Publish; logger: { warn: (...a: unknown[]) => void } }, req: IncomingMessage & { body?: unknown; $params?: { params?: Record<string, string> } }, res: ServerResponse, err: unknown) {
			const problem = toProblem(err, (req as { originalUrl?: string }).originalUrl ?? req.url);
			// Refused input is audited; a read of something absent (GET 404) is not input.
			const refusedInput = problem.status >= 400 && problem.status < 500 && !(problem.status === 404 && req.method === "GET");
			if (refusedInput) {
				const raw = Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body ?? "");
				const where = req.$params?.params ?? {};
				await recordRejection(this.publisher(), {
					channel: req.url?.startsWith("/webhooks") ? "webhook" : "http",
					method: req.method ?? "?",
					path: req.url ?? "?",
					system: where.system,
					partner: where.partner,
					problemType: problem.type,
					detail: problem.detail,
					body: raw,
				}).catch((e: unknown) => this.logger.warn("could not audit a rejected request", { error: (e as Error).message }));
			}
			sendProblem(req, res, err);
		},
	},

	actions: {
		/** Release an order (ERP owns it). Durable before 202; releasing the same order again is a no-op. */
		releaseOrder: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				const { $params: _ignored, ...body } = ctx.params;
				const order = assertMatches<SalesOrder>("sales order", salesOrderSchema, body);
				await recordInbound(this.publisher(), {
					system: "erp",
					partner: "api",
					body: Buffer.from(JSON.stringify(order)),
					headers: { "content-type": "application/json" },
					deliveryId: `order:${order.orderId}`,
					orderKey: order.orderId,
				});
				const statusUrl = `/api/v1/orders/${encodeURIComponent(order.orderId)}`;
				ctx.meta.$statusCode = 202;
				ctx.meta.$responseHeaders = { Location: statusUrl };
				return { orderId: order.orderId, status: "accepted", statusUrl };
			},
		},
		/** Unified status and timeline of one order. */
		getOrder: {
			params: { orderId: { type: "string", min: 1, max: 128 } },
			handler(ctx: Context<{ orderId: string }>) {
				return ctx.call("saga.getOrder", { orderId: ctx.params.orderId });
			},
		},
		/** A partner webhook: verified on the raw bytes, stored durably, then 200. Retries of one delivery are stored once. */
		receiveWebhook: {
			async handler(ctx: Context<WebhookParams, Meta>) {
				const { system, partner } = ctx.params.params;
				const entry = this.registry.find(system, partner);
				const body = Buffer.isBuffer(ctx.params.body) ? ctx.params.body : Buffer.alloc(0);
				const headers = ctx.meta.headers ?? {};
				verifyWebhook(entry, this.registry.webhookSecrets(entry), headers, body);
				const deliveryHeader = entry.webhook?.deliveryIdHeader;
				const deliveryId = deliveryHeader && typeof headers[deliveryHeader] === "string" ? (headers[deliveryHeader] as string) : undefined;
				const traceparent = typeof headers.traceparent === "string" ? headers.traceparent : undefined;
				const orderKey = await orderKeyOf(entry.webhook?.orderKey, body);
				const { envelope, duplicate } = await recordInbound(this.publisher(), { system: entry.system, partner: entry.partner, body, headers, deliveryId, orderKey, traceparent });
				return { received: true, id: envelope.id, duplicate };
			},
		},
		/** Onfleet's URL validation: GET ?check=<token> must echo the token. */
		webhookCheck: {
			handler(ctx: Context<WebhookParams, Meta>) {
				const { system, partner } = ctx.params.params;
				const entry = this.registry.find(system, partner);
				ctx.meta.$responseType = "text/plain; charset=utf-8";
				const check = ctx.params.query?.check;
				if (!entry.webhook || typeof check !== "string" || check.length === 0 || check.length > 512) {
					ctx.meta.$statusCode = 400;
					return "expected ?check=<token>";
				}
				return check;
			},
		},
		live: {
			handler() {
				return { status: "live" };
			},
		},
		/** Ready when the streams are reachable and the services behind the API are registered. */
		ready: {
			async handler(ctx: Context<unknown, Meta>) {
				const present = new Set(this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).map((s: { name: string }) => s.name));
				const missing = ["saga", "mapper", "ledger"].filter((name) => !present.has(name));
				let streams = "ok";
				try {
					await this.streamBus().depth("inbound");
				} catch (e: unknown) {
					streams = (e as Error).message;
				}
				const ready = missing.length === 0 && streams === "ok";
				if (!ready) ctx.meta.$statusCode = 503;
				return { status: ready ? "ready" : "not-ready", missing, streams };
			},
		},
	},

	methods: {
		publisher(): Publish {
			return (channel, envelope) => this.publishMessage(channel, envelope);
		},
	},

	created() {
		this.registry = loadPartnerRegistry();
	},
};

export default GatewayServiceSchema;

import type { Context, ServiceSettingSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { NotFoundError, SchemaInvalidError, assertMatches, salesOrderSchema, strictVariant, type SalesOrder } from "../../canonical/index.ts";
import { startIntake } from "../../mixins/tracing/hop-span.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { PayloadsMixin, type PayloadsMethods } from "../../mixins/payloads.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { recordInboundOnce, type ClaimCheck, type Publish } from "./inbound-recorder.ts";
import { ediKeys, keyFromBody } from "./body-keys.ts";
import { verifyWebhook } from "./webhook-verifier.ts";
import { assertWebhookObject } from "./json-shape.ts";
import { answerClientErrors } from "./client-errors.ts";
import { withIdempotencyKey, type RecordedResponse } from "./idempotency-key.ts";
import { Backpressure } from "./backpressure.ts";
import { handleRejection } from "./rejection-handler.ts";
import { gatewaySettings } from "./gateway-settings.ts";
import { gatewayRoutes } from "./routes.ts";
import { controlTowerActions } from "./control-tower/control-tower.actions.ts";
import { opsActions } from "./ops.actions.ts";
import { authoriseReturn, cancelOrder, changeOrder, orderCommandRequest, type OrderCommandDeps } from "./order-commands.ts";
import type { KnownOrder } from "./order-command-bodies.ts";
import { StreamGauges } from "./stream-gauges.ts";
import { KeyRing } from "./auth/key-ring.ts";
import { RateLimits } from "./auth/rate-limits.ts";
import { authenticateRequest, authorizeRequest } from "./auth/access-control.ts";
import { authActions } from "./auth/auth.actions.ts";
import { claimOrder, assertMayAccessOrder } from "./auth/order-access.ts";
import type { Principal } from "./auth/principal.ts";
import { orderReadActions } from "./order-reads.actions.ts";
import { carrierAndStockActions } from "./carrier-and-stock.actions.ts";
import { openApiActions } from "./openapi/openapi.actions.ts";
import { namespaceOf, settingsOf } from "../../mixins/runtime/broker-resources.ts";
import { brokerPrometheusText } from "../../mixins/metrics/prometheus-text.ts";

interface GatewayVars {
	registry: PartnerRegistry;
	backpressure: Backpressure;
	streamGauges: StreamGauges;
	payloadInlineMaxBytes: number;
	keyRing: KeyRing;
	rateLimits: RateLimits;
}
type GatewayMethods = DurableStreamsMethods & StoreMethods & PayloadsMethods & {
	publisher(): Publish;
	claimCheck(): ClaimCheck;
	/** Runs a request's intake as a span of its trace: the caller's (`traceparent` header) continued, or a new one. */
	withIntake<T>(name: string, header: unknown, run: (traceparent: string) => Promise<T>): Promise<T>;
	respond(ctx: Context<unknown, Meta>, response: RecordedResponse & { replayed: boolean }): unknown;
	orderCommands(ctx: Context<unknown, Meta>): OrderCommandDeps;
};
type WebhookParams = { params: { system: string; partner: string }; query: Record<string, string>; body: unknown };
export type Meta = {
	headers?: Record<string, string | string[] | undefined>;
	idempotencyKey?: string;
	/** Who is calling, as authenticated from the API key (null on public routes and partner webhooks). */
	user?: Principal | null;
	/** The caller's W3C traceparent header (governed API); webhooks read theirs from `headers`. */
	traceparent?: string;
	$statusCode?: number;
	$responseHeaders?: Record<string, string>;
	$responseType?: string;
};

const settings = gatewaySettings();

/**
 * HTTP in: the governed API under /api/v1, partner webhooks under /webhooks/{system}/{partner}
 * (signature checked on the raw bytes before parsing), health probes. Everything accepted is on
 * a durable stream before the 2xx goes out; everything refused is answered with problem+json and audited.
 */
const GatewayServiceSchema: StreamingServiceSchema<ServiceSettingSchema & Record<string, unknown>, GatewayMethods, GatewayVars> = {
	name: "gateway",
	mixins: [ApiGateway as never, StoreMixin(), PayloadsMixin(), DurableStreamsMixin()],
	settings: {
		port: settings.port,
		ip: settings.ip,
		routes: gatewayRoutes,
		log4XXResponses: false,
		// One access line per request, with status and time ("<= 202 POST /webhooks/... [+3 ms]"); the
		// request line and the action it calls are debug, not two more info lines for every webhook.
		logRequest: "debug",
		logResponse: "info",
		onError: handleRejection,
	},

	actions: {
		...controlTowerActions,
		...authActions,
		...orderReadActions,
		...carrierAndStockActions,
		...openApiActions,
		/** Release an order (the ERP owns it). Stored durably before the 202; Idempotency-Key honoured; the same order twice is one order. */
		releaseOrder: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				const { $params: _ignored, ...body } = ctx.params;
				const response = await withIdempotencyKey(this.store(), "POST /api/v1/orders", ctx.meta.idempotencyKey, body, async () => {
					// Closed: an unknown field is refused by name, not dropped (canonical/strict-schema.ts).
					const order = assertMatches<SalesOrder>("sales order", strictVariant(salesOrderSchema), body);
					if (ctx.meta.user) await claimOrder(this.store(), ctx.meta.user, order.orderId);
					await this.backpressure.admit();
					// The order's trace: every message about it carries this trace id.
					await this.withIntake("gateway release order", ctx.meta.traceparent, (traceparent) => recordInboundOnce(this.store(), settings.defaultDedupHorizonMs, this.publisher(), {
						system: "erp",
						partner: "api",
						body: Buffer.from(JSON.stringify(order)),
						headers: { "content-type": "application/json" },
						deliveryId: `order:${order.orderId}`,
						orderKey: order.orderId,
						traceparent,
					}, { claimCheck: this.claimCheck() }));
					const statusUrl = `/api/v1/orders/${encodeURIComponent(order.orderId)}`;
					return { status: 202, headers: { Location: statusUrl }, body: { orderId: order.orderId, status: "accepted", statusUrl } };
				});
				return this.respond(ctx, response);
			},
		},
		/** Cancel an order (the ERP owns it). Stored durably before the 202; Idempotency-Key honoured; 404 for an order Waybill was never given, 400 for a bad body. */
		cancelOrder: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				return this.respond(ctx, await cancelOrder(this.orderCommands(ctx), orderCommandRequest(ctx.params, ctx.meta.idempotencyKey)));
			},
		},
		/** Change an order's address, window or lines. As cancelOrder; the change id is the Idempotency-Key when given. */
		changeOrder: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				return this.respond(ctx, await changeOrder(this.orderCommands(ctx), orderCommandRequest(ctx.params, ctx.meta.idempotencyKey)));
			},
		},
		/** Authorise a return (RMA); pickup address, warehouse and lines default from the order. As cancelOrder. */
		authoriseReturn: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				return this.respond(ctx, await authoriseReturn(this.orderCommands(ctx), orderCommandRequest(ctx.params, ctx.meta.idempotencyKey)));
			},
		},
		/** A partner webhook: verified on the raw bytes, stored durably, then 200. One partner event is stored once, however often it is sent. */
		receiveWebhook: {
			async handler(ctx: Context<WebhookParams, Meta>) {
				const entry = this.registry.find(ctx.params.params.system, ctx.params.params.partner);
				const body = Buffer.isBuffer(ctx.params.body) ? ctx.params.body : Buffer.alloc(0);
				const headers = ctx.meta.headers ?? {};
				verifyWebhook(entry, this.registry.webhookSecrets(entry), headers, body);
				if ((entry.webhook?.format ?? "json") === "json") assertWebhookObject(entry.partner, body);
				await this.backpressure.admit();
				const header = (name?: string) => (name && typeof headers[name] === "string" ? (headers[name] as string) : undefined);
				// EDI (X12, EDIFACT): the interchange names itself; the same id on other bytes is refused, not taken for a repeat.
				const edi = ediKeys(entry.webhook?.format, body);
				const eventId = edi?.eventId ?? (await keyFromBody(entry.webhook?.eventId, body)) ?? header(entry.webhook?.deliveryIdHeader);
				const horizonMs = entry.webhook?.dedupHorizonHours ? entry.webhook.dedupHorizonHours * 3_600_000 : settings.defaultDedupHorizonMs;
				const orderKey = edi?.orderKey ?? (await keyFromBody(entry.webhook?.orderKey, body));
				const { id, duplicate } = await this.withIntake(`gateway webhook ${entry.system}/${entry.partner}`, header("traceparent"), (traceparent) => recordInboundOnce(this.store(), horizonMs, this.publisher(), {
					system: entry.system,
					partner: entry.partner,
					body,
					headers,
					deliveryId: eventId,
					orderKey,
					traceparent,
				}, { sameIdSameBytes: edi !== undefined, claimCheck: this.claimCheck() }));
				return { received: true, id, duplicate };
			},
		},
		/** Onfleet's URL validation: GET ?check=<token> must echo the token. */
		webhookCheck: {
			handler(ctx: Context<WebhookParams, Meta>) {
				const entry = this.registry.find(ctx.params.params.system, ctx.params.params.partner);
				const check = ctx.params.query?.check;
				if (!entry.webhook || typeof check !== "string" || check.length === 0 || check.length > 512) {
					throw new SchemaInvalidError("webhook check", [{ field: "check", message: "expected ?check=<token> (1 to 512 characters) on a partner that sends webhooks" }]);
				}
				// Echoed as plain text, never sniffed as HTML: the token is the caller's.
				ctx.meta.$responseType = "text/plain; charset=utf-8";
				ctx.meta.$responseHeaders = { "X-Content-Type-Options": "nosniff" };
				return check;
			},
		},
		...opsActions,
		/** Prometheus text of this node's metrics (embedded mode: the whole platform's), backlog gauges read just before. */
		metrics: {
			async handler(ctx: Context<unknown, Meta>) {
				await this.streamGauges.refresh();
				const text = brokerPrometheusText(this.broker);
				if (text === undefined) throw new NotFoundError("metrics", "METRICS=false on this node");
				ctx.meta.$responseType = "text/plain; version=0.0.4; charset=utf-8";
				return text;
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
		/** moleculer-web's authentication hook: the API key, the route's requirement, the caller's rate. */
		authenticate(_ctx: unknown, _route: unknown, req: Parameters<typeof authenticateRequest>[1]) {
			return authenticateRequest({ keyRing: this.keyRing, rateLimits: this.rateLimits, registry: this.registry }, req);
		},
		authorize(ctx: Context<unknown, Meta>, _route: unknown, req: Parameters<typeof authorizeRequest>[1]) {
			authorizeRequest(ctx.meta.user ?? undefined, req);
		},
		/**
		 * moleculer-web logs every 5xx with its stack at error level. A retryable refusal (overloaded,
		 * a stream or partner briefly unavailable) is an expected answer under load: one warn line.
		 */
		errorHandler(req: unknown, res: unknown, err: unknown) {
			const e = err as { name?: string; message?: string; code?: number; retryable?: boolean; stack?: string; data?: unknown };
			if (e?.retryable) this.logger.warn(`request refused for now: ${e.name}: ${e.message}`);
			else if (!(typeof e?.code === "number" && e.code >= 400 && e.code < 500)) this.logger.error("request failed", e?.name, e?.message, e?.stack, e?.data);
			(this as unknown as { sendError(req: unknown, res: unknown, err: unknown): void }).sendError(req, res, err);
		},
		publisher(): Publish {
			return (channel, envelope) => this.publishMessage(channel, envelope);
		},
		claimCheck(): ClaimCheck {
			return { inlineMaxBytes: this.payloadInlineMaxBytes, payloads: this.payloads() };
		},
		async withIntake<T>(name: string, header: unknown, run: (traceparent: string) => Promise<T>): Promise<T> {
			const { traceparent, span } = startIntake(this.broker, name, header, {}, this);
			try {
				const result = await run(traceparent);
				span.finish();
				return result;
			} catch (e: unknown) {
				span.finish(e);
				throw e;
			}
		},
		orderCommands(ctx: Context<unknown, Meta>): OrderCommandDeps {
			return {
				store: this.store(),
				publish: this.publisher(),
				claimCheck: this.claimCheck(),
				intake: (name, run) => this.withIntake(name, ctx.meta.traceparent, run),
				dedupHorizonMs: settings.defaultDedupHorizonMs,
				admit: () => this.backpressure.admit(),
				findOrder: async (orderId: string) => {
					const known = await ctx.call<KnownOrder & { timeline?: Array<{ partner?: string }> }, { orderId: string }>("saga.getOrder", { orderId });
					await assertMayAccessOrder(this.store(), ctx.meta.user ?? undefined, known);
					return known;
				},
			};
		},
		respond(ctx, response) {
			ctx.meta.$statusCode = response.status;
			ctx.meta.$responseHeaders = { ...response.headers, ...(response.replayed ? { "Idempotent-Replayed": "true" } : {}) };
			return response.body;
		},
	},

	created() {
		// Read at creation, not import: a restarted gateway in the same process takes the current PORT.
		const current = gatewaySettings();
		Object.assign(this.settings, { port: current.port, ip: current.ip });
		this.payloadInlineMaxBytes = current.payloadInlineMaxBytes;
		this.registry = loadPartnerRegistry();
		this.registry.assertOwnWebhookSecrets();
		this.backpressure = new Backpressure(() => this.streamBus(), settings.backpressure);
		this.streamGauges = new StreamGauges(this.broker, () => this.streamBus());
		this.keyRing = new KeyRing(() => this.store());
		this.rateLimits = new RateLimits(current.rateLimits, namespaceOf(this.broker), settingsOf(this.broker).redisUrl);
	},
	started() {
		answerClientErrors((this as unknown as { server: import("node:http").Server }).server);
		this.streamGauges.start();
	},
	async stopped() {
		this.streamGauges.stop();
		await this.rateLimits.close();
	},
};

export default GatewayServiceSchema;

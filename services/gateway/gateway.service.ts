import type { Context, ServiceSettingSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { NotFoundError, assertMatches, salesOrderSchema, type SalesOrder } from "../../canonical/index.ts";
import { startIntake } from "../../mixins/tracing/hop-span.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { PayloadsMixin, type PayloadsMethods } from "../../mixins/payloads.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import { recordInboundOnce, type ClaimCheck, type Publish } from "./inbound-recorder.ts";
import { ediKeys, keyFromBody } from "./body-keys.ts";
import { verifyWebhook } from "./webhook-verifier.ts";
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
import { brokerPrometheusText } from "../../mixins/metrics/prometheus-text.ts";

interface GatewayVars {
	registry: PartnerRegistry;
	backpressure: Backpressure;
	streamGauges: StreamGauges;
	payloadInlineMaxBytes: number;
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
	/** The caller's W3C traceparent header (governed API); webhooks read theirs from `headers`. */
	traceparent?: string;
	$statusCode?: number;
	$responseHeaders?: Record<string, string>;
	$responseType?: string;
};

const settings = gatewaySettings();
/** Live partner calls may retry inside the adapter: give them longer than the broker's default. */
const PARTNER_CALL_TIMEOUT_MS = 30_000;

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
		onError: handleRejection,
	},

	actions: {
		...controlTowerActions,
		/** Release an order (the ERP owns it). Stored durably before the 202; Idempotency-Key honoured; the same order twice is one order. */
		releaseOrder: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				const { $params: _ignored, ...body } = ctx.params;
				const response = await withIdempotencyKey(this.store(), "POST /api/v1/orders", ctx.meta.idempotencyKey, body, async () => {
					const order = assertMatches<SalesOrder>("sales order", salesOrderSchema, body);
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
		/** Unified status and timeline of one order. */
		getOrder: {
			params: { orderId: { type: "string", min: 1, max: 128 } },
			handler(ctx: Context<{ orderId: string }>) {
				return ctx.call("saga.getOrder", { orderId: ctx.params.orderId });
			},
		},
		/** Availability of a SKU, per warehouse or over all; never silently stale: a last-known answer says so, and how old it is. */
		inventory: {
			params: { sku: { type: "string", min: 1, max: 64 }, warehouse: { type: "string", optional: true, max: 64 } },
			async handler(ctx: Context<{ sku: string; warehouse?: string }, Meta>) {
				const answer = await ctx.call<{ stale: boolean; positions: Array<{ ageSeconds: number }> }, unknown>("wms.inventory", ctx.params, { timeout: PARTNER_CALL_TIMEOUT_MS });
				if (answer.stale) {
					const age = Math.max(...answer.positions.map((p) => p.ageSeconds));
					ctx.meta.$responseHeaders = { Age: String(age), Warning: '110 - "Response is Stale"' };
				}
				return answer;
			},
		},
		/** Book a carrier shipment: 201 when the carrier confirmed it live, 202 with a status URL when it will once the carrier is back. Idempotency-Key honoured. */
		bookShipment: {
			async handler(ctx: Context<Record<string, unknown>, Meta>) {
				const { $params: _ignored, ...body } = ctx.params;
				const response = await withIdempotencyKey(this.store(), "POST /api/v1/shipments", ctx.meta.idempotencyKey, body, async () => {
					const booking = await ctx.call<{ bookingId: string; status: string; confirmation?: unknown; pendingReason?: string }, unknown>("lastmile.bookShipment", body, { timeout: PARTNER_CALL_TIMEOUT_MS });
					const statusUrl = `/api/v1/shipments/${encodeURIComponent(booking.bookingId)}`;
					const booked = booking.status === "booked";
					return { status: booked ? 201 : 202, headers: { Location: statusUrl }, body: { ...booking, statusUrl } };
				});
				return this.respond(ctx, response);
			},
		},
		getShipment: {
			params: { bookingId: { type: "string", min: 1, max: 128 } },
			handler(ctx: Context<{ bookingId: string }>) {
				return ctx.call("lastmile.getBooking", ctx.params);
			},
		},
		/** A partner webhook: verified on the raw bytes, stored durably, then 200. One partner event is stored once, however often it is sent. */
		receiveWebhook: {
			async handler(ctx: Context<WebhookParams, Meta>) {
				const entry = this.registry.find(ctx.params.params.system, ctx.params.params.partner);
				const body = Buffer.isBuffer(ctx.params.body) ? ctx.params.body : Buffer.alloc(0);
				const headers = ctx.meta.headers ?? {};
				verifyWebhook(entry, this.registry.webhookSecrets(entry), headers, body);
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
				ctx.meta.$responseType = "text/plain; charset=utf-8";
				const check = ctx.params.query?.check;
				if (!entry.webhook || typeof check !== "string" || check.length === 0 || check.length > 512) {
					ctx.meta.$statusCode = 400;
					return "expected ?check=<token>";
				}
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
				findOrder: (orderId: string) => ctx.call<KnownOrder, { orderId: string }>("saga.getOrder", { orderId }),
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
		this.backpressure = new Backpressure(() => this.streamBus(), settings.backpressure);
		this.streamGauges = new StreamGauges(this.broker, () => this.streamBus());
	},
	started() {
		this.streamGauges.start();
	},
	stopped() {
		this.streamGauges.stop();
	},
};

export default GatewayServiceSchema;

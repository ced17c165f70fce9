import type { Context } from "moleculer";
import { assertMatches, bookingRequestSchema, strictVariant } from "../../canonical/index.ts";
import type { Store } from "../../mixins/store/store.ts";
import { withIdempotencyKey, type RecordedResponse } from "./idempotency-key.ts";

/** Live partner calls may retry inside the adapter: give them longer than the broker's default. */
const PARTNER_CALL_TIMEOUT_MS = 30_000;

type Meta = { idempotencyKey?: string; $statusCode?: number; $responseHeaders?: Record<string, string> };
interface Host {
	store(): Store;
	respond(ctx: Context<unknown, Meta>, response: RecordedResponse & { replayed: boolean }): unknown;
}

/** The governed API's live partner queries: stock at the warehouses, carrier bookings. */
export const carrierAndStockActions = {
	/** Availability of a SKU, per warehouse or over all; never silently stale: a last-known answer says so, and how old it is. */
	inventory: {
		params: { sku: { type: "string", min: 1, max: 64, pattern: /^(?!\.{1,2}$)[^\u0000-\u001f\u007f]+$/ }, warehouse: { type: "string", optional: true, max: 64 } },
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
		async handler(this: Host, ctx: Context<Record<string, unknown>, Meta>) {
			const { $params: _ignored, ...body } = ctx.params;
			const response = await withIdempotencyKey(this.store(), "POST /api/v1/shipments", ctx.meta.idempotencyKey, body, async () => {
				assertMatches("shipment booking", strictVariant(bookingRequestSchema), body);
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
};

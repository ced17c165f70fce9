import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { LASTMILE_COMMANDS, assertMatches, bookingRequestSchema, type BookingConfirmation, type ChannelName, type Envelope, type ShipmentBooking } from "../../canonical/index.ts";
import { PartnerAdapterMixin, type PartnerAdapterMethods, type PartnerAnswer } from "../../mixins/partner-adapter.mixin.ts";
import type { DurableStreamsMethods } from "../../mixins/durable-streams.mixin.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { bookShipment, getBooking, markBooked } from "./bookings.ts";

type LastMileMethods = PartnerAdapterMethods & StoreMethods & DurableStreamsMethods;

/**
 * The last-mile adapter: dispatch and proof of delivery. Delivery jobs go out from the durable
 * command stream, each at least once with its idempotency key, so the platform applies it once;
 * route facts come back through the gateway. Carrier bookings are asked live, else queued.
 */
const LastMileServiceSchema: ServiceSchema<ServiceSettingSchema, LastMileMethods> = {
	name: "lastmile",
	mixins: [PartnerAdapterMixin("lastmile"), StoreMixin()],
	actions: {
		/** Book a carrier shipment: booked now, or accepted and completed when the carrier recovers. One reference is one booking. */
		bookShipment: {
			async handler(ctx: Context<Record<string, unknown>>) {
				const request = assertMatches<Omit<ShipmentBooking, "bookingId">>("shipment booking", bookingRequestSchema, { ...ctx.params });
				const entry = this.partnerFor();
				const publish = (c: ChannelName, e: Envelope) => this.publishMessage(c, e);
				return bookShipment({ store: this.store(), partner: entry.partner, entry, call: this.callPartner.bind(this), publish }, request);
			},
		},
		getBooking: {
			params: { bookingId: { type: "string", min: 1, max: 128 } },
			handler(ctx: Context<{ bookingId: string }>) {
				return getBooking(this.store(), ctx.params.bookingId);
			},
		},
	},
	methods: {
		/** A queued booking that went through completes its record. */
		async afterCommand(envelope: Envelope, answer: PartnerAnswer) {
			if (envelope.type === LASTMILE_COMMANDS.BOOK_SHIPMENT) await markBooked(this.store(), answer.data as BookingConfirmation);
		},
	},
};

export default LastMileServiceSchema;

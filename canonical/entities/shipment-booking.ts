import { addressSchema, idSchema, type Address } from "./common.ts";

export const SHIPMENT_BOOKING_VERSION = 1;

/** A carrier booking asked for through the governed API (POST /api/v1/shipments). */
export interface ShipmentBooking {
	bookingId: string;
	reference: string;
	from: Address;
	to: Address;
	parcels: Array<{ weightKg: number; lengthCm?: number; widthCm?: number; heightCm?: number }>;
	serviceLevel?: string;
}

/** What the carrier answered: it owns the tracking code and the label. */
export interface BookingConfirmation {
	bookingId: string;
	reference: string;
	partnerRef: string;
	trackingCode: string;
	labelUrl?: string;
	carrier?: string;
	bookedAt: string;
}

const dimension = { type: "number", positive: true, optional: true, max: 1000 } as const;

export const bookingRequestSchema = {
	$$strict: "remove",
	reference: { type: "string", min: 1, max: 64, pattern: /^[A-Za-z0-9._:-]+$/ },
	from: addressSchema,
	to: addressSchema,
	parcels: {
		type: "array",
		min: 1,
		max: 50,
		items: { type: "object", props: { weightKg: { type: "number", positive: true, max: 1000 }, lengthCm: dimension, widthCm: dimension, heightCm: dimension } },
	},
	serviceLevel: { type: "string", optional: true, max: 32 },
} as const;

export const shipmentBookingSchema = { ...bookingRequestSchema, bookingId: idSchema } as const;

export const bookingConfirmationSchema = {
	$$strict: "remove",
	bookingId: idSchema,
	reference: { type: "string", min: 1, max: 64 },
	partnerRef: { type: "string", min: 1, max: 128 },
	trackingCode: { type: "string", min: 1, max: 64 },
	labelUrl: { type: "string", optional: true, max: 1024 },
	carrier: { type: "string", optional: true, max: 64 },
	bookedAt: { type: "string", min: 10, max: 40 },
} as const;

import { addressSchema, idSchema, isoTime, optionalIsoTime, windowSchema, type Address, type TimeWindow } from "./common.ts";

export const DELIVERY_JOB_VERSION = 1;

export interface ProofOfDelivery {
	recipientName?: string;
	signatureRef?: string;
	photoRefs?: string[];
	location?: { lat: number; lng: number };
	notes?: string;
}

export interface DeliveryAttempt {
	attemptNo: number;
	at: string;
	outcome: "delivered" | "failed";
	reason?: string;
}

/** One stop of a route. The last-mile platform owns route, ETA, attempts and proof. */
export interface DeliveryStop {
	stopId: string;
	address: Address;
	window?: TimeWindow;
	eta?: string;
	attempts: DeliveryAttempt[];
	proofOfDelivery?: ProofOfDelivery;
}

export interface DeliveryJob {
	deliveryJobId: string;
	orderId: string;
	shipmentId: string;
	partner: string;
	partnerRef?: string;
	packages: number;
	stops: DeliveryStop[];
}

export const proofOfDeliverySchema = {
	type: "object",
	optional: true,
	props: {
		recipientName: { type: "string", optional: true, max: 200 },
		signatureRef: { type: "string", optional: true, max: 256 },
		photoRefs: { type: "array", optional: true, items: "string" },
		location: { type: "object", optional: true, props: { lat: "number", lng: "number" } },
		notes: { type: "string", optional: true, max: 2000 },
	},
} as const;

export const deliveryStopSchema = {
	type: "object",
	props: {
		stopId: idSchema,
		address: addressSchema,
		window: windowSchema,
		eta: optionalIsoTime,
		attempts: {
			type: "array",
			items: {
				type: "object",
				props: {
					attemptNo: "number|integer|min:1",
					at: isoTime,
					outcome: { type: "enum", values: ["delivered", "failed"] },
					reason: { type: "string", optional: true },
				},
			},
		},
		proofOfDelivery: proofOfDeliverySchema,
	},
} as const;

export const deliveryJobSchema = {
	$$strict: "remove",
	deliveryJobId: idSchema,
	orderId: idSchema,
	shipmentId: idSchema,
	partner: idSchema,
	partnerRef: { type: "string", optional: true, max: 128 },
	packages: { type: "number", integer: true, min: 1 },
	stops: { type: "array", min: 1, items: deliveryStopSchema },
} as const;

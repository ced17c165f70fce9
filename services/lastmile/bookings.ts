import { createHash } from "node:crypto";
import {
	CHANNELS, LASTMILE_COMMANDS, LASTMILE_FACTS, IdempotencyConflictError, NotFoundError, assertMatches, bookingConfirmationSchema, catalogueEntry, createEnvelope,
	isPartnerUnavailable, type BookingConfirmation, type ChannelName, type Envelope, type ShipmentBooking,
} from "../../canonical/index.ts";
import type { PartnerAdapterMethods } from "../../mixins/partner-adapter.mixin.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import type { Store } from "../../mixins/store/store.ts";

export interface BookingRecord {
	bookingId: string;
	status: "pending" | "booked";
	request: ShipmentBooking;
	requestDigest: string;
	acceptedAt: string;
	confirmation?: BookingConfirmation;
	/** Why it is pending: the partner's unavailability when it was asked live. */
	pendingReason?: string;
}

export interface BookingDeps {
	store: Store;
	partner: string;
	call: PartnerAdapterMethods["callPartner"];
	entry: Parameters<PartnerAdapterMethods["callPartner"]>[0];
	publish(channel: ChannelName, envelope: Envelope): Promise<PublishResult>;
}

const bookingKey = (id: string) => `booking:${id}`;
const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

/**
 * A carrier booking through the governed API: asked live (one attempt through the partner's
 * policy); when the carrier is unavailable it is accepted anyway, stored as a durable command
 * and completed when the carrier recovers. The booking id derives from the client's reference,
 * and the same key goes to the carrier on both paths, so one reference is one booking.
 */
export async function bookShipment(deps: BookingDeps, request: Omit<ShipmentBooking, "bookingId">): Promise<BookingRecord> {
	const booking: ShipmentBooking = { ...request, bookingId: `BK-${request.reference}` };
	const requestDigest = digest(request);
	const fresh: BookingRecord = { bookingId: booking.bookingId, status: "pending", request: booking, requestDigest, acceptedAt: new Date().toISOString() };
	if (!(await deps.store.setIfAbsent(bookingKey(booking.bookingId), fresh))) {
		const existing = (await deps.store.get<BookingRecord>(bookingKey(booking.bookingId)))!;
		if (existing.requestDigest !== requestDigest) throw new IdempotencyConflictError(`reference ${request.reference}`);
		return existing;
	}
	const idempotencyKey = `booking:${booking.bookingId}`;
	try {
		const answer = await deps.call(deps.entry, LASTMILE_COMMANDS.BOOK_SHIPMENT, booking, { path: "command", idempotencyKey });
		const confirmation = assertMatches<BookingConfirmation>("booking confirmation", bookingConfirmationSchema, answer?.data);
		await publishBooked(deps, booking, confirmation, idempotencyKey);
		return markBooked(deps.store, confirmation);
	} catch (e: unknown) {
		if (!isPartnerUnavailable(e)) throw e;
		await deps.publish(
			CHANNELS.LASTMILE_COMMANDS,
			createEnvelope({
				type: LASTMILE_COMMANDS.BOOK_SHIPMENT,
				source: "waybill/lastmile",
				subject: booking.bookingId,
				data: booking,
				schemaVersion: catalogueEntry(LASTMILE_COMMANDS.BOOK_SHIPMENT)!.version,
				idempotencyKey,
				partner: deps.partner,
			}),
		);
		const pending = { ...fresh, pendingReason: (e as Error).message };
		await deps.store.set(bookingKey(booking.bookingId), pending);
		return pending;
	}
}

/** Records the carrier's confirmation; called on the live path and when a queued booking completes. */
export async function markBooked(store: Store, confirmation: BookingConfirmation): Promise<BookingRecord> {
	const record = await store.get<BookingRecord>(bookingKey(confirmation.bookingId));
	if (!record) throw new NotFoundError("booking", confirmation.bookingId);
	const booked: BookingRecord = { ...record, status: "booked", confirmation, pendingReason: undefined };
	await store.set(bookingKey(confirmation.bookingId), booked);
	return booked;
}

export async function getBooking(store: Store, bookingId: string): Promise<BookingRecord> {
	const record = await store.get<BookingRecord>(bookingKey(bookingId));
	if (!record) throw new NotFoundError("booking", bookingId);
	return record;
}

/** The live path's confirmation is a fact like the queued path's, so the ledger has every booking. */
function publishBooked(deps: BookingDeps, booking: ShipmentBooking, confirmation: BookingConfirmation, idempotencyKey: string): Promise<PublishResult> {
	return deps.publish(
		CHANNELS.EVENTS,
		createEnvelope({
			type: LASTMILE_FACTS.SHIPMENT_BOOKED,
			source: `partner/lastmile/${deps.partner}`,
			subject: booking.bookingId,
			data: confirmation,
			schemaVersion: catalogueEntry(LASTMILE_FACTS.SHIPMENT_BOOKED)!.version,
			idempotencyKey: `${idempotencyKey}:answer`,
			partner: deps.partner,
		}),
	);
}

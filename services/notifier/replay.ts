import { CHANNELS, DeliveryNotReplayableError, NotFoundError, type ChannelName, type Envelope } from "../../canonical/index.ts";
import type { Deliveries, Delivery } from "./deliveries.store.ts";
import { reopened, sendMessage } from "./delivery-records.ts";

export interface ReplayDeps {
	deliveries: Deliveries;
	publish(channel: ChannelName, envelope: Envelope): Promise<unknown>;
	now(): string;
}

/**
 * Sends a delivered or failed delivery again, with the same webhook-id (the receiver deduplicates
 * on it, as the spec says for retries). The send message is stored first, then the record
 * reopened: whichever the sender sees first, the replay happens, and a crash in between loses
 * nothing (the sender applies a replay number it has not recorded yet). Two replays at once are one.
 */
export async function replayDelivery(deps: ReplayDeps, subscriptionId: string, deliveryId: string): Promise<Delivery> {
	const found = await deps.deliveries.get(deliveryId);
	if (!found || found.value.subscriptionId !== subscriptionId) throw new NotFoundError("webhook delivery", deliveryId);
	if (found.value.state === "pending") throw new DeliveryNotReplayableError(deliveryId, found.value.state);
	const replay = found.value.replays + 1;
	await deps.publish(CHANNELS.NOTIFICATIONS, sendMessage(found.value, replay));
	for (let current = found; ; ) {
		if (current.value.replays >= replay) return current.value;
		const next = reopened(current.value, replay, deps.now());
		if ((await deps.deliveries.update(next, current.version)) !== null) return next;
		const reread = await deps.deliveries.get(deliveryId);
		if (!reread) throw new NotFoundError("webhook delivery", deliveryId);
		current = reread;
	}
}

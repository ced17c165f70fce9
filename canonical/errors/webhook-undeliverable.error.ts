import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A webhook that will not be sent again by itself: its attempts ran out, or its URL may not be called. Replay it by hand. */
export class WebhookUndeliverableError extends WaybillError {
	constructor(deliveryId: string, reason: string, attempts: number) {
		super(`webhook delivery '${deliveryId}' failed for good after ${attempts} attempt(s): ${reason}`, 502, ERROR_TYPES.WEBHOOK_UNDELIVERABLE, { deliveryId, reason, attempts });
	}
}

export const isWebhookUndeliverable = (e: unknown): e is WebhookUndeliverableError => asErrorLike(e).type === ERROR_TYPES.WEBHOOK_UNDELIVERABLE;

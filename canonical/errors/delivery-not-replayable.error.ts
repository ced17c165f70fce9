import { ERROR_TYPES } from "./error-types.ts";
import { WaybillError, asErrorLike } from "./waybill-error.ts";

/** A webhook delivery still being attempted cannot be replayed: wait until it is delivered or failed. */
export class DeliveryNotReplayableError extends WaybillError {
	constructor(deliveryId: string, state: string) {
		super(`webhook delivery '${deliveryId}' is ${state}; only a delivered or failed delivery can be replayed`, 409, ERROR_TYPES.DELIVERY_NOT_REPLAYABLE, { deliveryId, state });
	}
}

export const isDeliveryNotReplayable = (e: unknown): e is DeliveryNotReplayableError => asErrorLike(e).type === ERROR_TYPES.DELIVERY_NOT_REPLAYABLE;

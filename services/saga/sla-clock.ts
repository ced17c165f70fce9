import { CHANNELS, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope } from "../../canonical/index.ts";
import { DurableTimers } from "../../mixins/timers/durable-timers.ts";
import { TimerTicker } from "../../mixins/timers/timer-ticker.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { PublishResult } from "../../mixins/streams/stream-bus.ts";
import type { TimerIntent } from "./order-saga.ts";

export interface ClockPayload {
	orderId: string;
	clock: string;
	dueAt: string;
	caseId?: string;
}

/** A timer carries the order's trace, so the fact it fires continues it; the fact's data is the clock alone. */
type TimerPayload = ClockPayload & { traceparent?: string };

/**
 * The saga's SLA clocks: durable timers in the store, so they survive restarts and fire once
 * across replicas. A due clock becomes a `waybill.clock.elapsed` fact on the order's partition,
 * so the saga judges it in order with the order's other facts; its id derives from order, clock
 * and due time, so a timer fired twice (a crash mid-fire) is one fact.
 */
export class SlaClock {
	private readonly timers: DurableTimers<TimerPayload>;
	private readonly ticker: TimerTicker<TimerPayload>;

	constructor(store: Store, publish: (c: ChannelName, e: Envelope) => Promise<PublishResult>, onError: (error: unknown, id?: string) => void, tickMs = Number(process.env.SLA_TICK_MS) || 1_000) {
		this.timers = new DurableTimers<TimerPayload>(store, "sla");
		this.ticker = new TimerTicker<TimerPayload>({
			timers: this.timers,
			tickMs,
			onError,
			handler: async ({ payload: { traceparent, ...payload } }) => {
				await publish(CHANNELS.EVENTS, createEnvelope({
					type: WAYBILL_FACTS.CLOCK_ELAPSED,
					source: "waybill/saga",
					subject: payload.orderId,
					correlationId: payload.orderId,
					data: payload,
					schemaVersion: 1,
					idempotencyKey: `${payload.orderId}:clock:${payload.clock}:${payload.dueAt}`,
					traceparent,
				}));
			},
		});
	}

	schedule(orderId: string, timer: TimerIntent, traceparent?: string): Promise<void> {
		const payload: TimerPayload = { orderId, clock: timer.clock, dueAt: timer.dueAt, ...(timer.caseId ? { caseId: timer.caseId } : {}), ...(traceparent ? { traceparent } : {}) };
		return this.timers.schedule({ id: `${orderId}:${timer.clock}`, dueAt: Date.parse(timer.dueAt), payload });
	}

	pending(): Promise<number> {
		return this.timers.pending();
	}

	/** The next clocks to come due (overdue ones first). */
	async upcoming(limit: number): Promise<ClockPayload[]> {
		return (await this.timers.upcoming(limit)).map(({ payload: { traceparent: _trace, ...clock } }) => clock);
	}

	start(): void {
		this.ticker.start();
	}

	stop(): Promise<void> {
		return this.ticker.stop();
	}
}

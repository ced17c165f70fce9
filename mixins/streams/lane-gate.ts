import { setTimeout as sleep } from "node:timers/promises";
import { CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, GROUPS } from "../../canonical/channels.ts";
import { ConfigurationInvalidError, StreamUnavailableError } from "../../canonical/errors/index.ts";

/** How batch work yields to operational work in one process. */
export interface LaneGateSettings {
	/** Batch messages handled at once by this service, across its batch channels. */
	maxInFlight: number;
	/** Batch work waits while the operational backlog (the sum over the watched consumer groups) is above this. */
	yieldAbove: number;
	/** The operational backlog is read at most this often, and only while batch work waits to start. */
	sampleEveryMs: number;
	/** Under sustained operational load, one batch message starts per this long anyway (alone): a trickle, never starvation. */
	maxPauseMs: number;
}

export const DEFAULT_LANE_GATE: LaneGateSettings = { maxInFlight: 1, yieldAbove: 0, sampleEveryMs: 100, maxPauseMs: 30_000 };

/** The consumer groups on an order's path: the work batch lanes must never delay. */
export const OPERATIONAL_SUBSCRIPTIONS: ReadonlyArray<{ channel: string; group: string }> = [
	{ channel: CHANNELS.INBOUND, group: GROUPS.MAPPER },
	{ channel: CHANNELS.EVENTS, group: GROUPS.SAGA },
	...Object.entries(COMMAND_CHANNEL_BY_SYSTEM).map(([system, channel]) => ({ channel, group: system })),
];

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min) throw new ConfigurationInvalidError(name, `expected an integer of at least ${min}, got '${raw}'`);
	return value;
}

export function laneGateSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LaneGateSettings {
	return {
		maxInFlight: positive(env, "BATCH_MAX_IN_FLIGHT", DEFAULT_LANE_GATE.maxInFlight),
		yieldAbove: positive(env, "BATCH_YIELD_BACKLOG", DEFAULT_LANE_GATE.yieldAbove, 0),
		sampleEveryMs: positive(env, "BATCH_YIELD_SAMPLE_MS", DEFAULT_LANE_GATE.sampleEveryMs),
		maxPauseMs: positive(env, "BATCH_MAX_PAUSE_MS", DEFAULT_LANE_GATE.maxPauseMs),
	};
}

interface Waiter {
	since: number;
	resolve(): void;
	reject(error: unknown): void;
}

/**
 * Lower priority for batch lanes, the same on JetStream and on its in-memory twin because it
 * only reads `StreamBus.backlog`: a batch handler starts when fewer than `maxInFlight` run in
 * this service and the operational backlog is at most `yieldAbove`; otherwise it waits (its
 * message stays unacknowledged on its own stream, which is all a batch lane's partition holds).
 * Operational consumers never pass through a gate: they are never slowed, only given room.
 */
export class LaneGate {
	private inFlight = 0;
	private readonly waiting: Waiter[] = [];
	private driving = false;
	private closed = false;
	private backlog = 0;
	private sampledAt = 0;
	private lastStarvedStart = 0;
	private slotFreed?: PromiseWithResolvers<void>;
	private readonly stats = { started: 0, paused: 0, starvedStarts: 0 };

	constructor(
		/** The operational backlog now; a read that fails leaves the last value. */
		private readonly operationalBacklog: () => Promise<number>,
		private readonly settings: LaneGateSettings = DEFAULT_LANE_GATE,
		private readonly now: () => number = Date.now,
	) {}

	/** Runs `work` once batch work may start; a gate closed meanwhile refuses it with a retryable error (the message is redelivered). */
	async run<T>(work: () => Promise<T>): Promise<T> {
		await this.acquire();
		try {
			return await work();
		} finally {
			this.inFlight--;
			this.slotFreed?.resolve();
			this.drive();
		}
	}

	/** Waiting work is refused (redelivered later, by whichever process then holds the lane); work under way finishes. */
	close(): void {
		this.closed = true;
		for (const w of this.waiting.splice(0)) w.reject(new StreamUnavailableError("batch lane", "the service is stopping; the message will be redelivered"));
		this.slotFreed?.resolve();
	}

	/** For operators and tests: what the gate holds and how often it held back. */
	state(): { inFlight: number; waiting: number; operationalBacklog: number; started: number; paused: number; starvedStarts: number } {
		return { inFlight: this.inFlight, waiting: this.waiting.length, operationalBacklog: this.backlog, ...this.stats };
	}

	private acquire(): Promise<void> {
		if (this.closed) return Promise.reject(new StreamUnavailableError("batch lane", "the service is stopping"));
		const { promise, resolve, reject } = Promise.withResolvers<void>();
		this.waiting.push({ since: this.now(), resolve, reject });
		this.drive();
		return promise;
	}

	/** One loop per gate hands out slots in arrival order, re-reading the backlog before each start. */
	private drive(): void {
		if (this.driving) return;
		this.driving = true;
		void this.loop().finally(() => {
			this.driving = false;
			if (this.waiting.length > 0 && !this.closed) this.drive();
		});
	}

	private async loop(): Promise<void> {
		while (this.waiting.length > 0 && !this.closed) {
			if (this.inFlight >= this.settings.maxInFlight) {
				this.slotFreed = Promise.withResolvers<void>();
				await this.slotFreed.promise;
				continue;
			}
			const busy = (await this.sample()) > this.settings.yieldAbove;
			const head = this.waiting[0];
			if (!head) return;
			// Starved: one goes ahead per maxPauseMs, alone, so sustained load sees at most a trickle of batch work.
			const starved = this.now() - Math.max(head.since, this.lastStarvedStart) >= this.settings.maxPauseMs;
			if (busy && !(starved && this.inFlight === 0)) {
				this.stats.paused++;
				await sleep(this.settings.sampleEveryMs, undefined, { ref: false });
				continue;
			}
			if (busy) {
				this.stats.starvedStarts++;
				this.lastStarvedStart = this.now();
			}
			this.waiting.shift();
			this.inFlight++;
			this.stats.started++;
			head.resolve();
		}
	}

	private async sample(): Promise<number> {
		if (this.now() - this.sampledAt < this.settings.sampleEveryMs) return this.backlog;
		try {
			this.backlog = await this.operationalBacklog();
		} catch {
			// The broker could not answer: decide on the last reading; the batch work itself will meet the outage.
		}
		this.sampledAt = this.now();
		return this.backlog;
	}
}

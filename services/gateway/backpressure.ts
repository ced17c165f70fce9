import { OverloadedError } from "../../canonical/errors/index.ts";
import type { ChannelName } from "../../canonical/channels.ts";
import type { StreamBus } from "../../mixins/streams/stream-bus.ts";

export interface BackpressureSettings {
	/** Intake is refused while any watched backlog is above this. */
	limit: number;
	/** Backlogs are read at most this often (each read asks the broker). */
	refreshMs: number;
	watched: Array<{ channel: ChannelName; group: string }>;
}

/**
 * Back-pressure at the door: when the work behind the gateway piles up past the limit, new input
 * is answered 503 with Retry-After, so the partner holds it instead of Waybill growing memory
 * and latency. Backlogs are sampled, not read per request.
 */
export class Backpressure {
	private sampledAt = 0;
	private worst = { channel: "", backlog: 0 };
	private sampling?: Promise<void>;

	constructor(private readonly bus: () => StreamBus, private readonly settings: BackpressureSettings) {}

	async admit(): Promise<void> {
		if (Date.now() - this.sampledAt > this.settings.refreshMs) {
			// A broker that cannot answer is not a reason to refuse: the publish itself will say.
			this.sampling ??= this.sample().catch(() => undefined).finally(() => (this.sampling = undefined));
			await this.sampling;
		}
		if (this.worst.backlog > this.settings.limit) {
			throw new OverloadedError(this.worst.channel, this.worst.backlog, this.settings.limit, Math.max(1_000, this.settings.refreshMs));
		}
	}

	private async sample(): Promise<void> {
		const backlogs = await Promise.all(this.settings.watched.map(async (w) => ({ channel: w.channel, backlog: await this.bus().backlog(w.channel, w.group) })));
		this.worst = backlogs.reduce((a, b) => (b.backlog > a.backlog ? b : a), { channel: "", backlog: 0 });
		this.sampledAt = Date.now();
	}
}

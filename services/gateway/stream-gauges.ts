import type { ServiceBroker } from "moleculer";
import { CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, GROUPS } from "../../canonical/channels.ts";
import type { StreamBus } from "../../mixins/streams/stream-bus.ts";
import { METRIC } from "../../mixins/metrics/waybill-metrics.ts";
import { STREAMS_METADATA } from "../../mixins/durable-streams.mixin.ts";

type Subscription = { channel: string; group: string };

/**
 * The core platform's durable subscriptions, reported from the start. Others are learnt from the
 * registry (each streaming service lists its own) and never forgotten: backlogs are read from the
 * broker, not asked of the services, because a consumer whose pods are all down is exactly the
 * backlog to see grow.
 */
export const SUBSCRIPTIONS: ReadonlyArray<Subscription> = [
	{ channel: CHANNELS.INBOUND, group: GROUPS.MAPPER },
	{ channel: CHANNELS.EVENTS, group: GROUPS.SAGA },
	{ channel: CHANNELS.DEAD_LETTERS, group: GROUPS.SAGA },
	...Object.entries(COMMAND_CHANNEL_BY_SYSTEM).map(([system, channel]) => ({ channel, group: system })),
	...[CHANNELS.INBOUND, CHANNELS.EVENTS, ...Object.values(COMMAND_CHANNEL_BY_SYSTEM), CHANNELS.DEAD_LETTERS].map((channel) => ({ channel, group: GROUPS.LEDGER })),
];

export const DEFAULT_GAUGE_REFRESH_MS = 15_000;

/**
 * The gauges one service must refresh for the platform: backlog per channel and group, and the
 * dead-letter depth. The gateway does it (it already reads backlogs for back-pressure), on a
 * timer for the per-process exporter and before answering GET /metrics. Each gateway replica
 * reports the same values: aggregate them with max, not sum.
 */
export class StreamGauges {
	private timer?: NodeJS.Timeout;
	private refreshing?: Promise<void>;
	private readonly known = new Map<string, Subscription>(SUBSCRIPTIONS.map((s) => [`${s.channel}|${s.group}`, s]));

	constructor(
		private readonly broker: ServiceBroker,
		private readonly bus: () => StreamBus,
		private readonly everyMs = Number(process.env.METRICS_REFRESH_MS) || DEFAULT_GAUGE_REFRESH_MS,
	) {}

	start(): void {
		if (!this.broker.metrics.isEnabled() || this.timer) return;
		this.timer = setInterval(() => void this.refresh(), this.everyMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	/** Reads every backlog once; concurrent callers share the read. A broker that cannot answer leaves the last values. */
	refresh(): Promise<void> {
		if (!this.broker.metrics.isEnabled()) return Promise.resolve();
		this.refreshing ??= this.read()
			.catch((e: unknown) => this.broker.logger.warn("could not read stream backlogs for metrics", { error: (e as Error).message }))
			.finally(() => (this.refreshing = undefined));
		return this.refreshing;
	}

	private learn(): void {
		for (const service of this.broker.registry.getServiceList({ skipInternal: true })) {
			const streams = (service.metadata as Record<string, unknown> | undefined)?.[STREAMS_METADATA];
			for (const s of Array.isArray(streams) ? (streams as Subscription[]) : []) this.known.set(`${s.channel}|${s.group}`, { channel: s.channel, group: s.group });
		}
	}

	private async read(): Promise<void> {
		this.learn();
		const bus = this.bus();
		const [backlogs, deadLetters] = await Promise.all([
			Promise.all([...this.known.values()].map(async (s) => ({ ...s, backlog: await bus.backlog(s.channel, s.group) }))),
			bus.depth(CHANNELS.DEAD_LETTERS),
		]);
		for (const { channel, group, backlog } of backlogs) this.broker.metrics.set(METRIC.STREAM_BACKLOG, backlog, { channel, group });
		this.broker.metrics.set(METRIC.DEAD_LETTERS, deadLetters);
	}
}

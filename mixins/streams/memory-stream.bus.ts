import { setImmediate as nextTurn } from "node:timers/promises";
import { CHANNELS } from "../../canonical/channels.ts";
import type { Envelope } from "../../canonical/envelope.ts";
import {
	DEFAULT_BACKOFF_MS,
	DEFAULT_DEDUP_WINDOW_MS,
	DEFAULT_MAX_ATTEMPTS,
	DEFAULT_PARTITIONS,
	deadLetterEnvelope,
	partitionOf,
	retryDelayFor,
	type DeliveryHandler,
	type PublishResult,
	type StreamBus,
	type SubscribeOptions,
	type Subscription,
} from "./stream-bus.ts";

export interface MemoryStreamBusOptions {
	namespace: string;
	partitions?: number;
	dedupWindowMs?: number;
}

/** Stored as JSON, as on the broker: a handler can never mutate the log, and gets what JetStream would give it. */
interface StoredMessage {
	seq: number;
	json: string;
	/** When the log took it (ms): a dead letter's first attempt can be no earlier. */
	at: number;
}

interface ChannelLog {
	partitions: number;
	messages: StoredMessage[];
	byPartition: StoredMessage[][];
	/** Envelope id -> first store; insertion order is time order, so expiry trims from the front. */
	seen: Map<string, { seq: number; at: number }>;
	groups: Map<string, ConsumerGroup>;
}

interface Member {
	handler: DeliveryHandler;
	maxAttempts: number;
	backoffMs: number[];
	stopped: boolean;
	inFlight: Set<Promise<void>>;
	deadLetter(envelope: Envelope): void;
}

/** Per partition: everything before `next` is acked; `attempt` counts deliveries of the head message. */
interface Cursor {
	next: number;
	attempt: number;
	busy: boolean;
	notBefore: number;
	timer?: NodeJS.Timeout;
}

/**
 * Logs live per namespace at module level so that every bus object created with the same namespace
 * (embedded mode: one per service) shares channels, cursors and dedup, like clients of one broker.
 */
const registry = new Map<string, Map<string, ChannelLog>>();

/** A durable consumer group: its cursors outlive subscriptions, so a returning group resumes. */
class ConsumerGroup {
	private readonly members: Member[] = [];
	private turn = 0;
	private readonly cursors: Cursor[];

	constructor(
		private readonly channel: string,
		private readonly name: string,
		private readonly log: ChannelLog,
	) {
		this.cursors = Array.from({ length: log.partitions }, () => ({ next: 0, attempt: 0, busy: false, notBefore: 0 }));
	}

	backlog(): number {
		return this.cursors.reduce((sum, cursor, p) => sum + this.log.byPartition[p]!.length - cursor.next, 0);
	}

	attach(member: Member): void {
		this.members.push(member);
		for (let p = 0; p < this.cursors.length; p++) this.pump(p);
	}

	/** With nobody left to deliver to, pending redelivery timers would only keep the process alive. */
	detach(member: Member): void {
		this.members.splice(this.members.indexOf(member), 1);
		if (this.members.length === 0) this.clearTimers();
	}

	clearTimers(): void {
		for (const cursor of this.cursors) {
			clearTimeout(cursor.timer);
			cursor.timer = undefined;
		}
	}

	/** Hand the partition's head message to a member, unless one is in flight or waiting to be redelivered. */
	pump(p: number): void {
		const cursor = this.cursors[p]!;
		const message = this.log.byPartition[p]![cursor.next];
		if (cursor.busy || cursor.timer || !message || this.members.length === 0) return;
		const wait = cursor.notBefore - Date.now();
		if (wait > 0) {
			cursor.timer = setTimeout(() => {
				cursor.timer = undefined;
				this.pump(p);
			}, wait);
			return;
		}
		const member = this.members[this.turn++ % this.members.length]!;
		cursor.busy = true;
		const delivery = this.deliver(member, p, cursor, message);
		member.inFlight.add(delivery);
		void delivery.finally(() => member.inFlight.delete(delivery));
	}

	private async deliver(member: Member, p: number, cursor: Cursor, message: StoredMessage): Promise<void> {
		// A broker delivers asynchronously: never run a handler inside the publisher's call.
		await nextTurn();
		if (member.stopped) {
			cursor.busy = false;
			this.pump(p);
			return;
		}
		const attempt = ++cursor.attempt;
		const envelope = JSON.parse(message.json) as Envelope;
		try {
			await member.handler({ channel: this.channel, group: this.name, partition: p, attempt, storedAt: new Date(message.at).toISOString(), envelope });
			this.advance(cursor);
		} catch (error) {
			const delay = retryDelayFor(error, attempt, member.maxAttempts, member.backoffMs);
			if (delay === undefined) {
				member.deadLetter(deadLetterEnvelope({ channel: this.channel, group: this.name, attempts: attempt, error, original: envelope, storedAt: new Date(message.at).toISOString() }));
				this.advance(cursor);
			} else {
				cursor.notBefore = Date.now() + delay;
			}
		} finally {
			cursor.busy = false;
			this.pump(p);
		}
	}

	private advance(cursor: Cursor): void {
		cursor.next += 1;
		cursor.attempt = 0;
		cursor.notBefore = 0;
	}
}

/** The in-process twin of JetStreamBus, for embedded mode and fast tests. Same contract, same semantics. */
export class MemoryStreamBus implements StreamBus {
	private readonly namespace: string;
	private readonly partitions: number;
	private readonly dedupWindowMs: number;
	private readonly subscriptions = new Set<Subscription>();
	private closed = false;

	constructor(options: MemoryStreamBusOptions) {
		this.namespace = options.namespace;
		this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
		this.dedupWindowMs = options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
	}

	/** Forget every channel of a namespace (tests). Buses still open on it keep working on fresh logs. */
	static reset(namespace: string): void {
		for (const log of registry.get(namespace)?.values() ?? []) {
			for (const group of log.groups.values()) group.clearTimers();
		}
		registry.delete(namespace);
	}

	async ensureChannel(channel: string): Promise<void> {
		this.assertOpen();
		this.log(channel);
	}

	async publish(channel: string, envelope: Envelope): Promise<PublishResult> {
		this.assertOpen();
		return this.append(channel, envelope);
	}

	async subscribe(channel: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
		this.assertOpen();
		const log = this.log(channel);
		let group = log.groups.get(options.group);
		if (!group) {
			group = new ConsumerGroup(channel, options.group, log);
			log.groups.set(options.group, group);
		}
		const member: Member = {
			handler,
			maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
			backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
			stopped: false,
			inFlight: new Set(),
			// Dead letters bypass the closed check: a handler finishing during close() must still settle.
			deadLetter: (envelope) => void this.append(CHANNELS.DEAD_LETTERS, envelope),
		};
		const joined = group;
		const subscription: Subscription = {
			stop: async () => {
				if (!member.stopped) {
					member.stopped = true;
					joined.detach(member);
				}
				await Promise.all(member.inFlight);
				this.subscriptions.delete(subscription);
			},
		};
		this.subscriptions.add(subscription);
		group.attach(member);
		return subscription;
	}

	async backlog(channel: string, group: string): Promise<number> {
		const log = registry.get(this.namespace)?.get(channel);
		if (!log) return 0;
		// A group that never subscribed will start from the beginning: everything is its backlog.
		return log.groups.get(group)?.backlog() ?? log.messages.length;
	}

	async depth(channel: string): Promise<number> {
		return registry.get(this.namespace)?.get(channel)?.messages.length ?? 0;
	}

	async read(channel: string, fromSeq: number, limit: number): Promise<Array<{ seq: number; envelope: Envelope }>> {
		const messages = registry.get(this.namespace)?.get(channel)?.messages ?? [];
		const from = Math.max(fromSeq, 1) - 1;
		return messages.slice(from, from + Math.max(limit, 0)).map((m) => ({ seq: m.seq, envelope: JSON.parse(m.json) as Envelope }));
	}

	async close(): Promise<void> {
		this.closed = true;
		await Promise.all([...this.subscriptions].map((s) => s.stop()));
	}

	private append(channel: string, envelope: Envelope): PublishResult {
		const log = this.log(channel);
		const now = Date.now();
		for (const [id, first] of log.seen) {
			if (now - first.at < this.dedupWindowMs) break;
			log.seen.delete(id);
		}
		const first = log.seen.get(envelope.id);
		if (first) return { duplicate: true, seq: first.seq };

		const message: StoredMessage = { seq: log.messages.length + 1, json: JSON.stringify(envelope), at: now };
		const partition = partitionOf(envelope.subject, log.partitions);
		log.messages.push(message);
		log.byPartition[partition]!.push(message);
		log.seen.set(envelope.id, { seq: message.seq, at: now });
		for (const group of log.groups.values()) group.pump(partition);
		return { duplicate: false, seq: message.seq };
	}

	/** The channel's log, created on first use; its partition count is fixed by whoever creates it. */
	private log(channel: string): ChannelLog {
		let logs = registry.get(this.namespace);
		if (!logs) registry.set(this.namespace, (logs = new Map()));
		let log = logs.get(channel);
		if (!log) {
			const partitions = this.partitions;
			log = { partitions, messages: [], byPartition: Array.from({ length: partitions }, () => []), seen: new Map(), groups: new Map() };
			logs.set(channel, log);
		}
		return log;
	}

	private assertOpen(): void {
		if (this.closed) throw new Error(`stream bus '${this.namespace}' is closed`);
	}
}

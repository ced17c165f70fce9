import {
	CHANNELS, COMMAND_CHANNEL_BY_SYSTEM, WAYBILL_FACTS, catalogueEntry, createEnvelope,
	type ChannelName, type Envelope, type PartnerSystem,
} from "../../canonical/index.ts";
import type { PublishResult } from "../streams/stream-bus.ts";
import type { Store } from "../store/store.ts";
import { TimerTicker } from "../timers/timer-ticker.ts";
import { SentInterchanges, type GroupVerdict, type SentInterchange, type SentState } from "./sent-interchanges.ts";

type Publish = (channel: ChannelName, envelope: Envelope) => Promise<PublishResult>;

/** What Waybill wrote: the mapper's summary of an X12 interchange it rendered. */
export interface WrittenInterchange {
	interchangeControl: string;
	groupControl: string;
	functionalId: string;
	sets: Array<{ set: string; controlNumber: string }>;
}

const SOURCE = "waybill/edi";
/** Names a command an operator had sent again; its acceptance answers the case the lost one opened. */
const RESEND_MARK = ":resend:";

/**
 * EDI acknowledgement hygiene for the interchanges an adapter sends: each awaits its partner's
 * 997 within the partner's time; a 997 that rejects, or none in time, becomes a fact the saga
 * turns into an exception case; a late 997 resolves it. An operator may have an interchange sent
 * again: the same command, as a new interchange (a new control number), tracked afresh.
 */
export class EdiAcknowledgements {
	readonly sent: SentInterchanges;
	readonly #ticker: TimerTicker<{ partner: string; groupControl: string }>;

	constructor(private readonly system: PartnerSystem, store: Store, private readonly publish: Publish, onError: (e: unknown, id?: string) => void, tickMs = Number(process.env.EDI_ACK_TICK_MS) || 1_000) {
		this.sent = new SentInterchanges(store, system);
		this.#ticker = new TimerTicker({
			timers: this.sent.timers,
			tickMs,
			onError,
			handler: async ({ payload }) => {
				const overdue = await this.sent.markOverdue(payload.partner, payload.groupControl, new Date().toISOString());
				if (overdue) await this.publishFact(WAYBILL_FACTS.EDI_ACK_OVERDUE, overdue, overdue.overdueAt!);
			},
		});
	}

	start(): void {
		this.#ticker.start();
	}

	stop(): Promise<void> {
		return this.#ticker.stop();
	}

	/** After the partner took the interchange: its 997 is now expected by `sentAt + withinMs`. */
	async expect(partner: string, written: WrittenInterchange, command: Envelope, withinMs: number, sentAt = new Date()): Promise<void> {
		// A 997 is never acknowledged in turn.
		if (written.functionalId === "FA") return;
		await this.sent.expect({
			system: this.system,
			partner,
			...written,
			orderId: command.subject,
			sentAt: sentAt.toISOString(),
			dueAt: new Date(sentAt.getTime() + withinMs).toISOString(),
			command: { type: command.type, subject: command.subject, data: command.data, idempotencyKey: command.idempotencykey, correlationId: command.correlationid, ...(command.traceparent ? { traceparent: command.traceparent } : {}) },
		});
	}

	/**
	 * A partner's 997 verdicts. `announce` is false where the rejection already fails the command
	 * (a 997 in the HTTP answer): one problem, one case. Returns the groups Waybill never sent.
	 */
	async acknowledged(partner: string, verdicts: GroupVerdict[], announce = true, at = new Date().toISOString()): Promise<string[]> {
		const unknown: string[] = [];
		for (const verdict of verdicts) {
			const applied = await this.sent.acknowledge(partner, verdict, at);
			if (!applied) { unknown.push(verdict.groupControl); continue; }
			const { before, after } = applied;
			if (after.state === "rejected" && announce) await this.publishFact(WAYBILL_FACTS.EDI_ACK_REJECTED, after, at);
			// Accepted is news when someone was told it was overdue, or had it sent again; otherwise the ledger has the 997 itself.
			const awaited = before.state === "overdue" || before.command.idempotencyKey.includes(RESEND_MARK);
			if (after.state === "accepted" && awaited) await this.publishFact(WAYBILL_FACTS.EDI_ACKNOWLEDGED, after, at);
		}
		return unknown;
	}

	/** Puts the interchange's command back on the adapter's stream under a new key: a new interchange, tracked on its own. */
	async resend(partner: string, groupControl: string): Promise<{ resent: SentInterchange; idempotencyKey: string } | undefined> {
		const counted = await this.sent.countResend(partner, groupControl);
		if (!counted) return undefined;
		const { command } = counted;
		const idempotencyKey = `${command.idempotencyKey}${RESEND_MARK}${counted.resends}`;
		await this.publish(COMMAND_CHANNEL_BY_SYSTEM[this.system], createEnvelope({
			type: command.type,
			source: SOURCE,
			subject: command.subject,
			data: command.data,
			schemaVersion: catalogueEntry(command.type)?.version ?? 1,
			correlationId: command.correlationId,
			idempotencyKey,
			partner,
			traceparent: command.traceparent,
		}));
		return { resent: counted, idempotencyKey };
	}

	list(filter: { state?: SentState; orderId?: string; limit?: number }): Promise<SentInterchange[]> {
		return this.sent.list(filter);
	}

	private async publishFact(type: string, sent: SentInterchange, at: string): Promise<void> {
		await this.publish(CHANNELS.EVENTS, createEnvelope({
			type,
			source: SOURCE,
			subject: sent.orderId,
			correlationId: sent.orderId,
			data: {
				orderId: sent.orderId,
				partner: sent.partner,
				groupControl: sent.groupControl,
				functionalId: sent.functionalId,
				interchangeControl: sent.interchangeControl,
				...(sent.ack ? { status: sent.ack.status } : {}),
				sets: sent.ack?.sets ?? sent.sets,
				dueAt: sent.dueAt,
				at,
			},
			schemaVersion: catalogueEntry(type)?.version ?? 1,
			idempotencyKey: `edi:${sent.partner}:${sent.groupControl}:${type}`,
			partner: sent.partner,
			traceparent: sent.command.traceparent,
		}));
	}
}

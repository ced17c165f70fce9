import type { PartnerSystem } from "../../canonical/index.ts";
import type { Store } from "../store/store.ts";
import { DurableTimers } from "../timers/durable-timers.ts";

/** How long an X12 partner has to send its 997 unless its registry entry says otherwise: one hour, the usual trading-partner term. */
export const DEFAULT_ACK_WITHIN_MS = 60 * 60_000;

export type SentState = "pending" | "accepted" | "rejected" | "overdue";

/** The command an interchange carried, kept so an operator can have it sent again. */
export interface SentCommand {
	type: string;
	subject: string;
	data: unknown;
	idempotencyKey: string;
	correlationId?: string;
	/** The order's trace: a resend and the 997 facts continue it. */
	traceparent?: string;
}

export interface AcknowledgedSet {
	set: string;
	controlNumber: string;
	accepted: boolean;
	problems?: string[];
}

/** One interchange Waybill sent to an X12 partner, and what became of its 997. */
export interface SentInterchange {
	system: PartnerSystem;
	partner: string;
	interchangeControl: string;
	groupControl: string;
	functionalId: string;
	sets: Array<{ set: string; controlNumber: string }>;
	orderId: string;
	sentAt: string;
	dueAt: string;
	state: SentState;
	/** AK901 and per set verdicts, once the 997 came. */
	ack?: { status: string; at: string; sets: AcknowledgedSet[] };
	overdueAt?: string;
	/** Times an operator had it sent again (each time as a new interchange). */
	resends: number;
	command: SentCommand;
}

/** What the 997 said about one of our groups. */
export interface GroupVerdict {
	groupControl: string;
	functionalId: string;
	status: string;
	accepted: boolean;
	sets: AcknowledgedSet[];
}

const memberOf = (partner: string, groupControl: string) => `${partner}:${groupControl}`;

/**
 * The interchanges Waybill sent and the 997 each awaits. A durable timer per interchange fires at
 * its due time; recording is idempotent, so a redelivered command (the same interchange, by its
 * control number) neither resets a verdict nor moves the due time.
 */
export class SentInterchanges {
	readonly timers: DurableTimers<{ partner: string; groupControl: string }>;
	/** One adapter's interchanges: the store is shared by the ERP, WMS and last-mile adapters. */
	readonly #prefix: string;

	constructor(private readonly store: Store, system: PartnerSystem) {
		this.#prefix = `edi:${system}:sent`;
		this.timers = new DurableTimers(store, `edi-ack-${system}`);
	}

	/** Records a sent interchange once and starts its clock; true when this call recorded it. */
	async expect(sent: Omit<SentInterchange, "state" | "resends">): Promise<boolean> {
		const recorded = await this.store.setIfAbsent<SentInterchange>(this.#key(sent.partner, sent.groupControl), { ...sent, state: "pending", resends: 0 });
		if (!recorded) return false;
		await this.store.indexAdd(this.#prefix, memberOf(sent.partner, sent.groupControl), Date.parse(sent.sentAt));
		await this.timers.schedule({ id: memberOf(sent.partner, sent.groupControl), dueAt: Date.parse(sent.dueAt), payload: { partner: sent.partner, groupControl: sent.groupControl } });
		return true;
	}

	get(partner: string, groupControl: string): Promise<SentInterchange | undefined> {
		return this.store.get<SentInterchange>(this.#key(partner, groupControl));
	}

	/**
	 * Applies a 997's verdict on one group. Returns the interchange as it was before (to tell a late
	 * answer to an overdue one from a first answer) and after, or undefined for a group Waybill never
	 * sent. A verdict already recorded is kept: partners resend 997s.
	 */
	async acknowledge(partner: string, verdict: GroupVerdict, at: string): Promise<{ before: SentInterchange; after: SentInterchange } | undefined> {
		const before = await this.get(partner, verdict.groupControl);
		if (!before) return undefined;
		if (before.state === "accepted" || before.state === "rejected") return { before, after: before };
		const after: SentInterchange = { ...before, state: verdict.accepted ? "accepted" : "rejected", ack: { status: verdict.status, at, sets: verdict.sets } };
		await this.store.set(this.#key(partner, verdict.groupControl), after);
		await this.timers.cancel(memberOf(partner, verdict.groupControl));
		return { before, after };
	}

	/** Marks a still unanswered interchange overdue; undefined when its 997 came meanwhile. */
	async markOverdue(partner: string, groupControl: string, at: string): Promise<SentInterchange | undefined> {
		const current = await this.get(partner, groupControl);
		if (!current || current.state !== "pending") return undefined;
		const overdue: SentInterchange = { ...current, state: "overdue", overdueAt: at };
		await this.store.set(this.#key(partner, groupControl), overdue);
		return overdue;
	}

	async countResend(partner: string, groupControl: string): Promise<SentInterchange | undefined> {
		const current = await this.get(partner, groupControl);
		if (!current) return undefined;
		const next = { ...current, resends: current.resends + 1 };
		await this.store.set(this.#key(partner, groupControl), next);
		return next;
	}

	#key(partner: string, groupControl: string): string {
		return `${this.#prefix}:${memberOf(partner, groupControl)}`;
	}

	/** Most recent first, optionally only those in one state or for one order. */
	async list(filter: { state?: SentState; orderId?: string; limit?: number } = {}): Promise<SentInterchange[]> {
		const members = (await this.store.indexRange(this.#prefix, 0, Number.MAX_SAFE_INTEGER)).reverse();
		const found: SentInterchange[] = [];
		const limit = filter.limit ?? 200;
		for (let i = 0; i < members.length && found.length < limit; i += 100) {
			const page = await this.store.getMany<SentInterchange>(members.slice(i, i + 100).map((m) => `${this.#prefix}:${m}`));
			for (const sent of page) {
				if (!sent || (filter.state && sent.state !== filter.state) || (filter.orderId && sent.orderId !== filter.orderId)) continue;
				if (found.length < limit) found.push(sent);
			}
		}
		return found;
	}
}

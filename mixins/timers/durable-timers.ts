import { randomUUID } from "node:crypto";

import type { Store } from "../store/store.ts";
import { checkFireOptions, checkTimer, type FireOptions, type Timer, type TimerHandler } from "./timer-values.ts";

/** Enough to drain a backlog in a few runs, few enough that one run's handlers stay manageable. */
export const DEFAULT_FIRE_LIMIT = 100;
/** How long a claimed timer is hidden from other replicas. A handler slower than this may fire twice. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * The stored timer plus the token of the schedule call that wrote it. The token tells one
 * scheduling of an id from the next, which dueAt cannot (a reschedule may keep it) and a version
 * cannot (a deleted and re-created key starts over).
 */
interface TimerRecord<T> extends Timer<T> {
	token: string;
}

/** An index member names one scheduling of an id; a UUID has no ':', so the first one splits. */
const memberOf = (token: string, id: string) => `${token}:${id}`;

function parseMember(member: string): { token: string; id: string } {
	const at = member.indexOf(":");
	return { token: member.slice(0, at), id: member.slice(at + 1) };
}

/**
 * SLA clocks that survive restarts: timers live in the store, and any number of replicas may call
 * fireDue on the same name. Delivery is at least once (a crash or a throwing handler fires the
 * timer again once its lease ends), so handlers must be idempotent.
 *
 * Keys under `timers:<name>:`: `due`, an index of `<token>:<id>` scored by due time (or by the end
 * of the lease while firing), and `timer:<id>`, the record. Each index member belongs to exactly
 * one schedule call, so removing one can never take away a later reschedule's entry; that is what
 * makes every step safe without a transaction spanning both keys.
 */
export class DurableTimers<T> {
	readonly #store: Store;
	readonly #prefix: string;

	constructor(store: Store, name: string) {
		// A ':' would let one set's keys collide with another's: "a:timer" has its index at "timers:a:timer:due".
		if (name === "" || name.includes(":")) throw new RangeError(`timer set name must be non-empty without ':'; got "${name}"`);
		this.#store = store;
		this.#prefix = `timers:${name}:`;
	}

	/**
	 * Idempotent per id: the same id again replaces due time and payload, also while the earlier
	 * one is firing (that firing then leaves the new one in place). Written record first, index
	 * second: a crash in between leaves a timer that get() shows but that never fires, and the
	 * caller, whose call failed, schedules it again. The other order could lose a live timer.
	 */
	async schedule(timer: Timer<T>): Promise<void> {
		checkTimer(timer);
		const record: TimerRecord<T> = { id: timer.id, dueAt: timer.dueAt, payload: timer.payload, token: randomUUID() };
		const previous = await this.#store.get<TimerRecord<T>>(this.#recordKey(timer.id));
		await this.#store.set(this.#recordKey(timer.id), record);
		await this.#store.indexAdd(this.#dueKey, memberOf(record.token, timer.id), timer.dueAt);
		// Only a tidy-up: a leftover member no longer matches the record and is dropped when due.
		if (previous !== undefined) await this.#store.indexRemove(this.#dueKey, memberOf(previous.token, timer.id));
	}

	/**
	 * True when this call cancelled a pending timer. A timer already firing may still complete, and
	 * one scheduled concurrently with the cancel may outlive it.
	 */
	async cancel(id: string): Promise<boolean> {
		const record = await this.#store.get<TimerRecord<T>>(this.#recordKey(id));
		if (record === undefined) return false;
		const cancelled = await this.#store.deleteIfEquals(this.#recordKey(id), record);
		await this.#store.indexRemove(this.#dueKey, memberOf(record.token, id));
		return cancelled;
	}

	/** The timer as scheduled, until it has fired or been cancelled. */
	async get(id: string): Promise<Timer<T> | undefined> {
		const record = await this.#store.get<TimerRecord<T>>(this.#recordKey(id));
		return record && toTimer(record);
	}

	/**
	 * Timers not yet completed, those being fired right now included. After two schedules of one id
	 * raced (or a crash), the replaced entry counts too until it falls due and is dropped.
	 */
	async pending(): Promise<number> {
		return this.#store.indexSize(this.#dueKey);
	}

	/** The next `limit` timers by due time (overdue and firing ones first), as scheduled; for operators. */
	async upcoming(limit: number): Promise<Array<Timer<T>>> {
		const ids = [...new Set((await this.#store.indexRange(this.#dueKey, -Infinity, Infinity, limit)).map((m) => parseMember(m).id))];
		const records = await this.#store.getMany<TimerRecord<T>>(ids.map((id) => this.#recordKey(id)));
		return records.filter((r): r is TimerRecord<T> => r !== undefined).map(toTimer);
	}

	/**
	 * Claims up to `limit` timers due at `now` for `leaseMs`, runs the handler for each
	 * (concurrently within the batch) and completes a timer only once its handler resolved.
	 * Returns how many handlers resolved. A failed handler or store call is passed to `onError`;
	 * without one, the failures are thrown together once the batch is done.
	 */
	async fireDue(now: number, handler: TimerHandler<T>, options: FireOptions = {}): Promise<number> {
		const { limit = DEFAULT_FIRE_LIMIT, leaseMs = DEFAULT_LEASE_MS, onError } = options;
		checkFireOptions(now, leaseMs);
		const claims = (await this.#store.indexClaim(this.#dueKey, now, now + leaseMs, limit)).map(parseMember);
		if (claims.length === 0) return 0;
		const records = await this.#store.getMany<TimerRecord<T>>(claims.map((claim) => this.#recordKey(claim.id)));
		const failures: Array<{ error: unknown; id: string }> = [];
		const fired = await Promise.all(
			claims.map((claim, i) =>
				this.#fireOne(claim, records[i], handler).catch((error: unknown) => {
					failures.push({ error, id: claim.id });
					return false;
				}),
			),
		);
		if (onError) for (const failure of failures) onError(failure.error, failure.id);
		else if (failures.length > 0) throw new AggregateError(failures.map((f) => f.error), `${failures.length} of ${claims.length} timers failed: ${failures.map((f) => f.id).join(", ")}`);
		return fired.filter(Boolean).length;
	}

	async #fireOne(claim: { token: string; id: string }, record: TimerRecord<T> | undefined, handler: TimerHandler<T>): Promise<boolean> {
		const member = memberOf(claim.token, claim.id);
		// Cancelled, or replaced by a later schedule whose own member stands in the index.
		if (record?.token !== claim.token) {
			await this.#store.indexRemove(this.#dueKey, member);
			return false;
		}
		await handler(toTimer(record));
		// Record before member: a crash in between leaves a member without its record, dropped when
		// next claimed. A reschedule meanwhile changed the record, so it stays.
		await this.#store.deleteIfEquals(this.#recordKey(claim.id), record);
		await this.#store.indexRemove(this.#dueKey, member);
		return true;
	}

	get #dueKey(): string {
		return `${this.#prefix}due`;
	}

	#recordKey(id: string): string {
		return `${this.#prefix}timer:${id}`;
	}
}

function toTimer<T>(record: TimerRecord<T>): Timer<T> {
	return { id: record.id, dueAt: record.dueAt, payload: record.payload };
}

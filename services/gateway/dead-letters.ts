import { createHash } from "node:crypto";
import { CHANNELS, WAYBILL_FACTS, createEnvelope, deterministicId, SchemaInvalidError, type ChannelName, type Envelope } from "../../canonical/index.ts";
import type { DeadLetter, StreamBus } from "../../mixins/streams/stream-bus.ts";
import type { Store } from "../../mixins/store/store.ts";
import type { Publish } from "./inbound-recorder.ts";

export interface DeadLetterFilter {
	channel?: string;
	group?: string;
	errorType?: string;
	orderId?: string;
	partner?: string;
	messageType?: string;
	status?: "waiting" | "replayed";
	ids?: string[];
}

export interface DeadLetterView extends DeadLetter {
	id: string;
	seq: number;
	status: "waiting" | "replayed";
	replay?: Replayed;
}

interface Replayed {
	replayId: string;
	at: string;
	by: string;
	edited: boolean;
}

const replayedKey = (id: string) => `dead-letter:replayed:${id}`;
const PAGE = 500;

/** Dead letters as operators see them: filterable, with whether (and how) each was replayed. */
export async function listDeadLetters(bus: StreamBus, store: Store, filter: DeadLetterFilter, limit = 200): Promise<DeadLetterView[]> {
	const out: DeadLetterView[] = [];
	for (let from = 1; out.length < limit; ) {
		const page = await bus.read(CHANNELS.DEAD_LETTERS, from, PAGE);
		if (page.length === 0) break;
		const replays = await store.getMany<Replayed>(page.map((m) => replayedKey(m.envelope.id)));
		page.forEach((m, i) => {
			const view: DeadLetterView = { ...(m.envelope.data as DeadLetter), id: m.envelope.id, seq: m.seq, status: replays[i] ? "replayed" : "waiting", ...(replays[i] ? { replay: replays[i] } : {}) };
			if (out.length < limit && matches(view, filter)) out.push(view);
		});
		from = page[page.length - 1]!.seq + 1;
	}
	return out;
}

function matches(d: DeadLetterView, f: DeadLetterFilter): boolean {
	return (
		(!f.ids || f.ids.includes(d.id)) &&
		(!f.channel || d.channel === f.channel) &&
		(!f.group || d.group === f.group) &&
		(!f.errorType || d.error.type === f.errorType) &&
		(!f.orderId || d.orderId === f.orderId) &&
		(!f.partner || d.partner === f.partner) &&
		(!f.messageType || d.messageType === f.messageType) &&
		(!f.status || d.status === f.status)
	);
}

/**
 * Sends dead letters back through the pipeline, to the channel they died on. The replay keeps the
 * original's idempotency key (a partner still applies the command once) and gets an id derived
 * from the dead letter and the data, so replaying the same thing twice is one message. An edit
 * (corrected data) is validated like any message, and recorded in the ledger with who made it.
 */
export async function replayDeadLetters(
	deps: { bus: StreamBus; store: Store; publish: Publish },
	request: { filter: DeadLetterFilter; data?: unknown; by: string },
): Promise<Array<{ id: string; replayId?: string; skipped?: string }>> {
	// Named ids are looked at whatever their status, so a repeat says "already replayed"; a filter picks waiting ones.
	const status = request.filter.ids ? request.filter.status : (request.filter.status ?? "waiting");
	const selected = await listDeadLetters(deps.bus, deps.store, { ...request.filter, status }, 1_000);
	if (request.data !== undefined && selected.length !== 1) {
		throw new SchemaInvalidError("replay request", [{ field: "data", message: `corrected data applies to exactly one dead letter; the filter selects ${selected.length}` }]);
	}
	const results: Array<{ id: string; replayId?: string; skipped?: string }> = [];
	for (const dead of selected) {
		if (dead.replay) {
			results.push({ id: dead.id, replayId: undefined, skipped: `already replayed as ${dead.replay.replayId} by ${dead.replay.by} at ${dead.replay.at}` });
			continue;
		}
		const original = dead.message as Partial<Envelope>;
		if (!original.type || !original.specversion) {
			results.push({ id: dead.id, skipped: "the original was not a readable envelope; nothing to replay" });
			continue;
		}
		const edited = request.data !== undefined;
		const data = edited ? request.data : original.data;
		const digest = createHash("sha256").update(JSON.stringify(data ?? null)).digest("hex");
		const replay = { ...(original as Envelope), id: deterministicId(`replay|${dead.id}|${digest}`), data, causationid: dead.id };
		await deps.publish(dead.channel as ChannelName, replay);
		const at = new Date().toISOString();
		await deps.store.set<Replayed>(replayedKey(dead.id), { replayId: replay.id, at, by: request.by, edited });
		await deps.publish(
			CHANNELS.EVENTS,
			createEnvelope({
				type: WAYBILL_FACTS.MESSAGE_REPLAYED,
				source: "waybill/gateway",
				subject: dead.orderId,
				data: { deadLetterId: dead.id, originalId: original.id ?? "?", replayId: replay.id, channel: dead.channel, edited, ...(edited ? { editedDigest: digest } : {}), by: request.by, at },
				schemaVersion: 1,
				causationId: dead.id,
				idempotencyKey: `replayed:${replay.id}`,
				traceparent: original.traceparent,
			}),
		);
		results.push({ id: dead.id, replayId: replay.id });
	}
	return results;
}

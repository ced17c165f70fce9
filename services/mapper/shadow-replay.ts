import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { INBOUND_MESSAGES, SchemaInvalidError, asErrorLike, isConfigurationInvalid, isRetryable, type Envelope } from "../../canonical/index.ts";
import type { StreamBus } from "../../mixins/streams/stream-bus.ts";
import { mapInbound, type MappedFact } from "./canonical-mapper.ts";
import { loadProfile, type MappingProfile } from "./mapping-profile.ts";
import { withBody, type PartnerMessage, type PayloadReader } from "./partner-message.ts";

/** One field that differs between what the live and the candidate mapping make of a message. */
export interface FieldDiff {
	/** `[0].data.carrier`: the fact's index in the mapping's output, then the path inside it. */
	path: string;
	live?: unknown;
	candidate?: unknown;
}

export interface ShadowResult {
	messageId: string;
	receivedAt: string;
	diffs: FieldDiff[];
	/** A mapping that failed on this message (the other's facts are then all diffs). */
	liveError?: string;
	candidateError?: string;
}

export interface ShadowReport {
	system: string;
	partner: string;
	liveVersion: string;
	candidateVersion: string;
	messages: number;
	unchanged: number;
	changed: number;
	/** Only the messages where the two differ. */
	results: ShadowResult[];
	/** Claim-checked messages whose payload could not be read (expired, corrupt): not replayed, not counted. */
	unresolved?: Array<{ messageId: string; reason: string }>;
}

/** A recorded message; its body is read when it is replayed, one at a time (claim-checked ones can be 10 MB). */
export interface RecordedMessage {
	id: string;
	read(): Promise<PartnerMessage>;
}

const PAGE = 500;

/**
 * A candidate profile sent as its files (profile.json and the JSONata it names), loaded and
 * validated exactly as the live ones are. A bad one is the request's fault: 422, naming the file.
 */
export function loadCandidate(files: Record<string, string>): MappingProfile {
	const dir = mkdtempSync(join(tmpdir(), "waybill-candidate-"));
	try {
		for (const [name, text] of Object.entries(files)) {
			// The file system's own refusals (NUL, over 255 bytes, the empty name) are the request's fault too, not a 500.
			const plain = name !== "" && basename(name) === name && !name.startsWith(".") && !/[\u0000-\u001f]/.test(name) && Buffer.byteLength(name) <= 255;
			if (!plain) throw new SchemaInvalidError("candidate mapping", [{ field: name, message: `'${name}' is not a plain file name` }]);
			writeFileSync(join(dir, name), text);
		}
		return loadProfile(dir);
	} catch (e: unknown) {
		if (!isConfigurationInvalid(e)) throw e;
		const { setting, reason } = (e as { data: { setting: string; reason: string } }).data;
		throw new SchemaInvalidError("candidate mapping", [{ field: basename(setting), message: `${basename(setting.split(" ")[0]!)}: ${reason}` }]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * The partner's most recent `limit` messages as the inbound stream recorded them (the bytes the
 * ledger's inbound entries name); a claim-checked body is read from the payload store when replayed.
 */
export async function recordedMessages(bus: StreamBus, payloads: PayloadReader, system: string, partner: string, limit: number): Promise<RecordedMessage[]> {
	const found: RecordedMessage[] = [];
	for (let from = 1; ; from += PAGE) {
		const page = await bus.read("inbound", from, PAGE);
		for (const { envelope } of page) {
			const message = (envelope as Envelope<PartnerMessage>).data;
			if (envelope.type === INBOUND_MESSAGES.PARTNER_MESSAGE_RECEIVED && message.system === system && message.partner === partner) found.push({ id: envelope.id, read: () => withBody(envelope, payloads) });
		}
		if (found.length > limit) found.splice(0, found.length - limit);
		if (page.length < PAGE) return found;
	}
}

/**
 * Runs the live and the candidate mapping over the same recorded messages, with the same
 * bindings, and reports every field where their facts differ. Nothing is published.
 */
export async function shadowReplay(
	all: RecordedMessage[],
	live: MappingProfile,
	candidate: MappingProfile,
	bindingsFor: (message: PartnerMessage) => Record<string, unknown>,
): Promise<ShadowReport> {
	const results: ShadowResult[] = [];
	const unresolved: Array<{ messageId: string; reason: string }> = [];
	let first: PartnerMessage | undefined;
	for (const { id, read } of all) {
		let message: PartnerMessage;
		try {
			message = await read();
		} catch (e: unknown) {
			// A payload gone or corrupt is reported; a store out of reach fails the run (try again).
			if (isRetryable(e)) throw e;
			unresolved.push({ messageId: id, reason: asErrorLike(e).message ?? String(e) });
			continue;
		}
		first ??= message;
		const bindings = bindingsFor(message);
		const [l, c] = await Promise.all([attempt(live, message.body, bindings), attempt(candidate, message.body, bindings)]);
		const diffs = diffFacts(l.facts, c.facts);
		if (diffs.length > 0 || l.error !== c.error) {
			results.push({ messageId: id, receivedAt: message.receivedAt, diffs, ...(l.error ? { liveError: l.error } : {}), ...(c.error ? { candidateError: c.error } : {}) });
		}
	}
	const messages = all.length - unresolved.length;
	return {
		system: first?.system ?? live.system,
		partner: first?.partner ?? "",
		liveVersion: live.version,
		candidateVersion: candidate.version,
		messages,
		unchanged: messages - results.length,
		changed: results.length,
		results,
		...(unresolved.length > 0 ? { unresolved } : {}),
	};
}

async function attempt(profile: MappingProfile, body: string, bindings: Record<string, unknown>): Promise<{ facts: MappedFact[]; error?: string }> {
	try {
		return { facts: await mapInbound(profile, body, bindings) };
	} catch (e: unknown) {
		return { facts: [], error: (e as Error).message };
	}
}

export function diffFacts(live: MappedFact[], candidate: MappedFact[]): FieldDiff[] {
	const a = flatten(live, "");
	const b = flatten(candidate, "");
	const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
	return paths.filter((p) => a.get(p) !== b.get(p)).map((path) => ({ path, ...(a.has(path) ? { live: parse(a.get(path)!) } : {}), ...(b.has(path) ? { candidate: parse(b.get(path)!) } : {}) }));
}

/** Leaves by path, each as JSON text so that values compare by content. */
function flatten(value: unknown, path: string, into = new Map<string, string>()): Map<string, string> {
	if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${path}[${i}]`, into));
	else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, into);
	else if (value !== undefined) into.set(path, JSON.stringify(value));
	return into;
}

const parse = (json: string): unknown => JSON.parse(json);

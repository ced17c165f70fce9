import { fileURLToPath } from "node:url";
import { ERROR_TYPES } from "../../canonical/errors/index.ts";
import { loadPartnerRegistry } from "../../config/partner-registry.ts";
import { checkEnvelope, parseInterchange, read204, read210, read214, read856, read940, read944, read945, read947, read990, readFunctionalAck, validateEnvelope } from "../../services/mapper/formats/x12/index.ts";
import { parseEdifact, readDesadv, readIftsta } from "../../services/mapper/formats/edifact/index.ts";
import { readInterchange, x12Acknowledgement, x12Documents } from "../../services/mapper/x12-documents.ts";
import { edifactDocuments } from "../../services/mapper/edifact-documents.ts";
import { mapInbound, mapResponse, parseBody } from "../../services/mapper/canonical-mapper.ts";
import { acknowledgementOf, isAcknowledgement, partnerVerdicts } from "../../services/mapper/functional-acks.ts";
import { loadProfiles, type MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { loadCandidate } from "../../services/mapper/shadow-replay.ts";
import { ediKeys, keyFromBody } from "../../services/gateway/body-keys.ts";
import { convertDocument, detectFormat, jsonProfileFor } from "../../bin/cli/convert-document.ts";
import { SentInterchanges } from "../../mixins/edi/sent-interchanges.ts";
import { MemoryStore } from "../../mixins/store/memory.store.ts";

export type DocKind = "x12" | "edifact" | "json" | "junk" | "profile-files";

/** One partner-format entry point: which documents it is fed, and how it is called. */
export interface ParserTarget {
	name: string;
	kinds: readonly DocKind[];
	run(text: string): unknown;
	/** A returned value can still hide a crash: the CLI's converter reports an internal error as a 5xx problem. */
	check?(result: unknown): string | undefined;
}

const NAMED: ReadonlySet<string> = new Set(Object.values(ERROR_TYPES));

/** Whether a thrown value is a Waybill error: an object whose `type` is in the canonical taxonomy. */
export function isNamedWaybillError(e: unknown): boolean {
	return typeof e === "object" && e !== null && NAMED.has((e as { type?: unknown }).type as string);
}

const X12_READERS = { read940, read945, read856, read214, read990, read204, read210, read944, read947 } as const;
const MAPPINGS = fileURLToPath(new URL("../../mappings", import.meta.url));
const ALL: readonly DocKind[] = ["x12", "edifact", "json", "junk"];
const receivedAt = "2026-03-10T09:30:00.000Z";
const orderForTracking = async (code: unknown) => (typeof code === "string" && code !== "" ? `tracking:${code}` : undefined);

function conversionCheck(result: unknown): string | undefined {
	const c = result as { accepted?: boolean; problem?: { status?: number; detail?: string; type?: string } };
	if (typeof c?.accepted !== "boolean") return "convertDocument returned no Conversion";
	if (!c.accepted && (c.problem?.status ?? 500) >= 500) return `an internal error reported as a ${c.problem?.status} problem: ${c.problem?.type} ${c.problem?.detail}`;
	return undefined;
}

/**
 * Every partner-format parser and mapper entry point: the X12 and EDIFACT tokenizers, envelope
 * checks and transaction/message readers, the 997 reader and writer, the mapper's inbound and
 * response mappings for every loaded profile, the CLI converter, the gateway's key extraction
 * and the shadow-replay candidate loader. Profiles come from mappings/, so a new one is covered.
 */
export function parserTargets(): ParserTarget[] {
	const profiles = loadProfiles(MAPPINGS);
	const registry = loadPartnerRegistry();
	const expressions = [...new Set(registry.entries.flatMap((e) => [e.webhook?.orderKey, e.webhook?.eventId]).filter((x): x is string => Boolean(x)))];
	const targets: ParserTarget[] = [
		{ name: "x12.parseInterchange", kinds: ALL, run: (t) => parseInterchange(t) },
		{ name: "x12.checkEnvelope", kinds: ["x12"], run: (t) => checkEnvelope(parseInterchange(t)) },
		{ name: "x12.validateEnvelope", kinds: ["x12"], run: (t) => validateEnvelope(parseInterchange(t), { seen: async () => false }) },
		{ name: "mapper.readInterchange", kinds: ["x12", "junk"], run: (t) => readInterchange(t) },
		{ name: "mapper.x12Documents", kinds: ["x12"], run: (t) => x12Documents(t) },
		{ name: "mapper.x12Acknowledgement", kinds: ["x12", "junk"], run: (t) => x12Acknowledgement(t) },
		{ name: "x12.readFunctionalAck", kinds: ["x12"], run: (t) => readFunctionalAck(parseInterchange(t)) },
		{
			name: "mapper.functionalAcks",
			kinds: ["x12"],
			run: (t) => {
				const read = readInterchange(t);
				return isAcknowledgement(read) ? partnerVerdicts(read) : acknowledgementOf(read, "edi-3pl", "WAYBILL");
			},
		},
		{
			// Each reader on every transaction set, whatever its ST01: a router that sends a set to the wrong reader must get a named refusal.
			name: "x12.readers",
			kinds: ["x12"],
			run: (t) => {
				const ix = parseInterchange(t);
				for (const tx of ix.groups.flatMap((g) => g.transactions)) {
					for (const [name, read] of Object.entries(X12_READERS)) {
						try {
							read(tx);
						} catch (e: unknown) {
							if (!isNamedWaybillError(e)) throw Object.assign(e as object, { reader: name });
						}
					}
				}
			},
		},
		{
			// A partner's 997 as the WMS adapter applies it: each group it names was "sent", then acknowledged.
			name: "edi.SentInterchanges.acknowledge",
			kinds: ["x12"],
			run: async (t) => {
				const read = readInterchange(t);
				if (!isAcknowledgement(read)) return undefined;
				const store = new MemoryStore("fuzz-edi");
				const sent = new SentInterchanges(store, "wms");
				for (const verdict of partnerVerdicts(read)) {
					const at = new Date(0).toISOString();
					await sent.expect({ system: "wms", partner: "edi-3pl", interchangeControl: "000000001", groupControl: verdict.groupControl, functionalId: verdict.functionalId, sets: verdict.sets, orderId: "SO-1", sentAt: at, dueAt: at, command: { type: "wms.fulfillment-order.create", subject: "SO-1", data: {}, idempotencyKey: "k", correlationId: "c" } });
					await sent.acknowledge("edi-3pl", verdict, at);
				}
				await store.clear();
			},
		},
		{ name: "edifact.parseEdifact", kinds: ALL, run: (t) => parseEdifact(t) },
		{ name: "mapper.edifactDocuments", kinds: ["edifact", "junk"], run: (t) => edifactDocuments(t) },
		{ name: "edifact.readDesadv", kinds: ["edifact"], run: (t) => readDesadv(parseEdifact(t)) },
		{ name: "edifact.readIftsta", kinds: ["edifact"], run: (t) => readIftsta(parseEdifact(t)) },
		{ name: "gateway.ediKeys", kinds: ["x12", "edifact", "junk"], run: (t) => [ediKeys("x12", Buffer.from(t)), ediKeys("edifact", Buffer.from(t))] },
		{ name: "gateway.keyFromBody", kinds: ["json", "junk"], run: async (t) => Promise.all(expressions.map((x) => keyFromBody(x, Buffer.from(t)))) },
		{ name: "mapper.parseBody", kinds: ["json", "junk"], run: (t) => parseBody("json", t) },
		{ name: "cli.detectFormat", kinds: ALL, run: (t) => detectFormat(t) },
		{
			name: "cli.jsonProfileFor",
			kinds: ["json"],
			run: (t) => {
				let body: unknown;
				try {
					body = JSON.parse(t);
				} catch {
					return undefined;
				}
				return jsonProfileFor(body);
			},
		},
		{ name: "cli.convertDocument", kinds: ALL, run: (t) => convertDocument(t, { profiles, receivedAt }), check: conversionCheck },
		{ name: "mapper.loadCandidate", kinds: ["profile-files"], run: (t) => loadCandidate(JSON.parse(t) as Record<string, string>) },
	];
	for (const [key, profile] of profiles) {
		if (profile.inbound) {
			const kinds: DocKind[] = [profile.format, "junk"];
			targets.push({ name: `mapper.mapInbound(${key})`, kinds, run: (t) => mapInbound(profile, t, { receivedAt, orderForTracking }) });
			targets.push({ name: `cli.convertDocument(--profile ${key})`, kinds: [profile.format], run: (t) => convertDocument(t, { profiles, receivedAt, profile: key }), check: conversionCheck });
		}
		for (const [commandType, spec] of profile.outbound) {
			if (!spec.fact && profile.format !== "x12") continue;
			targets.push({ name: `mapper.mapResponse(${key} ${commandType})`, kinds: profile.format === "x12" ? ["x12"] : ["json"], run: (t) => mapResponse(profile, commandType, {}, responseOf(profile, t)) });
		}
	}
	return targets;
}

/** An X12 partner answers with text (a 997); a JSON one with a parsed body, as the partner client hands it over. */
function responseOf(profile: MappingProfile, text: string): unknown {
	if (profile.format === "x12") return text;
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

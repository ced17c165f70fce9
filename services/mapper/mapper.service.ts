import { fileURLToPath } from "node:url";
import type { Context, ServiceSettingSchema } from "moleculer";
import { CHANNELS, GROUPS, createEnvelope, catalogueEntry, UnknownMessageTypeError, MappingFailedError, SchemaInvalidError, type Envelope } from "../../canonical/index.ts";
import { DurableStreamsMixin, type DurableStreamsMethods, type StreamingServiceSchema } from "../../mixins/durable-streams.mixin.ts";
import { loadPartnerRegistry, type PartnerRegistry } from "../../config/partner-registry.ts";
import type { MappingProfile } from "./mapping-profile.ts";
import { ProfileReloader } from "./profile-reloader.ts";
import { FieldOwnership } from "./field-ownership.ts";
import { listConflicts, recordConflicts } from "./conflicts.ts";
import { StoreMixin, type StoreMethods } from "../../mixins/store.mixin.ts";
import { PayloadsMixin, type PayloadsMethods } from "../../mixins/payloads.mixin.ts";
import { mapInbound, mapResponse, renderCommand } from "./canonical-mapper.ts";
import { withBody, type PartnerMessage } from "./partner-message.ts";
import { OrderTraces } from "./order-traces.ts";
import { readInterchange } from "./x12-documents.ts";
import { isAcknowledgement, partnerVerdicts } from "./functional-acks.ts";
import { settleInterchange } from "./interchange-settlement.ts";
import { loadCandidate, recordedMessages, shadowReplay } from "./shadow-replay.ts";

interface MapperVars {
	registry: PartnerRegistry;
	reloader: ProfileReloader;
	ownership: FieldOwnership;
	orderTraces: OrderTraces;
}
type MapperSettings = ServiceSettingSchema & { mappingsDir: string; reloadEveryMs: number };
type MapperMethods = DurableStreamsMethods &
	StoreMethods &
	PayloadsMethods & {
		profileFor(system: string, partner: string): MappingProfile;
		/** For an X12 message: applies a partner's 997, or publishes the 997 Waybill owes and audits refused sets. */
		settleInterchange(message: PartnerMessage, profile: MappingProfile, envelope: Envelope): Promise<"acknowledgement" | "document">;
		/** The order a carrier's tracking code belongs to, from the saga's index. */
		orderForTracking(code: unknown): Promise<string | undefined>;
	};

const DEFAULT_MAPPINGS = fileURLToPath(new URL("../../mappings", import.meta.url));

interface RenderParams {
	system: string;
	partner: string;
	type: string;
	data: unknown;
}

/**
 * The canonical mapper: partner formats in, canonical facts out; canonical commands in, partner
 * requests out. Mappings are data (JSONata under MAPPINGS_DIR); every output is validated and
 * stamped with the mapping version that produced it.
 */
const MapperServiceSchema: StreamingServiceSchema<MapperSettings, MapperMethods, MapperVars> = {
	name: "mapper",
	mixins: [StoreMixin(), PayloadsMixin(), DurableStreamsMixin()],
	settings: { mappingsDir: process.env.MAPPINGS_DIR || DEFAULT_MAPPINGS, reloadEveryMs: Number(process.env.MAPPINGS_RELOAD_MS || 5_000) },

	streams: {
		/**
		 * Each stored partner message becomes zero or more canonical facts; ids derive from the partner's
		 * event id, so a redelivery publishes nothing new. A claim-checked body is read from the payload
		 * store and verified first: missing or corrupt, the message is dead-lettered (not retryable).
		 */
		toCanonical: {
			channel: CHANNELS.INBOUND,
			group: GROUPS.MAPPER,
			async handler(envelope: Envelope) {
				const message = await withBody(envelope, this.payloads());
				const profile = this.profileFor(message.system, message.partner);
				// EDI hygiene first: a partner's 997 settles what Waybill sent; anything else gets Waybill's 997, rejections included.
				if (profile.format === "x12" && (await this.settleInterchange(message, profile, envelope)) === "acknowledgement") return;
				const facts = await mapInbound(profile, message.body, {
					receivedAt: message.receivedAt,
					// For carriers that know a parcel, not the order: Waybill's own index, by tracking code.
					orderForTracking: this.orderForTracking.bind(this),
				});
				if (facts.length === 0) this.logger.info("partner message has no canonical meaning; recorded only", { partner: message.partner, id: envelope.id });
				for (const fact of facts) {
					const entry = catalogueEntry(fact.type);
					if (!entry || entry.kind !== "fact") throw new UnknownMessageTypeError(fact.type);
					const owned = this.ownership.enforce(message.system, fact.data);
					const traceparent = await this.orderTraces.traceFor(fact.type, fact.subject, envelope.traceparent);
					const context = { orderId: fact.subject, partner: message.partner, factType: fact.type, messageId: envelope.id, traceparent };
					await recordConflicts({ store: this.store(), publish: (c, e) => this.publishMessage(c, e) }, context, owned.conflicts);
					await this.publishMessage(
						CHANNELS.EVENTS,
						createEnvelope({
							type: fact.type,
							source: `partner/${message.system}/${message.partner}`,
							subject: fact.subject,
							time: fact.time,
							data: owned.data,
							schemaVersion: entry.version,
							causationId: envelope.id,
							idempotencyKey: `${message.system}:${message.partner}:${fact.partnerEventId ?? envelope.idempotencykey}:${fact.type}`,
							partner: message.partner,
							partnerEventId: fact.partnerEventId,
							mappingVersion: profile.version,
							traceparent,
						}),
					);
				}
			},
		},
	},

	actions: {
		/** A canonical command as the partner's HTTP request. Pure: no side effects. */
		render: {
			params: { system: "string", partner: "string", type: "string", data: "any", idempotencyKey: "string|optional" },
			async handler(ctx: Context<RenderParams & { idempotencyKey?: string }>) {
				const profile = this.profileFor(ctx.params.system, ctx.params.partner);
				return { ...(await renderCommand(profile, ctx.params.type, ctx.params.data, ctx.params.idempotencyKey)), mappingVersion: profile.version };
			},
		},
		/** The command types a partner's profile can render: what may be sent to it (the batch lanes ask before splitting work). */
		outboundTypes: {
			params: { system: "string", partner: "string" },
			handler(ctx: Context<{ system: string; partner: string }>) {
				return [...this.profileFor(ctx.params.system, ctx.params.partner).outbound.keys()];
			},
		},
		/** The partner's answer to a command as the canonical fact it proves, or null. */
		responseFact: {
			params: { system: "string", partner: "string", type: "string", data: "any", response: "any|optional" },
			async handler(ctx: Context<RenderParams & { response: unknown }>) {
				const profile = this.profileFor(ctx.params.system, ctx.params.partner);
				const fact = await mapResponse(profile, ctx.params.type, ctx.params.data, ctx.params.response);
				if (!fact) return null;
				// An answer is held to the same ownership as a webhook; a refused field is logged (the command, not a message, caused it).
				const owned = this.ownership.enforce(ctx.params.system, fact.data);
				for (const c of owned.conflicts) this.logger.warn("partner answer wrote a field it does not own; not applied", { partner: ctx.params.partner, path: c.path, owners: c.owners });
				return { ...fact, data: owned.data, mappingVersion: profile.version };
			},
		},
		/** A partner's 997 as verdicts per group Waybill sent, or null when the body is not one. */
		acknowledgement: {
			params: { body: "string" },
			handler(ctx: Context<{ body: string }>) {
				if (!ctx.params.body.trimStart().startsWith("ISA")) return null;
				const read = readInterchange(ctx.params.body);
				return isAcknowledgement(read) ? partnerVerdicts(read) : null;
			},
		},
		/** Convert a partner document to canonical facts without publishing (CLI, diagnosis). */
		convert: {
			params: { system: "string", partner: "string", body: "string" },
			async handler(ctx: Context<{ system: string; partner: string; body: string }>) {
				const profile = this.profileFor(ctx.params.system, ctx.params.partner);
				return { mappingVersion: profile.version, facts: await mapInbound(profile, ctx.params.body, { receivedAt: new Date().toISOString() }) };
			},
		},
		/**
		 * Shadow replay: a candidate version of a partner's profile (its files) run beside the live one
		 * over the partner's recorded messages; a field-by-field diff, nothing published. For deciding a switch.
		 */
		shadow: {
			params: {
				system: { type: "enum", values: ["erp", "wms", "lastmile"] },
				partner: { type: "string", min: 1, max: 64 },
				files: { type: "record", key: { type: "string", min: 1, max: 128 }, value: { type: "string", max: 1_000_000 } },
				limit: { type: "number", integer: true, min: 1, max: 10_000, optional: true, convert: true },
			},
			async handler(ctx: Context<{ system: "erp" | "wms" | "lastmile"; partner: string; files: Record<string, string>; limit?: number }>) {
				const { system, partner } = ctx.params;
				const live = this.profileFor(system, partner);
				const candidate = loadCandidate(ctx.params.files);
				if (candidate.system !== live.system || candidate.profile !== live.profile) {
					throw new SchemaInvalidError("candidate mapping", [{ field: "profile.json", message: `the candidate is ${candidate.system}/${candidate.profile}; ${partner} runs ${live.system}/${live.profile}` }]);
				}
				const recorded = await recordedMessages(this.streamBus(), this.payloads(), system, partner, ctx.params.limit ?? 500);
				return shadowReplay(recorded, live, candidate, (message) => ({ receivedAt: message.receivedAt, orderForTracking: this.orderForTracking.bind(this) }));
			},
		},
		/** Fields partners wrote without owning them (not applied), most recent first. */
		conflicts: {
			params: { limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true } },
			handler(ctx: Context<{ limit?: number }>) {
				return listConflicts(this.store(), ctx.params.limit ?? 200);
			},
		},
		/** The live profiles, their versions and content digest, and the last refused change if any. */
		profiles: {
			handler() {
				return this.reloader.reloadStatus();
			},
		},
		/** Checks the mappings directory now (it is also polled); a change that does not load is refused and the live profiles stay. */
		reload: {
			handler() {
				return this.reloader.check();
			},
		},
	},

	methods: {
		async orderForTracking(code: unknown): Promise<string | undefined> {
			return typeof code === "string" ? ((await this.broker.call<string | null, unknown>("saga.orderByTracking", { trackingCode: code })) ?? undefined) : undefined;
		},
		async settleInterchange(message: PartnerMessage, profile: MappingProfile, envelope: Envelope) {
			// The 997 and any refused set are about the order the interchange names: they continue its trace.
			const traced = { ...envelope, traceparent: await this.orderTraces.orderTrace(envelope.subject, envelope.traceparent) };
			return settleInterchange(
				{
					publish: (c, e) => this.publishMessage(c, e),
					acknowledged: (verdicts) => this.broker.call(`${message.system}.interchangeAcknowledged`, { partner: message.partner, verdicts }),
					canSendTo: (system, partner) => Boolean(this.registry.find(system, partner).urlEnv),
					logger: this.logger,
				},
				message,
				profile,
				traced,
			);
		},
		profileFor(system: string, partner: string): MappingProfile {
			const entry = this.registry.find(system, partner);
			const profile = this.reloader.profiles().get(`${system}/${entry.profile}`);
			if (!profile) throw new MappingFailedError(`${system}/${entry.profile}`, "no such mapping profile is loaded");
			return profile;
		},
	},

	created() {
		this.registry = loadPartnerRegistry();
		this.reloader = new ProfileReloader(this.settings.mappingsDir, this.logger);
		this.ownership = FieldOwnership.load();
		this.logger.info("mapping profiles loaded", this.reloader.reloadStatus().profiles);
	},

	started() {
		// The store mixin's `started` ran first.
		this.orderTraces = new OrderTraces(this.store());
		this.reloader.watch(this.settings.reloadEveryMs);
	},

	stopped() {
		this.reloader.stop();
	},
};

export default MapperServiceSchema;

import { ALL_SERVICES, loadServiceSchemas } from "../service-catalogue.ts";
import { CHANNELS, GROUPS } from "../../canonical/channels.ts";

/** One durable subscription: a consumer group on a channel (one JetStream consumer per partition). */
export interface Consumption {
	channel: string;
	group: string;
}

/**
 * Services that have a Deployment before they have code in bin/service-catalogue.ts: their
 * subscriptions as agreed, until the catalogue loads the real ones (which then win).
 */
export const PLANNED_SERVICES: Readonly<Record<string, Consumption[]>> = {
	batch: [
		{ channel: CHANNELS.EVENTS, group: GROUPS.SETTLEMENT },
		{ channel: CHANNELS.BATCH_SETTLEMENT, group: GROUPS.BATCH },
		{ channel: CHANNELS.BATCH_MASTERDATA, group: GROUPS.BATCH },
	],
};

type WithStreams = { streams?: Record<string, Partial<Consumption>>; mixins?: WithStreams[] };

/** A schema's `streams`, its mixins' included (Moleculer merges them the same way). */
function streamsOf(schema: WithStreams, out: Consumption[] = []): Consumption[] {
	for (const s of Object.values(schema.streams ?? {})) {
		if (s.channel && s.group && !out.some((c) => c.channel === s.channel && c.group === s.group)) out.push({ channel: s.channel, group: s.group });
	}
	for (const mixin of schema.mixins ?? []) streamsOf(mixin, out);
	return out;
}

/** Every deployable service with the durable subscriptions it consumes (none for the gateway). */
export async function consumptionByService(): Promise<Map<string, Consumption[]>> {
	const schemas = await loadServiceSchemas(ALL_SERVICES);
	const out = new Map<string, Consumption[]>(ALL_SERVICES.map((name, i) => [name, streamsOf(schemas[i] as WithStreams)]));
	for (const [name, planned] of Object.entries(PLANNED_SERVICES)) if (!out.has(name)) out.set(name, planned);
	return out;
}

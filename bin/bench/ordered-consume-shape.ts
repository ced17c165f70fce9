import { DEFAULT_PARTITIONS } from "../../mixins/streams/stream-bus.ts";

/**
 * The shape of the ordered-consumption baseline: Waybill's default partition count and an event
 * read by three groups, with the publish window the JetStream publish baseline also tries. Apart
 * from baselines.ts so the report can name it without loading the engines.
 */
export const ORDERED_CONSUME = { groups: 3, partitions: DEFAULT_PARTITIONS, window: 128 } as const;

/**
 * Durable channel names. Each is a JetStream stream (or its in-memory twin); the partition of a
 * message is derived from its subject (the order), which is what keeps one order's messages in order.
 */
export const CHANNELS = {
	/** Raw partner messages and API requests, stored before Waybill acknowledges them. */
	INBOUND: "inbound",
	/** Canonical facts: what happened, past tense. */
	EVENTS: "events",
	/** Commands for the ERP adapter. */
	ERP_COMMANDS: "commands-erp",
	/** Commands for the WMS adapter. */
	WMS_COMMANDS: "commands-wms",
	/** Commands for the last-mile adapter. */
	LASTMILE_COMMANDS: "commands-lastmile",
	/** Messages that could not be processed, with the error that stopped them. */
	DEAD_LETTERS: "dead-letters",
	/** Outbound webhooks to subscribers, one message per delivery; partitioned by subscription. */
	NOTIFICATIONS: "notifications",
	/** Batch lane: the daily settlement to the ERP, chunk by chunk, and its reconciliation. */
	BATCH_SETTLEMENT: "batch-settlement",
	/** Batch lane: product and customer master data, chunk by chunk, to the WMS and last-mile partners. */
	BATCH_MASTERDATA: "batch-masterdata",
} as const;

export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

export const ALL_CHANNELS: ChannelName[] = Object.values(CHANNELS);

/**
 * Channels of the batch lanes: their own streams and consumer groups, never a partition or a
 * consumer shared with operational work, and their consumers yield to it (mixins/streams/lane-gate.ts).
 */
export const BATCH_CHANNELS: ReadonlySet<string> = new Set([CHANNELS.BATCH_SETTLEMENT, CHANNELS.BATCH_MASTERDATA]);

export const isBatchChannel = (channel: string): boolean => BATCH_CHANNELS.has(channel);

export const COMMAND_CHANNEL_BY_SYSTEM = {
	erp: CHANNELS.ERP_COMMANDS,
	wms: CHANNELS.WMS_COMMANDS,
	lastmile: CHANNELS.LASTMILE_COMMANDS,
} as const;

export type PartnerSystem = keyof typeof COMMAND_CHANNEL_BY_SYSTEM;

/** Consumer groups: one per service that reads a channel. */
export const GROUPS = {
	MAPPER: "mapper",
	SAGA: "saga",
	LEDGER: "ledger",
	ERP: "erp",
	WMS: "wms",
	LASTMILE: "lastmile",
	NOTIFIER: "notifier",
	/** The batch service on its own lanes (batch-settlement, batch-masterdata). */
	BATCH: "batch",
	/** The batch service's journal of settlement facts, read off `events` as they happen. */
	SETTLEMENT: "settlement",
} as const;

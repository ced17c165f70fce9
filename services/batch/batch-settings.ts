import { DateTime } from "luxon";
import { ConfigurationInvalidError, MAX_CHUNK_RECORDS, MAX_SETTLEMENT_CHUNK_ITEMS } from "../../canonical/index.ts";

/** The batch service's settings, read once from the environment (see README, Batch lanes). */
export interface BatchSettings {
	/** Master-data records per chunk message (one partner call each). */
	recordsPerChunk: number;
	/** Records one syncMasterData call may carry; a larger batch comes in parts. */
	maxRecordsPerCall: number;
	/** Settlement items per chunk (one ERP call each). */
	itemsPerChunk: number;
	/** The settlement day's time zone (IANA). */
	timeZone: string;
	/** When the daily run starts, HH:mm in `timeZone`. */
	runAt: { hour: number; minute: number };
	/** Days the daily run settles, counting back from yesterday: 2 also posts yesterday's late arrivals for the day before. */
	lookbackDays: number;
	/** How long a reconciliation waits for a lagging record keeper (the ledger, the journal) before it calls a difference a mismatch. */
	reconcileWaitMs: number;
	/** Per call to a partner on a batch lane: bulk bodies take longer than one order's. */
	partnerTimeoutMs: number;
	/** Concurrent batch calls per partner from this service. */
	partnerBulkhead: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) throw new ConfigurationInvalidError(name, `expected an integer from ${min} to ${max}, got '${raw}'`);
	return value;
}

function timeZoneFrom(env: NodeJS.ProcessEnv): string {
	const zone = env.SETTLEMENT_TIME_ZONE || "UTC";
	if (!DateTime.now().setZone(zone).isValid) throw new ConfigurationInvalidError("SETTLEMENT_TIME_ZONE", `'${zone}' is not an IANA time zone`);
	return zone;
}

function runAtFrom(env: NodeJS.ProcessEnv): { hour: number; minute: number } {
	const raw = env.SETTLEMENT_RUN_AT || "02:00";
	const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(raw);
	if (!match) throw new ConfigurationInvalidError("SETTLEMENT_RUN_AT", `expected HH:mm, got '${raw}'`);
	return { hour: Number(match[1]), minute: Number(match[2]) };
}

export function batchSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): BatchSettings {
	return {
		recordsPerChunk: int(env, "MASTERDATA_CHUNK_RECORDS", 200, 1, MAX_CHUNK_RECORDS),
		maxRecordsPerCall: int(env, "MASTERDATA_MAX_RECORDS_PER_CALL", 20_000, 1, 100_000),
		itemsPerChunk: int(env, "SETTLEMENT_CHUNK_ITEMS", 500, 1, MAX_SETTLEMENT_CHUNK_ITEMS),
		timeZone: timeZoneFrom(env),
		runAt: runAtFrom(env),
		lookbackDays: int(env, "SETTLEMENT_LOOKBACK_DAYS", 2, 1, 31),
		reconcileWaitMs: int(env, "SETTLEMENT_RECONCILE_WAIT_MS", 120_000, 0, 86_400_000),
		partnerTimeoutMs: int(env, "BATCH_PARTNER_TIMEOUT_MS", 30_000, 100, 600_000),
		partnerBulkhead: int(env, "BATCH_PARTNER_BULKHEAD", 2, 1, 64),
	};
}

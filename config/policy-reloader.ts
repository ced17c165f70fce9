import { readFileSync } from "node:fs";
import { ConfigurationInvalidError } from "../canonical/errors/index.ts";
import type { PartnerRegistry } from "./partner-registry.ts";
import { parsePolicies, policiesFile, policiesVersion, type PolicyRegistry } from "./policy-registry.ts";

export const DEFAULT_POLICIES_RELOAD_MS = 2000;

export interface PolicyReloadStatus {
	/** Of the live policies: the first 12 hex of the file's sha256. */
	version: string;
	loadedAt: string;
	/** The newest change that was refused, until a later one loads. */
	refused?: { version: string; at: string; error: string };
}

export interface PolicyReloaderOptions {
	/** Default POLICIES_FILE, else config/policies.json. */
	file?: string;
	/** Default POLICIES_RELOAD_MS, else 2000; 0 never polls. */
	everyMs?: number;
	/** When given, routing may only name partners it knows. */
	partners?: PartnerRegistry;
	log: { info(msg: string, data?: unknown): void; error(msg: string, data?: unknown): void };
}

/** POLICIES_RELOAD_MS: milliseconds between checks of the policies file, 0 to never check. */
export function policiesReloadMs(env: NodeJS.ProcessEnv = process.env): number {
	const text = env.POLICIES_RELOAD_MS;
	if (text === undefined || text === "") return DEFAULT_POLICIES_RELOAD_MS;
	const value = Number(text);
	if (!Number.isInteger(value) || value < 0) throw new ConfigurationInvalidError("POLICIES_RELOAD_MS", `must be a whole number of milliseconds >= 0, got '${text}'`);
	return value;
}

/**
 * Business policies that follow their file without a restart. The file is polled by content
 * digest (a ConfigMap swaps a symlink, so file events are unreliable); a changed file is validated
 * whole and only one that loads replaces the live policies. A bad change is refused with its
 * reason and the previous policies stay in force, so an edit can never leave the saga without
 * policies. The first load throws: a process does not start on a file that does not validate.
 */
export class PolicyReloader {
	private live: PolicyRegistry;
	private refused?: PolicyReloadStatus["refused"];
	private readError?: string;
	private timer?: NodeJS.Timeout;
	private readonly file: string;
	private readonly everyMs: number;

	constructor(private readonly options: PolicyReloaderOptions) {
		this.file = options.file ?? policiesFile();
		this.everyMs = options.everyMs ?? policiesReloadMs();
		this.live = parsePolicies(this.read(), this.file, options.partners);
	}

	current(): PolicyRegistry {
		return this.live;
	}

	status(): PolicyReloadStatus {
		return { version: this.live.version, loadedAt: this.live.loadedAt, ...(this.refused ? { refused: this.refused } : {}) };
	}

	/** Checks the file now and loads it if it changed. Returns the status after. */
	check(): PolicyReloadStatus {
		let bytes: Buffer;
		try {
			bytes = this.read();
		} catch (e: unknown) {
			// A missing file is usually a ConfigMap mid-swap: say so once, not every poll.
			const error = (e as Error).message;
			if (error !== this.readError) this.options.log.error("cannot read the policies file; the live policies stay in force", { file: this.file, error });
			this.readError = error;
			return this.status();
		}
		this.readError = undefined;
		const version = policiesVersion(bytes);
		if (version === this.live.version || version === this.refused?.version) return this.status();
		try {
			this.live = parsePolicies(bytes, this.file, this.options.partners);
			this.refused = undefined;
			this.options.log.info("policies reloaded", { file: this.file, version: this.live.version });
		} catch (e: unknown) {
			const error = (e as Error).message;
			this.refused = { version, at: new Date().toISOString(), error };
			this.options.log.error("policy change refused; the previous policies stay in force", { file: this.file, version, live: this.live.version, error });
		}
		return this.status();
	}

	/** Polls every `everyMs`; does nothing when that is 0. The timer never keeps the process alive. */
	start(): void {
		if (this.everyMs === 0 || this.timer) return;
		this.timer = setInterval(() => this.check(), this.everyMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	private read(): Buffer {
		try {
			return readFileSync(this.file);
		} catch (e: unknown) {
			throw new ConfigurationInvalidError(this.file, `cannot read the policies: ${(e as Error).message}`);
		}
	}
}

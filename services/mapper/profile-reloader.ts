import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadProfiles, type MappingProfile } from "./mapping-profile.ts";

export interface ReloadStatus {
	/** Digest of every file the live profiles were loaded from. */
	digest: string;
	loadedAt: string;
	profiles: Array<{ key: string; version: string }>;
	/** The last load that was refused, if the files changed since in a way that does not load. */
	refused?: { digest: string; at: string; error: string };
}

/** Every file under the directory (following symlinks, as a ConfigMap volume needs), with its bytes. */
function digestOf(root: string): string {
	const hash = createHash("sha256");
	const walk = (dir: string) => {
		for (const name of readdirSync(dir).filter((n) => !n.startsWith(".")).sort()) {
			const path = join(dir, name);
			if (statSync(path).isDirectory()) walk(path);
			else hash.update(path).update("\0").update(readFileSync(path)).update("\0");
		}
	};
	walk(root);
	return hash.digest("hex");
}

/**
 * Mapping profiles that follow their directory without a restart. The directory is polled by
 * content digest (robust to a ConfigMap's atomic symlink swap, where file events are unreliable);
 * a changed set is loaded whole and validated first, and only a set that loads replaces the live
 * one. A bad change is refused with its error and the previous profiles stay in force.
 */
export class ProfileReloader {
	private live: Map<string, MappingProfile>;
	private status: ReloadStatus;
	private timer?: NodeJS.Timeout;

	constructor(private readonly root: string, private readonly log: { info(msg: string, data?: unknown): void; error(msg: string, data?: unknown): void }) {
		const digest = digestOf(root);
		this.live = loadProfiles(root);
		this.status = this.statusFor(digest);
	}

	profiles(): Map<string, MappingProfile> {
		return this.live;
	}

	reloadStatus(): ReloadStatus {
		return this.status;
	}

	/** Checks the directory now; loads it if it changed. Returns the status after. */
	check(): ReloadStatus {
		let digest: string;
		try {
			digest = digestOf(this.root);
		} catch (e: unknown) {
			this.log.error("cannot read the mappings directory; keeping the live profiles", { error: (e as Error).message });
			return this.status;
		}
		if (digest === this.status.digest || digest === this.status.refused?.digest) return this.status;
		try {
			this.live = loadProfiles(this.root);
			this.status = this.statusFor(digest);
			this.log.info("mapping profiles reloaded", this.status.profiles);
		} catch (e: unknown) {
			this.status = { ...this.status, refused: { digest, at: new Date().toISOString(), error: (e as Error).message } };
			this.log.error("mapping change refused; the previous profiles stay live", { error: (e as Error).message });
		}
		return this.status;
	}

	watch(everyMs: number): void {
		this.timer = setInterval(() => this.check(), everyMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
	}

	private statusFor(digest: string): ReloadStatus {
		return {
			digest,
			loadedAt: new Date().toISOString(),
			profiles: [...this.live.entries()].map(([key, p]) => ({ key, version: p.version })),
		};
	}
}

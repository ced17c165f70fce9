import type { Cluster } from "./cluster.ts";
import { say, sleep } from "./log.ts";

const POLL_MS = 3_000;

export interface QuietResult {
	/** False when the deadline passed first: the checker still runs and names what is missing. */
	settled: boolean;
	invoiced: number;
	backlog: number;
	ledgerEntries: number;
	stuckOrders?: string[];
}

/**
 * Waits until every accepted order is invoiced, no durable subscription has a backlog, and the
 * ledger stopped growing between two polls (late duplicate webhooks are still being recorded
 * otherwise), or until the deadline. Control calls fail while a process restarts; that is a
 * poll to skip, not an error.
 */
export async function waitForQuiet(cluster: Cluster, accepted: number, deadline: number): Promise<QuietResult> {
	let last: QuietResult = { settled: false, invoiced: 0, backlog: -1, ledgerEntries: -1 };
	let lastSaid = 0;
	for (;;) {
		try {
			const stats = await cluster.broker.call<{ invoiced: number; stuckOrders: string[] }, object>("saga.stats", {}, { timeout: 10_000 });
			const backlog = await cluster.backlog();
			const ledger = await cluster.broker.call<{ entries: number }, object>("ledger.stats", {}, { timeout: 10_000 });
			const quiet = stats.invoiced >= accepted && backlog === 0 && ledger.entries === last.ledgerEntries;
			last = { settled: quiet, invoiced: stats.invoiced, backlog, ledgerEntries: ledger.entries, stuckOrders: stats.stuckOrders };
			if (quiet) return last;
			if (Date.now() - lastSaid > 10_000) {
				say(`waiting: invoiced ${stats.invoiced}/${accepted}, backlog ${backlog}, ledger ${ledger.entries}${stats.stuckOrders.length ? `, stuck ${stats.stuckOrders.slice(0, 5).join(" ")}` : ""}`);
				lastSaid = Date.now();
			}
		} catch (e: unknown) {
			say(`waiting: control call failed (${(e as Error).message})`);
		}
		if (Date.now() > deadline) {
			say("!! deadline passed before the flow settled");
			return { ...last, settled: false };
		}
		await sleep(POLL_MS);
	}
}

import { SERVICES, type Cluster } from "../fault-injection/cluster.ts";
import { say, sleep } from "../fault-injection/log.ts";

const POLL_MS = 2_000;
const CALL_TIMEOUT_MS = 10_000;

export interface Settled {
	settled: boolean;
	invoiced: number;
	backlog: number;
	ledgerEntries: number;
}

/**
 * Waits until every accepted order is invoiced, no group has a backlog and the ledger stopped
 * growing between two polls, or until the deadline. Each control call names a live process:
 * a SIGKILLed node stays in every broker's registry until its heartbeat times out (30 s by
 * Moleculer's default), and a call balanced onto it would only wait out its timeout.
 */
export async function waitUntilSettled(cluster: Cluster, live: (service: string) => string, accepted: number, deadline: number): Promise<Settled> {
	let last: Settled = { settled: false, invoiced: 0, backlog: -1, ledgerEntries: -1 };
	let lastSaid = 0;
	const call = <T>(service: string, action: string) => cluster.broker.call<T, object>(`${service}.${action}`, {}, { nodeID: cluster.nodeIdOf(live(service)), timeout: CALL_TIMEOUT_MS });
	for (;;) {
		try {
			const { invoiced } = await call<{ invoiced: number }>("saga", "stats");
			const backlogs = await Promise.all(SERVICES.map((s) => call<Array<{ backlog: number }>>(s, "streamBacklog")));
			const backlog = backlogs.flat().reduce((sum, b) => sum + b.backlog, 0);
			const { entries } = await call<{ entries: number }>("ledger", "stats");
			const settled = invoiced >= accepted && backlog === 0 && entries === last.ledgerEntries;
			last = { settled, invoiced, backlog, ledgerEntries: entries };
			if (settled) return last;
			if (Date.now() - lastSaid > 10_000) {
				say(`waiting: invoiced ${invoiced}/${accepted}, backlog ${backlog}, ledger ${entries}`);
				lastSaid = Date.now();
			}
		} catch (e: unknown) {
			say(`waiting: control call failed (${(e as Error).message})`);
		}
		if (Date.now() > deadline) return { ...last, settled: false };
		await sleep(POLL_MS);
	}
}

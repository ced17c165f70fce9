import { setTimeout as sleep } from "node:timers/promises";
import type { ConsumerMessages, JsMsg } from "nats";

function tryNak(m: JsMsg, onError: (error: unknown, context: string) => void): void {
	try {
		m.nak();
	} catch (e) {
		onError(e, "nak failed; the message will be redelivered after ack_wait");
	}
}

/** Pause before opening a consume loop again after it ended on its own (a broker restart, say). */
const REOPEN_AFTER_MS = 1_000;

/**
 * One group's worker on one partition: one message at a time, because its consumer allows one
 * unacked. If its consume loop ends while the worker is not stopping (the server restarted, the
 * consumer was recreated), it is opened again: a partition nobody consumes is a partition of
 * orders that silently stop moving.
 */
export class PartitionWorker {
	private stopping = false;
	private current?: ConsumerMessages;
	private readonly done: Promise<void>;

	constructor(
		open: () => Promise<ConsumerMessages>,
		handle: (m: JsMsg) => Promise<void>,
		onError: (error: unknown, context: string) => void,
	) {
		this.done = (async () => {
			while (!this.stopping) {
				try {
					this.current = await open();
					if (this.stopping) await this.current.close();
					for await (const m of this.current) {
						// Already sent to us but not started: give it back now rather than after ack_wait.
						if (this.stopping) tryNak(m, onError);
						else await handle(m);
					}
				} catch (error: unknown) {
					if (!this.stopping) onError(error, "consume loop failed; reopening it");
				}
				if (!this.stopping) await sleep(REOPEN_AFTER_MS);
			}
		})();
	}

	async stop(): Promise<void> {
		this.stopping = true;
		await this.current?.close();
		await this.done;
	}
}

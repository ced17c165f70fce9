import type { ConsumerMessages, JsMsg } from "nats";

function tryNak(m: JsMsg, onError: (error: unknown, context: string) => void): void {
	try {
		m.nak();
	} catch (e) {
		onError(e, "nak failed; the message will be redelivered after ack_wait");
	}
}

/** One group's worker on one partition: one message at a time, because its consumer allows one unacked. */
export class PartitionWorker {
	private stopping = false;
	private readonly done: Promise<void>;

	constructor(
		private readonly messages: ConsumerMessages,
		handle: (m: JsMsg) => Promise<void>,
		onError: (error: unknown, context: string) => void,
	) {
		this.done = (async () => {
			for await (const m of this.messages) {
				// Already sent to us but not started: give it back now rather than after ack_wait.
				if (this.stopping) tryNak(m, onError);
				else await handle(m);
			}
		})().catch((error: unknown) => onError(error, "consume loop ended"));
	}

	async stop(): Promise<void> {
		this.stopping = true;
		await this.messages.close();
		await this.done;
	}
}

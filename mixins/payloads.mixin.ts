import type { Service, ServiceSchema } from "moleculer";
import type { PayloadStore } from "./payloads/payload-store.ts";
import { acquirePayloads, releasePayloads } from "./runtime/broker-resources.ts";

export interface PayloadsMethods {
	/** The claim-check store of the namespace: large partner documents, stored once, by digest. */
	payloads(): PayloadStore;
}

interface PayloadsState {
	$payloads?: PayloadStore;
}

/** Gives a service the broker's shared payload store (JetStream Object Store, or memory in embedded mode). */
export function PayloadsMixin(): Partial<ServiceSchema> {
	// `merged` is a Moleculer lifecycle hook its typings do not declare.
	const mixin = {
		methods: {
			payloads(this: Service & PayloadsState): PayloadStore {
				if (!this.$payloads) throw new Error(`service '${this.name}' used the payload store before it started`);
				return this.$payloads;
			},
		},
		async started(this: Service & PayloadsState) {
			this.$payloads = await acquirePayloads(this.broker);
		},
		/** Released after every other `stopped` hook: a message still being handled may read a payload. */
		merged(schema: ServiceSchema) {
			const stopped = schema.stopped ? (Array.isArray(schema.stopped) ? schema.stopped : [schema.stopped]) : [];
			schema.stopped = [releaseOwnPayloads, ...stopped] as ServiceSchema["stopped"];
		},
	};
	return mixin as unknown as Partial<ServiceSchema>;
}

async function releaseOwnPayloads(this: Service & PayloadsState): Promise<void> {
	if (this.$payloads) await releasePayloads(this.broker);
	this.$payloads = undefined;
}

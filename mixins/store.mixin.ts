import type { Service, ServiceSchema } from "moleculer";
import type { Store } from "./store/store.ts";
import { acquireStore, releaseStore } from "./runtime/broker-resources.ts";

export interface StoreMethods {
	/** The state store: Redis in distributed mode, in-memory in embedded mode. */
	store(): Store;
}

interface StoreState {
	$store?: Store;
}

/** Gives a service the broker's shared store, keyed under the broker's namespace. */
export function StoreMixin(): Partial<ServiceSchema> {
	// `merged` is a Moleculer lifecycle hook its typings do not declare.
	const mixin = {
		methods: {
			store(this: Service & StoreState): Store {
				if (!this.$store) throw new Error(`service '${this.name}' used the store before it started`);
				return this.$store;
			},
		},
		async started(this: Service & StoreState) {
			this.$store = await acquireStore(this.broker);
		},
		/** Released after every other `stopped` hook: requests still being answered may use it. */
		merged(schema: ServiceSchema) {
			const stopped = schema.stopped ? (Array.isArray(schema.stopped) ? schema.stopped : [schema.stopped]) : [];
			// Moleculer runs `stopped` hooks last to first: first in the list is run last.
			schema.stopped = [releaseOwnStore, ...stopped] as ServiceSchema["stopped"];
		},
	};
	return mixin as unknown as Partial<ServiceSchema>;
}

async function releaseOwnStore(this: Service & StoreState): Promise<void> {
	if (this.$store) await releaseStore(this.broker);
	this.$store = undefined;
}

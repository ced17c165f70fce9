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
	return {
		methods: {
			store(this: Service & StoreState): Store {
				if (!this.$store) throw new Error(`service '${this.name}' used the store before it started`);
				return this.$store;
			},
		},
		async started(this: Service & StoreState) {
			this.$store = await acquireStore(this.broker);
		},
		async stopped(this: Service & StoreState) {
			if (this.$store) await releaseStore(this.broker);
			this.$store = undefined;
		},
	};
}

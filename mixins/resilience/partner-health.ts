import { CircuitState } from "cockatiel";
import { CHANNELS, WAYBILL_FACTS, createEnvelope, type ChannelName, type Envelope, type PartnerSystem } from "../../canonical/index.ts";

type Publish = (channel: ChannelName, envelope: Envelope) => Promise<unknown>;

/**
 * Turns a partner's circuit changes into facts: `waybill.partner.degraded` when the circuit opens,
 * `waybill.partner.recovered` when it closes again. One degradation is one episode, named by the
 * time it began, so a flapping half-open probe does not raise a new alarm each time.
 */
export class PartnerHealthReporter {
	private degradedSince?: string;

	constructor(
		private readonly system: PartnerSystem,
		private readonly partner: string,
		private readonly publish: Publish,
		private readonly onError: (error: unknown) => void,
	) {}

	/** For cockatiel's onStateChange: fire and report, never throw into the breaker. */
	readonly circuitChanged = (state: CircuitState): void => {
		if (state === CircuitState.Open && !this.degradedSince) {
			this.degradedSince = new Date().toISOString();
			void this.emit(WAYBILL_FACTS.PARTNER_DEGRADED, this.degradedSince, "circuit opened after consecutive failures").catch(this.onError);
		} else if (state === CircuitState.Closed && this.degradedSince) {
			const since = this.degradedSince;
			this.degradedSince = undefined;
			void this.emit(WAYBILL_FACTS.PARTNER_RECOVERED, since, "circuit closed: calls succeed again").catch(this.onError);
		}
	};

	isDegraded(): boolean {
		return this.degradedSince !== undefined;
	}

	private emit(type: string, since: string, reason: string): Promise<unknown> {
		const at = new Date().toISOString();
		return this.publish(
			CHANNELS.EVENTS,
			createEnvelope({
				type,
				source: `waybill/${this.system}`,
				subject: `partner:${this.partner}`,
				time: at,
				data: { system: this.system, partner: this.partner, reason, since, at },
				schemaVersion: 1,
				partner: this.partner,
				idempotencyKey: `partner:${this.partner}:${type}:${since}`,
			}),
		);
	}
}

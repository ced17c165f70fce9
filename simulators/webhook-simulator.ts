import type { ApiFaultState, FaultRequest, WebhookChaos } from "./fault-settings.ts";
import { SimServer, type RecordedRequest, type Route } from "./sim-server.ts";
import { WebhookSender, type WebhookSimOptions } from "./webhook-sender.ts";
import { WmsTimers } from "./wms-timers.ts";

/** The counters every webhook-sending simulator keeps, beside those of its own resources. */
export interface WebhookSimulatorStats {
  replays: number;
  faultsServed: number;
  webhooksSent: number;
  webhookFailures: number;
  webhooksAbandoned: number;
  webhookDuplicatesSent: number;
  webhooksReordered: number;
}

/**
 * What the WMS and last-mile simulators share: an HTTP API that records what it receives, and a
 * webhook sender that reports back. Subclasses bring their routes and their partner's payloads.
 */
export abstract class WebhookSimulator {
  protected readonly server: SimServer;
  protected readonly sender: WebhookSender;
  /** Pauses of the partner's own (a late manifest, a return in transit), awaited by idle() like queued webhooks. */
  protected readonly timers = new WmsTimers();

  constructor(options: WebhookSimOptions, routes: (self: WebhookSimulator) => Route[]) {
    this.sender = new WebhookSender(options);
    this.server = new SimServer({
      stats: () => this.stats(),
      routes: routes(this),
      webhookChaos: { get: () => this.sender.chaos(), set: (change) => this.sender.setChaos(change) },
    });
  }

  abstract stats(): object;

  /** The counters every webhook-sending simulator reports, for its own stats() to spread in. */
  protected webhookStats(): WebhookSimulatorStats {
    return {
      replays: this.server.replays,
      faultsServed: this.server.faultsServed,
      webhooksSent: this.sender.stats.sent,
      webhookFailures: this.sender.stats.failures,
      webhooksAbandoned: this.sender.stats.abandoned,
      webhookDuplicatesSent: this.sender.stats.duplicates,
      webhooksReordered: this.sender.stats.reordered,
    };
  }

  start(port = 0): Promise<{ url: string }> {
    return this.server.start(port);
  }

  async stop(): Promise<void> {
    this.timers.stop();
    await Promise.all([this.sender.stop(), this.server.stop()]);
  }

  setCallbackUrl(url: string): void {
    this.sender.setCallbackUrl(url);
  }

  received(): RecordedRequest[] {
    return this.server.received();
  }

  reset(): void {
    this.server.reset();
  }

  faults(): ApiFaultState & WebhookChaos {
    return { ...this.server.faults(), ...this.sender.chaos() };
  }

  /** API faults and webhook chaos, as `POST /_sim/faults` takes them; throws on what it would refuse. */
  setFaults(change: FaultRequest): ApiFaultState & WebhookChaos {
    this.server.setFaults(change);
    return this.faults();
  }

  /** Resolves once every webhook queued so far was delivered or given up, and no pause is pending. */
  async idle(): Promise<void> {
    for (;;) {
      await this.sender.idle();
      if (this.timers.size === 0) return;
      await this.timers.idle();
    }
  }
}

import { SimServer, type RecordedRequest, type Route } from "./sim-server.ts";
import { WebhookSender, type WebhookSimOptions } from "./webhook-sender.ts";

/**
 * What the WMS and last-mile simulators share: an HTTP API that records what it receives, and a
 * webhook sender that reports back. Subclasses bring their routes and their partner's payloads.
 */
export abstract class WebhookSimulator {
  protected readonly server: SimServer;
  protected readonly sender: WebhookSender;

  constructor(options: WebhookSimOptions, routes: (self: WebhookSimulator) => Route[]) {
    this.sender = new WebhookSender(options);
    this.server = new SimServer({ stats: () => this.stats(), routes: routes(this) });
  }

  abstract stats(): object;

  start(port = 0): Promise<{ url: string }> {
    return this.server.start(port);
  }

  async stop(): Promise<void> {
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

  /** Resolves once every webhook queued so far was delivered or given up. */
  idle(): Promise<void> {
    return this.sender.idle();
  }
}

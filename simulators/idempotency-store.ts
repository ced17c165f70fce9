import type { SimReply } from "./sim-server.ts";

/**
 * Remembers the first successful answer per Idempotency-Key, the way partner APIs do, so a
 * client that retries after a lost response gets the same resource back instead of a duplicate.
 * Keys are scoped per endpoint (method + path): one key reused on another endpoint is a new call.
 */
export class IdempotencyStore {
  private readonly answers = new Map<string, SimReply>();
  private replayCount = 0;

  get replays(): number {
    return this.replayCount;
  }

  /** The answer to replay for this key, counted as a replay, or undefined on first use. */
  replay(scope: string, key: string): SimReply | undefined {
    const first = this.answers.get(`${scope}\u0000${key}`);
    if (first === undefined) return undefined;
    this.replayCount += 1;
    // Replays answer 200 whatever the first status was: nothing new was created.
    return { status: 200, body: first.body };
  }

  /**
   * Only successes are kept: a rejected request may be corrected and retried with its key. The
   * body is copied because the resource behind it changes later, and a replay must not show that.
   */
  remember(scope: string, key: string, reply: SimReply): void {
    if (reply.status < 200 || reply.status >= 300) return;
    this.answers.set(`${scope}\u0000${key}`, { status: reply.status, body: structuredClone(reply.body) });
  }
}

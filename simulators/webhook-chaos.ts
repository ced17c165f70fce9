import { webhookChaosProblem, type WebhookChaos } from "./fault-settings.ts";

/** A well-behaved partner: every delivery once, every flow in order. */
export const CALM: WebhookChaos = { duplicateWebhooks: 1, outOfOrderProbability: 0 };

/** The chaos to start with, from constructor options; refuses settings `/_sim/faults` would refuse. */
export function initialChaos(options: Partial<WebhookChaos>): WebhookChaos {
  const problem = webhookChaosProblem(options);
  if (problem !== undefined) throw new Error(problem);
  return {
    duplicateWebhooks: options.duplicateWebhooks ?? CALM.duplicateWebhooks,
    outOfOrderProbability: options.outOfOrderProbability ?? CALM.outOfOrderProbability,
  };
}

/**
 * Which event of a flow to send after its successor instead of before it, or undefined to keep
 * the flow in order. Any adjacent pair may be the one, as any two events can race on the way.
 */
export function swapIndex(stepCount: number, probability: number, random: () => number = Math.random): number | undefined {
  if (stepCount < 2 || random() >= probability) return undefined;
  return Math.floor(random() * (stepCount - 1));
}

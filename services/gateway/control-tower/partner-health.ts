import type { RecentOutcomes } from "../../../mixins/resilience/outcome-window.ts";

/** An action call, from a broker or a context: the REPL and the gateway ask the same questions. */
export type Call = <T>(action: string, params?: Record<string, unknown>) => Promise<T>;

/** The systems with a partner adapter, each answering `<system>.circuits` and `<system>.streamBacklog`. */
export const ADAPTER_SYSTEMS = ["erp", "wms", "lastmile"] as const;

export interface CircuitView {
	partner: string;
	state: string;
	degraded: boolean;
	recent?: RecentOutcomes;
}

/** Circuit state per partner, per system; a system that does not answer shows why instead. */
export async function circuitsBySystem(call: Call): Promise<Record<string, CircuitView[] | string>> {
	const answers = await Promise.all(ADAPTER_SYSTEMS.map((system) => call<CircuitView[]>(`${system}.circuits`).catch((e: Error) => e.message)));
	return Object.fromEntries(ADAPTER_SYSTEMS.map((system, i) => [system, answers[i]!]));
}

/** Circuits and command backlogs per system: what a degraded partner is holding back. */
export async function partnersBySystem(call: Call): Promise<Record<string, { breakers: CircuitView[] | string; commandBacklog: number }>> {
	const [breakers, backlogs] = await Promise.all([
		circuitsBySystem(call),
		Promise.all(ADAPTER_SYSTEMS.map((system) => call<Array<{ channel: string; backlog: number }>>(`${system}.streamBacklog`).catch(() => []))),
	]);
	return Object.fromEntries(ADAPTER_SYSTEMS.map((system, i) => [system, { breakers: breakers[system]!, commandBacklog: backlogs[i]!.reduce((sum, b) => sum + b.backlog, 0) }]));
}

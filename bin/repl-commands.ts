import type { ServiceBroker } from "moleculer";

type Params = Record<string, unknown>;
interface ReplCommand {
	command: string;
	description: string;
	action(broker: ServiceBroker, params: Params): Promise<void>;
}

const show = (value: unknown) => console.log(JSON.stringify(value, null, 2));

async function circuits(broker: ServiceBroker) {
	const result: Record<string, unknown> = {};
	for (const system of ["erp", "wms", "lastmile"]) result[system] = await broker.call(`${system}.circuits`).catch((e: Error) => e.message);
	return result;
}

/** Circuits and command backlogs per system: what a degraded partner is holding back. */
async function partners(broker: ServiceBroker) {
	const result: Record<string, unknown> = {};
	for (const system of ["erp", "wms", "lastmile"]) {
		const [breakers, backlog] = await Promise.all([
			broker.call(`${system}.circuits`).catch((e: Error) => e.message),
			broker.call<Array<{ channel: string; backlog: number }>>(`${system}.streamBacklog`).catch(() => []),
		]);
		result[system] = { breakers, commandBacklog: backlog.reduce((sum, b) => sum + b.backlog, 0) };
	}
	return result;
}

/** REPL commands for SREs (`npm run repl`): type `help` in the REPL to list them. */
export const replCommands: ReplCommand[] = [
	{
		command: "order <orderId>",
		description: "Unified status and timeline of one order",
		action: async (broker, p) => show(await broker.call("saga.getOrder", { orderId: String(p.orderId) })),
	},
	{
		command: "orders",
		description: "Orders by status, in flight and stuck",
		action: async (broker) => show(await broker.call("saga.stats", {})),
	},
	{
		command: "trace <orderId>",
		description: "Every message of an order in causal order, with producer and time per hop",
		action: async (broker, p) => show(await broker.call("ledger.trace", { orderId: String(p.orderId) })),
	},
	{
		command: "dlq <action> [id]",
		description: "Dead letters: 'dlq list' (waiting ones), 'dlq replay <id>'",
		action: async (broker, p) => {
			if (p.action === "list") return show(await broker.call("gateway.deadLetters", { status: "waiting" }));
			if (p.action === "replay" && p.id) return show(await broker.call("gateway.replayDeadLetters", { ids: [String(p.id)], by: `repl:${process.env.USER ?? "sre"}` }));
			console.log("usage: dlq list | dlq replay <id>");
		},
	},
	{
		command: "exceptions [orderId]",
		description: "Open exception cases, newest first; with an order id, every case of that order",
		action: async (broker, p) => show(await broker.call("saga.exceptions", typeof p.orderId === "string" ? { status: "all", orderId: p.orderId } : { status: "open" })),
	},
	{
		command: "policies",
		description: "The business policies in force (version, when loaded) and the last refused change",
		action: async (broker) => show(await broker.call("saga.policies")),
	},
	{
		command: "ledger <action>",
		description: "'ledger verify': walk the hash chain and name the first broken entry; 'ledger stats'",
		action: async (broker, p) => {
			if (p.action === "verify") return show(await broker.call("ledger.verify"));
			if (p.action === "stats") return show(await broker.call("ledger.stats"));
			console.log("usage: ledger verify | ledger stats");
		},
	},
	{
		command: "breakers",
		description: "Circuit state per partner (closed, open, half-open) and whether it is degraded",
		action: async (broker) => show(await circuits(broker)),
	},
	{
		command: "partners",
		description: "Each partner's circuit, and the backlog of its system's command stream",
		action: async (broker) => show(await partners(broker)),
	},
];

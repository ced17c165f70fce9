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
		command: "trace <correlationId>",
		description: "Every ledger entry of one correlation id (an order), in order",
		action: async (broker, p) => show(await broker.call("ledger.byCorrelation", { correlationId: String(p.correlationId) })),
	},
	{
		command: "ledger-verify",
		description: "Walk the ledger's hash chain and report the first broken entry",
		action: async (broker) => show(await broker.call("ledger.verify")),
	},
	{
		command: "circuits",
		description: "Circuit state per partner",
		action: async (broker) => show(await circuits(broker)),
	},
];

import type { ServiceBroker } from "moleculer";
import { circuitsBySystem, partnersBySystem, type Call } from "../services/gateway/control-tower/partner-health.ts";

type Params = Record<string, unknown>;
interface ReplCommand {
	command: string;
	description: string;
	action(broker: ServiceBroker, params: Params): Promise<void>;
}

const show = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** The control tower asks the same: its helpers take any action caller. */
const callerOf = (broker: ServiceBroker): Call => (action, params) => broker.call(action, params);

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
		description: "Every message of a correlation id (an order's is its id) in causal order, with producer and time per hop",
		action: async (broker, p) => show(await broker.call("ledger.trace", { correlationId: String(p.correlationId ?? p.orderId) })),
	},
	{
		command: "sla",
		description: "SLA clocks pending (and the next due), orders at risk and breached",
		action: async (broker) => show(await broker.call("saga.sla", {})),
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
		action: async (broker) => show(await circuitsBySystem(callerOf(broker))),
	},
	{
		command: "partners",
		description: "Each partner's circuit, and the backlog of its system's command stream",
		action: async (broker) => show(await partnersBySystem(callerOf(broker))),
	},
];

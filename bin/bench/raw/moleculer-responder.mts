import { ServiceBroker } from "moleculer";
import { natsTransporter } from "../../../mixins/streams/nats-connection-options.ts";

/** The far end of the Moleculer baseline: a broker in its own process answering `bench-echo.echo`. */
const [namespace, url] = process.argv.slice(2);
const broker = new ServiceBroker({ namespace, nodeID: `${namespace}-responder`, transporter: natsTransporter(process.env, url), logger: false });
broker.createService({ name: "bench-echo", actions: { echo: (ctx) => ctx.params } });
await broker.start();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on("SIGTERM", () => void broker.stop().then(() => process.exit(0)));

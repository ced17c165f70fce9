import type { Server } from "node:http";
import type { Socket } from "node:net";
import { PROBLEM_BASE } from "../../canonical/errors/problem-catalogue.ts";

/**
 * Requests Node's HTTP parser refuses before any route sees them (headers over 16 KB, a header line
 * without a colon, Content-Length with Transfer-Encoding, a bad chunk): answered problem+json like
 * every other refusal, instead of Node's bare 400, and the connection closed.
 */
export function answerClientErrors(server: Server): void {
	server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
		if (!socket.writable || error.code === "ECONNRESET") {
			socket.destroy();
			return;
		}
		const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
		const status = tooLarge ? 431 : 400;
		const body = JSON.stringify({
			type: `${PROBLEM_BASE}payload-unparseable`,
			title: "Body cannot be parsed",
			status,
			detail: tooLarge ? "request headers are too large" : "the request is not valid HTTP",
		});
		socket.end(`HTTP/1.1 ${status} ${tooLarge ? "Request Header Fields Too Large" : "Bad Request"}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
	});
}

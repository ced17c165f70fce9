import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));
/** Only plain names from the page's own folder: no path, so nothing outside it can be asked for. */
const ASSET_NAME = /^[a-z0-9-]+\.(html|js|css|svg)$/;
const TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
};

/**
 * The page may load its own scripts and styles and call this origin, nothing else: partner data
 * shown on it (a case summary, a dead letter's error) can never run as script.
 */
export const PAGE_HEADERS = {
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Cache-Control": "no-cache",
} as const;

export const PAGE = "index.html";

/** A file of the control tower, read when asked (they are small, and an edit shows without a restart); undefined when there is none by that name. */
export async function readAsset(name: string): Promise<{ body: string; type: string } | undefined> {
	if (!ASSET_NAME.test(name)) return undefined;
	try {
		return { body: await readFile(join(PUBLIC_DIR, name), "utf8"), type: TYPES[extname(name)]! };
	} catch {
		return undefined;
	}
}

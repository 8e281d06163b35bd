/**
 * The web page's files (web/ at the package root), served as they are. A fixed list, read once at
 * start-up: no request path ever reaches the file system.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

const WEB_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));

const FILES: ReadonlyArray<readonly [route: string, file: string, type: string]> = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/style.css", "style.css", "text/css; charset=utf-8"],
];

export function registerWeb(app: FastifyInstance): void {
  for (const [route, file, type] of FILES) {
    const body = readFileSync(WEB_DIR + file);
    app.get(route, async (_request, reply) => reply.header("content-type", type).header("cache-control", "no-cache").send(body));
  }
}

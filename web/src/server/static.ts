/**
 * The explorer page: the few files the build writes to dist/public, read
 * once at start-up and served by exact path (nothing else on disk is
 * reachable). The page loads nothing from elsewhere, and its
 * Content-Security-Policy says so to the browser.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** Same origin only: scripts, styles, images and RPCs; no inline script. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface File {
  body: Buffer;
  type: string;
}

/** Every file of `dir` (one level), keyed by URL path; "/" is index.html. */
export function loadStatic(dir: string): Map<string, File> {
  const files = new Map<string, File>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const type = TYPES[extname(name)];
    if (!type || !statSync(path).isFile()) continue;
    files.set(`/${name}`, { body: readFileSync(path), type });
  }
  const index = files.get("/index.html");
  if (!index) throw new Error(`${dir}/index.html missing: build the page first (web/scripts/build.sh)`);
  files.set("/", index);
  return files;
}

/** A request handler for the files, plus /healthz (503 once `draining()`). */
export function staticHandler(files: Map<string, File>, draining: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") {
      res.writeHead(draining() ? 503 : 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end(draining() ? "draining\n" : "ok\n");
      return;
    }
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("method not allowed\n");
      return;
    }
    res.writeHead(200, {
      "content-type": file.type,
      "content-length": file.body.length,
      // The bundle's names do not change between builds: always revalidate.
      "cache-control": "no-cache",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    res.end(req.method === "HEAD" ? undefined : file.body);
  };
}

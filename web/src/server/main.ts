/**
 * dyad-web: Dyad over HTTP/1.1 for browsers and curl, and the explorer page.
 *
 *   node dist/server.js --port=8080 --gateway=127.0.0.1:50050 \
 *     --events=127.0.0.1:50051 --economics=127.0.0.1:50052 --institutions=127.0.0.1:50053
 *
 * Connect's own Node handlers serve the Connect protocol (unary calls as
 * plain JSON POSTs) and gRPC-Web at /<package>.<Service>/<Method>; every call
 * is forwarded over gRPC (proxy.ts). Anything else is the page (static.ts).
 * SIGTERM: /healthz turns 503, new connections are refused, calls in flight
 * get --shutdown_grace to finish, then the process exits 0.
 */

import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { cors as connectCors } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import cors from "cors";

import { helpText, parseDurationMs, parseFlags, parseIntFlag } from "./flags.js";
import { forwarding } from "./proxy.js";
import { loadStatic, staticHandler } from "./static.js";

function log(level: string, msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${level} dyad-web ${msg}\n`);
}

function corsMiddleware(origins: string) {
  const list = origins.split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) return null;
  return cors({
    origin: list.includes("*") ? "*" : list,
    methods: [...connectCors.allowedMethods],
    allowedHeaders: [...connectCors.allowedHeaders, "Authorization"],
    exposedHeaders: [...connectCors.exposedHeaders],
    maxAge: 2 * 60 * 60,
  });
}

function main(): number | undefined {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`dyad-web: ${(e as Error).message}\n${helpText()}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(helpText());
    return 0;
  }
  let port: number, readMaxBytes: number, defaultTimeoutMs: number, graceMs: number;
  try {
    port = parseIntFlag("port", flags.port, 0, 65535);
    readMaxBytes = parseIntFlag("max_receive_bytes", flags.max_receive_bytes, 1);
    defaultTimeoutMs = parseDurationMs("default_timeout", flags.default_timeout);
    graceMs = parseDurationMs("shutdown_grace", flags.shutdown_grace);
  } catch (e) {
    log("error", (e as Error).message);
    return 2;
  }
  const staticDir = flags.static_dir || join(dirname(fileURLToPath(import.meta.url)), "public");
  let files;
  try {
    files = loadStatic(staticDir);
  } catch (e) {
    log("error", (e as Error).message);
    return 1;
  }

  let draining = false;
  const shutdown = new AbortController();
  const fwd = forwarding(flags, defaultTimeoutMs);
  const page = staticHandler(files, () => draining);
  const rpc = connectNodeAdapter({
    routes: fwd.routes,
    // An HTTP/1.1 server: the requests that reach the fallback are http ones.
    fallback: (req, res) => page(req as IncomingMessage, res as unknown as ServerResponse),
    // gRPC proper needs HTTP/2; browsers and curl get Connect and gRPC-Web.
    grpc: false,
    grpcWeb: true,
    connect: true,
    readMaxBytes,
    shutdownSignal: shutdown.signal,
  });
  const withCors = corsMiddleware(flags.cors_origins);
  const server = createServer((req, res) => {
    if (withCors) withCors(req, res, () => rpc(req, res));
    else rpc(req, res);
  });
  server.on("error", (e) => {
    log("error", `cannot listen on ${flags.host}:${port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, flags.host, () => {
    const addr = server.address() as AddressInfo;
    log(
      "info",
      `serving service=dyad-web address=${flags.host}:${addr.port} port=${addr.port} gateway=${flags.gateway} ` +
        `events=${flags.events} economics=${flags.economics} institutions=${flags.institutions} ` +
        `cors_origins=${flags.cors_origins || "(same origin)"} default_timeout=${flags.default_timeout}`,
    );
  });

  const stop = (signal: string) => {
    if (draining) return;
    draining = true;
    log("info", `${signal}: draining (grace ${flags.shutdown_grace})`);
    server.close(() => {
      fwd.close();
      log("info", "stopped");
      process.exit(0);
    });
    // Node 18 keeps idle keep-alive connections open through close().
    server.closeIdleConnections();
    setTimeout(() => {
      shutdown.abort();
      server.closeAllConnections();
    }, graceMs).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return undefined;
}

const code = main();
if (code !== undefined) process.exitCode = code;

/**
 * connect(): the gRPC protocol over Node's http2 (@connectrpc/connect-node),
 * straight to the gateway and the backends.
 */

import type { Transport } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";

import {
  type CallOptions,
  DEFAULT_TARGET,
  DyadClient,
  type PartName,
  defaultTimeoutOf,
  interceptorsOf,
} from "./client.js";

export interface ConnectOptions extends CallOptions {
  /** The gateway: "host:port", "dns:///host:port" or a URL. Default $DYAD_TARGET, else 127.0.0.1:50050. */
  target?: string;
  /** Backends for their own clients; default $DYAD_<PART>_TARGET, else `target`. */
  events?: string;
  economics?: string;
  institutions?: string;
}

/**
 * A gRPC target as an http(s) base URL. Node's http2 has no gRPC name
 * resolver, so "dns:///host:port" connects to host:port directly (no
 * client-side balancing); "unix:" targets are not supported.
 */
export function baseUrl(target: string): string {
  if (/^https?:\/\//.test(target)) return target.replace(/\/+$/, "");
  const hostPort = target.replace(/^dns:(\/\/[^/]*)?\/?/, "").replace(/^\/+/, "");
  if (!hostPort || target.startsWith("unix:")) throw new RangeError(`unsupported target: ${target}`);
  return `http://${hostPort}`;
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v ? v : undefined;
}

/**
 * Connects to a Dyad suite (lazily: no call is made here). `connect()` uses
 * $DYAD_TARGET or 127.0.0.1:50050 for the gateway; `connect("host:port")` or
 * `connect({target, events, ...})` choose. Every failed call throws DyadError.
 */
export function connect(targetOrOptions?: string | ConnectOptions): DyadClient {
  const o: ConnectOptions =
    typeof targetOrOptions === "string" ? { target: targetOrOptions } : (targetOrOptions ?? {});
  const gateway = o.target || env("DYAD_TARGET") || DEFAULT_TARGET;
  const targets: Record<PartName, string> = {
    gateway,
    events: o.events || env("DYAD_EVENTS_TARGET") || gateway,
    economics: o.economics || env("DYAD_ECONOMICS_TARGET") || gateway,
    institutions: o.institutions || env("DYAD_INSTITUTIONS_TARGET") || gateway,
  };
  const interceptors = interceptorsOf(o);
  const defaultTimeoutMs = defaultTimeoutOf(o);

  const sessions = new Map<string, Http2SessionManager>();
  const byUrl = new Map<string, Transport>();
  const transports = {} as Record<PartName, Transport>;
  for (const part of Object.keys(targets) as PartName[]) {
    const url = baseUrl(targets[part]);
    let t = byUrl.get(url);
    if (!t) {
      const sessionManager = new Http2SessionManager(url);
      sessions.set(url, sessionManager);
      t = createGrpcTransport({ baseUrl: url, sessionManager, interceptors, defaultTimeoutMs });
      byUrl.set(url, t);
    }
    transports[part] = t;
  }
  return new DyadClient(targets, transports, () => {
    for (const s of sessions.values()) s.abort();
  });
}

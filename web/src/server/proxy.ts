/**
 * The forwarding routes: every unary RelationsGateway method, and the read
 * methods of the three backends, served by Connect's own handlers (Connect
 * protocol and gRPC-Web; JSON or binary) and forwarded over gRPC with the
 * generated clients. Requests and answers cross as typed messages, so the
 * JSON mapping is protobuf-es's; errors from upstream (code, message,
 * details) are re-thrown as they came, so Connect writes them unchanged.
 */

import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  type ConnectRouter,
  ConnectError,
  type HandlerContext,
  type ServiceImpl,
  type Transport,
  createClient,
} from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";

import { EconomicsService } from "../gen/dyad/economics/v1/economics_pb.js";
import { EventService } from "../gen/dyad/events/v1/event_service_pb.js";
import { RelationsGateway } from "../gen/dyad/gateway/v1/gateway_pb.js";
import { InstitutionService } from "../gen/dyad/institutions/v1/institutions_pb.js";

export interface Upstreams {
  gateway: string;
  events: string;
  economics: string;
  institutions: string;
}

/**
 * A gRPC target as the http:// base URL Node's http2 dials. Node has no gRPC
 * name resolver: "dns:///host:port" is one connection to host:port.
 */
export function baseUrl(target: string): string {
  if (/^https?:\/\//.test(target)) return target.replace(/\/+$/, "");
  const hostPort = target.replace(/^dns:(\/\/[^/]*)?\/?/, "").replace(/^\/+/, "");
  if (!hostPort || target.startsWith("unix:")) throw new Error(`unsupported gRPC target: ${target}`);
  return `http://${hostPort}`;
}

/**
 * Methods of a backend that change nothing. Writes (Create*, Record*) and the
 * client-streaming imports stay on gRPC with the write token; a new read
 * method is forwarded without a change here.
 */
export function isRead(m: DescMethod): boolean {
  return m.methodKind === "unary" && !/^(Create|Record|Update|Delete|Import)/.test(m.name);
}

/**
 * At most this much of the caller's deadline is kept back to relay the
 * answer. The gateway answers a little after the backend deadline it sets
 * (its timers, composing, the reply); on a loaded machine that took over
 * 100 ms, and a margin too thin turns a partial answer into a timeout.
 */
export const RELAY_MARGIN_MS = 500;

/**
 * The deadline sent upstream (grpc-timeout), in ms: the caller's remaining
 * deadline less a relay margin (a tenth of it, at most RELAY_MARGIN_MS), so
 * that a partial answer the gateway composes just in time still reaches the
 * caller rather than this front timing out first; the gateway keeps its own
 * margin to compose in the same way. Without a caller deadline,
 * `defaultMs` (0: none).
 */
export function upstreamTimeout(remainingMs: number | undefined, defaultMs: number): number | undefined {
  if (remainingMs === undefined) return defaultMs > 0 ? defaultMs : undefined;
  // Whole milliseconds: grpc-timeout carries an integer ("2700m").
  return Math.max(1, Math.floor(remainingMs - Math.min(remainingMs / 10, RELAY_MARGIN_MS)));
}

/** Request headers passed upstream: the bearer token of a server run with --read_token_file. */
const FORWARDED_HEADERS = ["authorization"];

type Unary = (req: unknown, opts: { signal: AbortSignal; timeoutMs?: number; headers: Headers }) => Promise<unknown>;

/**
 * The upstream's error as this call's: the same code, message and details.
 * Its metadata is left behind: those are the upstream's own gRPC headers and
 * trailers (content-type: application/grpc, grpc-status, ...), which would
 * contradict this response's protocol.
 */
export function upstreamError(e: unknown): ConnectError {
  const ce = ConnectError.from(e);
  const out = new ConnectError(ce.rawMessage, ce.code, undefined, undefined, e);
  out.details = ce.details;
  return out;
}

/** A partial ServiceImpl whose methods call the same method upstream. */
function forwarder<S extends DescService>(
  service: S,
  transport: Transport,
  include: (m: DescMethod) => boolean,
  defaultTimeoutMs: number,
): Partial<ServiceImpl<S>> {
  const client = createClient(service, transport) as unknown as Record<string, Unary>;
  const impl: Record<string, (req: unknown, ctx: HandlerContext) => Promise<unknown>> = {};
  for (const m of service.methods) {
    if (!include(m)) continue;
    const call = client[m.localName];
    impl[m.localName] = (req, ctx) => {
      const headers = new Headers();
      for (const h of FORWARDED_HEADERS) {
        const v = ctx.requestHeader.get(h);
        if (v !== null) headers.set(h, v);
      }
      const timeoutMs = upstreamTimeout(ctx.timeoutMs(), defaultTimeoutMs);
      return call(req, { signal: ctx.signal, timeoutMs, headers }).catch((e: unknown) => {
        throw upstreamError(e);
      });
    };
  }
  return impl as Partial<ServiceImpl<S>>;
}

export interface Forwarding {
  routes: (router: ConnectRouter) => void;
  close: () => void;
}

/** Routes for the gateway and the backends' read methods, and a close() for their HTTP/2 sessions. */
export function forwarding(up: Upstreams, defaultTimeoutMs: number): Forwarding {
  const sessions: Http2SessionManager[] = [];
  const transport = (target: string): Transport => {
    const url = baseUrl(target);
    const session = new Http2SessionManager(url, { pingIntervalMs: 30_000, idleConnectionTimeoutMs: 60_000 });
    sessions.push(session);
    return createGrpcTransport({ baseUrl: url, sessionManager: session });
  };
  const gateway = transport(up.gateway);
  const events = transport(up.events);
  const economics = transport(up.economics);
  const institutions = transport(up.institutions);
  return {
    routes(router) {
      // Every gateway method reads; methods it gains later are forwarded too.
      router.service(RelationsGateway, forwarder(RelationsGateway, gateway, (m) => m.methodKind === "unary", defaultTimeoutMs));
      router.service(EventService, forwarder(EventService, events, isRead, defaultTimeoutMs));
      router.service(EconomicsService, forwarder(EconomicsService, economics, isRead, defaultTimeoutMs));
      router.service(InstitutionService, forwarder(InstitutionService, institutions, isRead, defaultTimeoutMs));
    },
    close() {
      for (const s of sessions) s.abort();
    },
  };
}

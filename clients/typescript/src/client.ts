/**
 * DyadClient: typed clients over any Connect transport, pagination, errors.
 * No Node.js API here: node.ts makes the gRPC transports (connect()), web.ts
 * the browser's (connectWeb()).
 */

import type { DescService, MessageInitShape } from "@bufbuild/protobuf";
import { type Client, type Interceptor, type Transport, createClient } from "@connectrpc/connect";

import { type PeriodLike, toDateRange } from "./dates.js";
import { DyadError } from "./errors.js";
import { EconomicsService, type ListObservationsRequestSchema, type Observation } from "./gen/dyad/economics/v1/economics_pb.js";
import { EventService, type ListEventsRequestSchema } from "./gen/dyad/events/v1/event_service_pb.js";
import type { Event } from "./gen/dyad/events/v1/event_pb.js";
import {
  type GetTimelineRequestSchema,
  type Part,
  RelationsGateway,
  type TimelineEntry,
} from "./gen/dyad/gateway/v1/gateway_pb.js";
import {
  type Institution,
  InstitutionService,
  type ListInstitutionsRequestSchema,
} from "./gen/dyad/institutions/v1/institutions_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health_pb.js";

/** The gateway's default address (DESIGN.md: RelationsGateway on :50050). */
export const DEFAULT_TARGET = "127.0.0.1:50050";

export type PartName = "gateway" | "events" | "economics" | "institutions";

/** Options every transport takes: deadline, token, interceptors. */
export interface CallOptions {
  /** Default deadline per call in ms (default 10000; 0: none). A call's own `timeoutMs` wins. */
  timeoutMs?: number;
  /**
   * Sent as "authorization: Bearer <token>" on every call: the write token
   * (it opens reads too), or the read token of a server run with --read_token_file.
   */
  token?: string;
  /** Extra Connect interceptors (errors they throw still reach callers as DyadError). */
  interceptors?: Interceptor[];
}

/** The interceptors of `o`, after one adding the bearer token when there is one. */
export function interceptorsOf(o: CallOptions): Interceptor[] {
  const auth: Interceptor = (next) => async (req) => {
    if (o.token) req.header.set("authorization", `Bearer ${o.token}`);
    return next(req);
  };
  return [auth, ...(o.interceptors ?? [])];
}

/** The default deadline of `o` as Connect's defaultTimeoutMs (undefined: none). */
export function defaultTimeoutOf(o: CallOptions): number | undefined {
  const t = o.timeoutMs ?? 10_000;
  return t > 0 ? t : undefined;
}

const SERVICE_PART: Record<string, PartName> = {
  "dyad.events.v1.EventService": "events",
  "dyad.economics.v1.EconomicsService": "economics",
  "dyad.institutions.v1.InstitutionService": "institutions",
  "dyad.gateway.v1.RelationsGateway": "gateway",
};

/**
 * Async iterator over the items of a paginated List method, page after page,
 * following `nextPageToken` until it is empty. While and after iterating:
 * `totalSize` (first page's total_size; undefined when the method has none),
 * `pages` fetched, and `parts` (the gateway's per-backend outcome, last page).
 */
export class Pages<T> implements AsyncIterable<T> {
  totalSize?: number;
  pages = 0;
  parts: Part[] = [];
  private started = false;

  constructor(
    private readonly fetch: (pageToken: string) => Promise<{
      items: T[];
      nextPageToken: string;
      totalSize?: number;
      parts?: Part[];
    }>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.started) throw new Error("Pages can be iterated once; call the iter method again");
    this.started = true;
    let token = "";
    for (;;) {
      const page = await this.fetch(token);
      this.pages++;
      if (this.pages === 1) this.totalSize = page.totalSize;
      if (page.parts) this.parts = page.parts;
      yield* page.items;
      if (!page.nextPageToken) return;
      if (page.nextPageToken === token) {
        throw new DyadError("INTERNAL", "server returned the same page token twice");
      }
      token = page.nextPageToken;
    }
  }

  /** Every item of every page. */
  async all(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }
}

type Init<S> = S extends import("@bufbuild/protobuf").DescMessage ? MessageInitShape<S> : never;
type Filters<S, P extends string> = Omit<Init<S>, "pageToken" | "$typeName" | P> & {
  [K in P]?: PeriodLike;
};
export type EventFilters = Filters<typeof ListEventsRequestSchema, "period">;
export type ObservationFilters = Filters<typeof ListObservationsRequestSchema, "period">;
export type InstitutionFilters = Filters<typeof ListInstitutionsRequestSchema, "founded">;
export type TimelineFilters = Filters<typeof GetTimelineRequestSchema, "period">;

/**
 * The same client with every failure thrown as a DyadError. (A Connect
 * interceptor cannot do this: Connect turns whatever an interceptor throws
 * back into a ConnectError.)
 */
function mapErrors<S extends DescService>(service: S, client: Client<S>): Client<S> {
  const raw = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const out: Record<string, unknown> = {};
  for (const m of service.methods) {
    const fn = raw[m.localName];
    const path = `/${service.typeName}/${m.name}`;
    if (m.methodKind === "unary") {
      out[m.localName] = async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          throw DyadError.from(e, path);
        }
      };
    } else if (m.methodKind === "server_streaming") {
      out[m.localName] = async function* (...args: unknown[]) {
        try {
          yield* fn(...args) as AsyncIterable<unknown>;
        } catch (e) {
          throw DyadError.from(e, path);
        }
      };
    } else {
      out[m.localName] = fn;
    }
  }
  return out as Client<S>;
}

/** Typed clients for the gateway and the three services, plus helpers. */
export class DyadClient {
  readonly gateway: Client<typeof RelationsGateway>;
  readonly events: Client<typeof EventService>;
  readonly economics: Client<typeof EconomicsService>;
  readonly institutions: Client<typeof InstitutionService>;
  private readonly health_: Record<PartName, Client<typeof Health>>;

  /**
   * `transports`: one per part (the same transport may serve several);
   * `targets`: where each part is, for messages; `onClose`: what close()
   * releases (connect() passes its HTTP/2 sessions).
   */
  constructor(
    readonly targets: Record<PartName, string>,
    transports: Record<PartName, Transport>,
    private readonly onClose: () => void = () => {},
  ) {
    const make = <S extends DescService>(s: S, part: PartName) => mapErrors(s, createClient(s, transports[part]));
    this.gateway = make(RelationsGateway, "gateway");
    this.events = make(EventService, "events");
    this.economics = make(EconomicsService, "economics");
    this.institutions = make(InstitutionService, "institutions");
    this.health_ = {
      gateway: make(Health, "gateway"),
      events: make(Health, "events"),
      economics: make(Health, "economics"),
      institutions: make(Health, "institutions"),
    };
  }

  /** Closes every HTTP/2 session (connect()); the client is unusable afterwards. */
  close(): void {
    this.onClose();
  }

  /**
   * grpc.health.v1 status of `service` ("SERVING", "NOT_SERVING", ...),
   * asked of the process serving that service name ("" asks the gateway's
   * process unless `part` says otherwise). Throws DyadError NOT_FOUND for a
   * service the process does not know.
   */
  async health(service = "", part?: PartName): Promise<string> {
    const p = part ?? SERVICE_PART[service] ?? "gateway";
    const r = await this.health_[p].check({ service });
    return HealthCheckResponse_ServingStatus[r.status] ?? String(r.status);
  }

  /**
   * Events matching the filters (countries, period, kinds, domains, query,
   * pageSize), oldest first, across pages. `period` may be a DateRange, a
   * [start, end] pair or one date-like (2015: the whole of 2015).
   */
  iterEvents(filters: EventFilters = {}, opts: { timeoutMs?: number } = {}): Pages<Event> {
    const { period, ...rest } = filters;
    const range = toDateRange(period);
    return new Pages(async (pageToken) => {
      const r = await this.events.listEvents({ ...rest, period: range, pageToken }, opts);
      return { items: r.events, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
    });
  }

  /** Sourced figures (indicator, countries, period, pageSize) across pages. */
  iterObservations(filters: ObservationFilters = {}, opts: { timeoutMs?: number } = {}): Pages<Observation> {
    const { period, ...rest } = filters;
    const range = toDateRange(period);
    return new Pages(async (pageToken) => {
      const r = await this.economics.listObservations({ ...rest, period: range, pageToken }, opts);
      return { items: r.observations, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
    });
  }

  /** Institutions (kinds, countries, hostCountry, city, founded, query, pageSize) across pages. */
  iterInstitutions(filters: InstitutionFilters = {}, opts: { timeoutMs?: number } = {}): Pages<Institution> {
    const { founded, ...rest } = filters;
    const range = toDateRange(founded);
    return new Pages(async (pageToken) => {
      const r = await this.institutions.listInstitutions({ ...rest, founded: range, pageToken }, opts);
      return { items: r.institutions, nextPageToken: r.nextPageToken, totalSize: r.totalSize };
    });
  }

  /**
   * The gateway's chronological stream (countries, period, domains,
   * pageSize) across pages; the iterator's `parts` says whether a backend
   * was missing.
   */
  iterTimeline(filters: TimelineFilters = {}, opts: { timeoutMs?: number } = {}): Pages<TimelineEntry> {
    const { period, ...rest } = filters;
    const range = toDateRange(period);
    return new Pages(async (pageToken) => {
      const r = await this.gateway.getTimeline({ ...rest, period: range, pageToken }, opts);
      return { items: r.entries, nextPageToken: r.nextPageToken, parts: r.parts };
    });
  }
}

/**
 * A DyadClient over transports you made yourself: one for every part (e.g.
 * `createConnectTransport({ baseUrl })` against dyad-web, which answers the
 * gateway and the backends' read methods at one URL), or one per part.
 */
export function createDyadClient(
  transport: Transport | Record<PartName, Transport>,
  where = "(transport)",
): DyadClient {
  const parts: PartName[] = ["gateway", "events", "economics", "institutions"];
  const perPart = (transport as Record<string, unknown>).gateway !== undefined;
  const transports = Object.fromEntries(
    parts.map((p) => [p, perPart ? (transport as Record<PartName, Transport>)[p] : (transport as Transport)]),
  ) as Record<PartName, Transport>;
  const targets = Object.fromEntries(parts.map((p) => [p, where])) as Record<PartName, string>;
  return new DyadClient(targets, transports);
}

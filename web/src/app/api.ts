/**
 * The generated clients over the Connect protocol (JSON POSTs to the page's
 * own origin, which forwards them over gRPC), and the partial-answer
 * bookkeeping every view reports into.
 */

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

import { EconomicsService } from "../gen/dyad/economics/v1/economics_pb.js";
import { EventService } from "../gen/dyad/events/v1/event_service_pb.js";
import { type Part, RelationsGateway } from "../gen/dyad/gateway/v1/gateway_pb.js";
import { InstitutionService } from "../gen/dyad/institutions/v1/institutions_pb.js";

const transport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: false });

/** Every call's deadline (sent as connect-timeout-ms and passed on upstream). */
export const CALL = { timeoutMs: 15_000 };

export const gateway = createClient(RelationsGateway, transport);
export const events = createClient(EventService, transport);
export const economics = createClient(EconomicsService, transport);
export const institutions = createClient(InstitutionService, transport);

/** A backend that did not answer for some part of the page. */
export interface Missing {
  /** "events", "economics", "institutions" or "gateway". */
  part: string;
  /** Canonical code name, e.g. "UNAVAILABLE". */
  code: string;
  message: string;
  /** What on the page lacks it, e.g. "year in review". */
  where: string;
}

type Listener = (missing: Missing[]) => void;

/** Collects what is missing from the current view, for the notice. */
export class Gaps {
  private readonly items: Missing[] = [];
  private listener: Listener = () => {};

  onChange(l: Listener): void {
    this.listener = l;
  }

  clear(): void {
    this.items.length = 0;
    this.listener(this.items);
  }

  /** A composed answer's parts: each one not OK is missing from `where`. */
  parts(where: string, parts: Part[]): void {
    for (const p of parts) if (p.code && p.code !== "OK") this.add({ part: p.part, code: p.code, message: p.message, where });
  }

  /** A call to `part` that failed outright. Returns the error as a ConnectError. */
  failed(where: string, part: string, err: unknown): ConnectError {
    const ce = ConnectError.from(err);
    this.add({ part, code: codeName(ce.code), message: ce.rawMessage, where });
    return ce;
  }

  private add(m: Missing): void {
    if (this.items.some((x) => x.part === m.part && x.where === m.where)) return;
    this.items.push(m);
    this.listener(this.items);
  }
}

/** Code.Unavailable -> "UNAVAILABLE" (the names the gateway's parts use). */
export function codeName(code: Code): string {
  return (Code[code] ?? "Unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Every item of a paginated List call. */
export async function allPages<T>(
  fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
  limit = 5000,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let token = "";
  for (;;) {
    const page = await fetch(token);
    items.push(...page.items);
    if (!page.nextPageToken || page.nextPageToken === token) return { items, truncated: false };
    if (items.length >= limit) return { items, truncated: true };
    token = page.nextPageToken;
  }
}

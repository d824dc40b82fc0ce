/** DyadError: every failed call, with its gRPC code name and the server's message. */

import { ConnectError } from "@connectrpc/connect";

/** Canonical gRPC status code names, indexed by their numbers. */
export const CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

export type CodeName = (typeof CODE_NAMES)[number];

/**
 * A call to a Dyad service failed.
 *
 * - `code`: canonical name, e.g. "INVALID_ARGUMENT" (the string the gateway
 *   reports in a `Part`);
 * - `grpcCode`: its number (3);
 * - `message`: the server's message, e.g. "page_size: must not be negative";
 * - `method`: "/dyad.events.v1.EventService/ListEvents" when known.
 *
 * The original ConnectError is kept as `cause`.
 */
export class DyadError extends Error {
  override name = "DyadError";
  readonly code: CodeName;
  readonly grpcCode: number;
  readonly method?: string;

  constructor(code: CodeName | number, message: string, method?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.grpcCode = typeof code === "number" ? code : CODE_NAMES.indexOf(code);
    this.code = typeof code === "number" ? (CODE_NAMES[code] ?? "UNKNOWN") : code;
    this.method = method;
  }

  override toString(): string {
    return `${this.name}: ${this.code}: ${this.message}${this.method ? ` (${this.method})` : ""}`;
  }

  /** Maps any thrown value (ConnectError or not) to a DyadError. */
  static from(err: unknown, method?: string): DyadError {
    if (err instanceof DyadError) return err;
    const ce = ConnectError.from(err);
    return new DyadError(ce.code, ce.rawMessage, method, { cause: err });
  }
}

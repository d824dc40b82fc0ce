/** DyadError: every failed call, with its gRPC code name and the server's message. */

import { Code, ConnectError } from "@connectrpc/connect";

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
 * A call to a Dyad service failed. It is a `ConnectError` (a subclass), so
 * code written for Connect keeps working: `e instanceof ConnectError`,
 * `ConnectError.from(e)` (returns it unchanged), `e.code` (a `Code`, whose
 * numbers are gRPC's), `e.rawMessage` (the server's message), `e.metadata`,
 * `e.findDetails()`. It adds:
 *
 * - `codeName`: the canonical name, e.g. "INVALID_ARGUMENT" (the string the
 *   gateway reports in a `Part`); `grpcCode`: the same as `code`;
 * - `method`: "/dyad.events.v1.EventService/ListEvents" when known;
 * - `cause`: the ConnectError the transport raised.
 *
 * Its `name` stays "ConnectError": Connect recognises its errors across
 * copies of @connectrpc/connect by that name, so `instanceof ConnectError`
 * holds even when an application's Connect is not the one this package uses.
 * `message` is Connect's ("[invalid_argument] page_size: ..."); `toString()`
 * names the DyadError, the canonical code and the method.
 */
export class DyadError extends ConnectError {
  readonly codeName: CodeName;
  readonly method?: string;

  constructor(
    code: CodeName | number,
    message: string,
    method?: string,
    options?: { cause?: unknown; metadata?: ConstructorParameters<typeof ConnectError>[2]; details?: ConnectError["details"] },
  ) {
    const number = typeof code === "number" ? code : CODE_NAMES.indexOf(code);
    const known = number > 0 && number < CODE_NAMES.length;
    super(message, (known ? number : Code.Unknown) as Code, options?.metadata, undefined, options?.cause);
    this.codeName = known ? CODE_NAMES[number]! : "UNKNOWN";
    this.method = method;
    if (options?.details) this.details.push(...options.details);
  }

  /** The gRPC status code number (the same as `code`). */
  get grpcCode(): number {
    return this.code;
  }

  /**
   * `instanceof DyadError` by prototype (ConnectError's own check, which this
   * class would inherit, accepts any ConnectError).
   */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === "object" && v !== null && DyadError.prototype.isPrototypeOf(v);
  }

  override toString(): string {
    return `DyadError: ${this.codeName}: ${this.rawMessage}${this.method ? ` (${this.method})` : ""}`;
  }

  /**
   * Maps any thrown value to a DyadError: a ConnectError keeps its code,
   * message, metadata and details; anything else becomes UNKNOWN (or
   * `code`). The second argument is the method's path, or (as for
   * ConnectError.from) the code of a value that is not a ConnectError.
   */
  static override from(err: unknown, methodOrCode?: string | Code): DyadError {
    if (err instanceof DyadError) return err;
    const method = typeof methodOrCode === "string" ? methodOrCode : undefined;
    const ce = ConnectError.from(err, typeof methodOrCode === "number" ? methodOrCode : Code.Unknown);
    return new DyadError(ce.code, ce.rawMessage, method, {
      cause: err,
      metadata: ce.metadata,
      details: ce.details,
    });
  }
}

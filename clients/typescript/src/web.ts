/**
 * "@dyad/client/web": the Dyad client in a browser (or any runtime with
 * fetch), through dyad-web, the HTTP front that answers every gateway method
 * and the backends' read methods as Connect (JSON) and gRPC-Web calls. No
 * Node.js module is imported from here, so bundlers (esbuild, Vite,
 * webpack) take it as is.
 *
 *     import { connectWeb, formatPartialDate } from "@dyad/client/web";
 *     const dyad = connectWeb(location.origin);        // or "https://dyad.example"
 *     const review = await dyad.gateway.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 });
 *
 * or with a transport of your own:
 *
 *     import { createConnectTransport } from "@connectrpc/connect-web";
 *     import { createDyadClient } from "@dyad/client/web";
 *     const dyad = createDyadClient(createConnectTransport({ baseUrl: "https://dyad.example" }));
 *
 * Errors are DyadError, a ConnectError, as with connect(). dyad-web serves
 * the backends' read methods only (no writes, no health service: its
 * /healthz is plain HTTP).
 */

import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";

import { type CallOptions, type DyadClient, createDyadClient, defaultTimeoutOf, interceptorsOf } from "./client.js";

export * from "./common.js";

export interface WebOptions extends CallOptions {
  /** dyad-web's URL: "https://dyad.example", or location.origin for the same origin. */
  baseUrl: string;
  /** "connect" (default: JSON POSTs, readable in the network panel) or "grpc-web". */
  protocol?: "connect" | "grpc-web";
  /** Binary protobuf instead of JSON (the Connect protocol; gRPC-Web is always binary). */
  useBinaryFormat?: boolean;
  /** A fetch of your own (default: globalThis.fetch). */
  fetch?: typeof globalThis.fetch;
}

/** A DyadClient through dyad-web at `baseUrl` (lazily: no call is made here). */
export function connectWeb(baseUrlOrOptions: string | WebOptions): DyadClient {
  const o: WebOptions = typeof baseUrlOrOptions === "string" ? { baseUrl: baseUrlOrOptions } : baseUrlOrOptions;
  const baseUrl = o.baseUrl.replace(/\/+$/, "");
  const options = {
    baseUrl,
    interceptors: interceptorsOf(o),
    defaultTimeoutMs: defaultTimeoutOf(o),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  const transport =
    o.protocol === "grpc-web"
      ? createGrpcWebTransport(options)
      : createConnectTransport({ ...options, useBinaryFormat: o.useBinaryFormat ?? false });
  return createDyadClient(transport, baseUrl);
}

/**
 * TypeScript client for Dyad ("@dyad/client", Node.js): typed Connect
 * clients (the gRPC protocol over HTTP/2) generated from proto/ by
 * protoc-gen-es, plus pagination async iterators and partial-date helpers.
 *
 *     import { connect, formatPartialDate } from "@dyad/client";
 *     const dyad = connect();                 // $DYAD_TARGET or 127.0.0.1:50050
 *     for await (const e of dyad.iterEvents({ countries: ["AZE", "CHN"], period: 2015 })) {
 *       console.log(formatPartialDate(e.date), e.title);
 *     }
 *     dyad.close();
 *
 * In a browser, import "@dyad/client/web" instead (connectWeb(), through
 * dyad-web). Generated messages are re-exported per package: `events`,
 * `eventTypes` (dyad.events.v1 Event/EventKind), `economics`,
 * `institutions`, `gateway`, `dyadDate`, `dyadQuantity`, `dyadCitation`,
 * `dyadActor` (dyad.type.v1).
 */

export * from "./common.js";
export { type ConnectOptions, baseUrl, connect } from "./node.js";

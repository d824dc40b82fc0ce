/**
 * TypeScript client for Dyad: typed Connect clients (gRPC protocol over
 * HTTP/2) generated from proto/ by protoc-gen-es, plus pagination async
 * iterators and partial-date helpers.
 *
 *     import { connect, formatPartialDate } from "@dyad/client";
 *     const dyad = connect();                 // $DYAD_TARGET or 127.0.0.1:50050
 *     for await (const e of dyad.iterEvents({ countries: ["AZE", "CHN"], period: 2015 })) {
 *       console.log(formatPartialDate(e.date), e.title);
 *     }
 *     dyad.close();
 *
 * Generated messages are re-exported per package: `events`, `eventTypes`
 * (dyad.events.v1 Event/EventKind), `economics`, `institutions`, `gateway`,
 * `dyadDate`, `dyadQuantity`, `dyadCitation`, `dyadActor` (dyad.type.v1).
 */

export {
  DEFAULT_TARGET,
  DyadClient,
  Pages,
  baseUrl,
  connect,
  type ConnectOptions,
  type EventFilters,
  type InstitutionFilters,
  type ObservationFilters,
  type PartName,
  type TimelineFilters,
} from "./client.js";
export * from "./dates.js";
export { CODE_NAMES, type CodeName, DyadError } from "./errors.js";

export * as events from "./gen/dyad/events/v1/event_service_pb.js";
export * as eventTypes from "./gen/dyad/events/v1/event_pb.js";
export * as economics from "./gen/dyad/economics/v1/economics_pb.js";
export * as institutions from "./gen/dyad/institutions/v1/institutions_pb.js";
export * as gateway from "./gen/dyad/gateway/v1/gateway_pb.js";
export * as dyadDate from "./gen/dyad/type/v1/date_pb.js";
export * as dyadQuantity from "./gen/dyad/type/v1/quantity_pb.js";
export * as dyadCitation from "./gen/dyad/type/v1/citation_pb.js";
export * as dyadActor from "./gen/dyad/type/v1/actor_pb.js";

/**
 * What both entry points export: the client over any transport, pagination,
 * partial dates, errors and the generated messages. "@dyad/client" (index.ts)
 * adds connect() for Node.js; "@dyad/client/web" (web.ts) adds connectWeb()
 * for browsers.
 */

export {
  type CallOptions,
  DEFAULT_TARGET,
  DyadClient,
  type EventFilters,
  type InstitutionFilters,
  type ObservationFilters,
  Pages,
  type PartName,
  type TimelineFilters,
  createDyadClient,
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

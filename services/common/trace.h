// W3C Trace Context (https://www.w3.org/TR/trace-context/) for Dyad's logs.
//
// Every call a server takes gets a trace: the caller's, read from its
// `traceparent` metadata, or a new one when the caller sent none (or an
// invalid one, which the specification says to restart). The server's
// interceptor (server.cc) keeps the call's trace from its first to its last
// hook, so handlers can read it (TraceOf) and the access log line names it.
// The gateway passes the trace on to every backend call it makes, each with
// a child span id of its own (ChildTraceparent), so one trace id ties a
// composed answer to its backend calls in the logs of all four processes.
//
// No spans are exported: the ids exist to join log lines.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace dyad {

struct TraceContext {
  std::string trace_id;        // 32 lower-case hex digits, never all zeros
  std::string span_id;         // this process's span of the call: 16 hex digits
  std::string parent_span_id;  // the caller's span (empty when the trace started here)
  std::string flags = "01";    // trace-flags, 2 hex digits, passed on unchanged
  std::string tracestate;      // the caller's `tracestate`, passed on unchanged

  // "00-<trace_id>-<span_id>-<flags>": what this process sends downstream
  // when the span of the downstream call is its own span.
  std::string Traceparent() const;
};

// Parses a `traceparent` value. Version 00 must be exactly
// "00-<32 hex>-<16 hex>-<2 hex>"; a later version may append "-..." after
// the flags (ignored); version ff, upper-case hex and all-zero ids are
// invalid. On success the result's parent_span_id is the header's span id
// and span_id is empty.
std::optional<TraceContext> ParseTraceparent(absl::string_view value);

// A random span id (16 hex digits, not all zeros).
std::string NewSpanId();
// A random trace id (32 hex digits, not all zeros).
std::string NewTraceId();

// The trace of a call that arrived with `traceparent` / `tracestate` (either
// may be empty): the caller's trace with a new span id for this process, or
// a new trace.
TraceContext ServerTrace(absl::string_view traceparent, absl::string_view tracestate);

// The `traceparent` to send on one downstream call made for `trace`: same
// trace id and flags, a new span id (the downstream call's own span).
std::string ChildTraceparent(const TraceContext& trace);

// The trace of a call in flight, kept by the server's interceptor from the
// call's arrival until it is over. Outside that (a context no interceptor
// saw), a new trace.
TraceContext TraceOf(const grpc::ServerContextBase* ctx);

namespace internal {
// Used by the server's interceptor only.
void RegisterCallTrace(const grpc::ServerContextBase* ctx, TraceContext trace);
void UnregisterCallTrace(const grpc::ServerContextBase* ctx);
}  // namespace internal

}  // namespace dyad

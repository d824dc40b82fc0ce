#pragma once

#include "absl/strings/string_view.h"
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "spdlog/spdlog.h"

namespace dyad {

// Structured logs: one line per record on stderr. `format` "text" (the
// default) is logfmt style:
//   2026-11-23T03:00:00.123Z info dyad-events serving address=0.0.0.0:50051 ...
// "json" writes one JSON object per line instead, the message's key=value
// pairs becoming fields (see JsonLogLine):
//   {"time":"2026-11-23T03:00:00.123Z","level":"info","service":"dyad-events",
//    "msg":"serving","address":"0.0.0.0:50051",...}
// Values with spaces are quoted by the caller through LogValue().
absl::Status InitLogging(const std::string& name, const std::string& level,
                         const std::string& format = "text");

// The JSON line (without newline) of one record: "time" (RFC 3339, UTC,
// milliseconds), "level", "service" (the process), "msg" (the message's
// words that are not key=value), then each key=value pair of the message in
// order. A value that is a JSON number of at most 15 digits becomes a
// number, any other a string (ids stay strings). A key that would replace
// one of the four fixed fields is renamed: "service" (a gRPC service name in
// Dyad's messages) to "grpc_service", the others to "<key>_". A repeated key
// keeps its first value. Invalid UTF-8 becomes U+FFFD.
std::string JsonLogLine(absl::string_view time, absl::string_view level,
                        absl::string_view service, absl::string_view message);

// The process logger (set up by InitLogging; a default stderr logger before).
spdlog::logger& Log();

// Quotes a logfmt value when it holds spaces, quotes or '='.
std::string LogValue(absl::string_view v);

}  // namespace dyad

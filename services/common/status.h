#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace dyad {

// The one place where absl::Status becomes grpc::Status (google-cloud-cpp's
// grpc_error_delegate idea): an explicit switch over every code. The message
// is kept as is, except for INTERNAL, UNKNOWN and DATA_LOSS (IsOpaqueCode):
// their message may carry internals (SQL text, paths, addresses), so it is
// logged at error level with a fresh reference id and the client gets
// OpaqueMessage(that id) instead.
grpc::Status ToGrpcStatus(const absl::Status& status);

// INTERNAL, UNKNOWN, DATA_LOSS: codes whose message never leaves the server.
bool IsOpaqueCode(absl::StatusCode code);

// "internal error (reference 3f2a...); the details are in the server log".
std::string OpaqueMessage(absl::string_view reference);

// The reverse, for the gateway's view of a backend's answer.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Canonical name of a gRPC code: "OK", "UNAVAILABLE", ...
absl::string_view GrpcCodeName(grpc::StatusCode code);

// INVALID_ARGUMENT naming the field and the rule it breaks:
// InvalidField("page_size", "must not be negative, got -1") →
// "page_size: must not be negative, got -1".
absl::Status InvalidField(absl::string_view field, absl::string_view why);

}  // namespace dyad

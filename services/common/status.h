#pragma once

#include "absl/strings/string_view.h"
#include <string_view>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace dyad {

// The one place where absl::Status becomes grpc::Status (google-cloud-cpp's
// grpc_error_delegate idea): an explicit switch over every code, the message
// kept as is.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for the gateway's view of a backend's answer.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Canonical name of a gRPC code: "OK", "UNAVAILABLE", ...
absl::string_view GrpcCodeName(grpc::StatusCode code);

// INVALID_ARGUMENT naming the field and the rule it breaks:
// InvalidField("page_size", "must not be negative, got -1") →
// "page_size: must not be negative, got -1".
absl::Status InvalidField(absl::string_view field, absl::string_view why);

}  // namespace dyad

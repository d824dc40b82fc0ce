// One export in progress, free of gRPC: the domain's core builds it, the
// transport (export_reactor.h) asks it for one message at a time.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace dyad {

class ExportSource {
 public:
  virtual ~ExportSource() = default;
  // The next message, serialized; nullopt once everything was sent. An
  // error ends the call with it (after the messages already sent).
  virtual absl::StatusOr<std::optional<std::string>> Next() = 0;
};

}  // namespace dyad

#pragma once

#include "absl/strings/string_view.h"
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "spdlog/spdlog.h"

namespace dyad {

// Structured logs: one line per record on stderr, logfmt style:
//   2026-11-23T03:00:00.123Z info dyad-events serving address=0.0.0.0:50051 ...
// Values with spaces are quoted by the caller through LogValue().
absl::Status InitLogging(const std::string& name, const std::string& level);

// The process logger (set up by InitLogging; a default stderr logger before).
spdlog::logger& Log();

// Quotes a logfmt value when it holds spaces, quotes or '='.
std::string LogValue(absl::string_view v);

}  // namespace dyad

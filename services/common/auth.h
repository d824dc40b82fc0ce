#pragma once

#include "absl/strings/string_view.h"
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dyad {

// Checks the bearer token of write calls. The token is never logged.
class WriteAuthorizer {
 public:
  // No token configured: every write is refused.
  WriteAuthorizer() = default;
  explicit WriteAuthorizer(std::string token) : token_(std::move(token)) {}

  // Token from `file` when non-empty (surrounding whitespace trimmed; an
  // empty or unreadable file is an error), else from the environment
  // variable DYAD_WRITE_TOKEN, else none.
  static absl::StatusOr<WriteAuthorizer> FromConfig(const std::string& file);

  bool configured() const { return token_.has_value(); }

  // `authorization` is the metadata value, "Bearer <token>", or nullopt.
  // UNAUTHENTICATED when it is missing or wrong, PERMISSION_DENIED when the
  // server has no token (writes disabled). Compares in constant time.
  absl::Status Check(std::optional<absl::string_view> authorization) const;

 private:
  std::optional<std::string> token_;
};

// Constant-time equality of two byte strings (time depends only on lengths).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace dyad

#pragma once

#include "absl/strings/string_view.h"
#include <functional>
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
  // variable DYAD_WRITE_TOKEN (a whitespace-only value is an error too),
  // else none. An empty presented token never matches.
  static absl::StatusOr<WriteAuthorizer> FromConfig(const std::string& file);

  bool configured() const { return token_.has_value(); }

  // `authorization` is the metadata value, "Bearer <token>", or nullopt.
  // UNAUTHENTICATED when it is missing or wrong, PERMISSION_DENIED when the
  // server has no token (writes disabled). Compares in constant time.
  absl::Status Check(std::optional<absl::string_view> authorization) const;

  // Reads are open unless a read token is set (--read_token_file or
  // DYAD_READ_TOKEN); then a read needs "Bearer <read token>" or the write
  // token, else UNAUTHENTICATED.
  void set_read_token(std::string token) { read_token_ = std::move(token); }
  bool reads_closed() const { return read_token_.has_value(); }
  absl::Status CheckRead(std::optional<absl::string_view> authorization) const;
  // Read token from `file` when non-empty, else DYAD_READ_TOKEN; none: reads
  // stay open. An empty or unreadable file is an error.
  absl::Status LoadReadToken(const std::string& file);

  // Consulted by Check() after the token matched: a non-OK status (e.g.
  // UNAVAILABLE while the database is unhealthy) refuses the write.
  void set_write_gate(std::function<absl::Status()> gate) { write_gate_ = std::move(gate); }

 private:
  std::optional<std::string> token_;
  std::optional<std::string> read_token_;
  std::function<absl::Status()> write_gate_;
};

// The write token as servers read it: from `file` when non-empty (trimmed;
// an empty or unreadable file is an error), else DYAD_WRITE_TOKEN (a
// whitespace-only value is an error), else nullopt. Clients presenting the
// token (the CLI's import) read it the same way.
absl::StatusOr<std::optional<std::string>> ReadWriteToken(const std::string& file);

// The token the gateway presents to the backends: from `file` when non-empty
// (--backend_token_file; trimmed, an empty or unreadable file is an error),
// else DYAD_BACKEND_TOKEN (a whitespace-only value is an error), else
// nullopt (the gateway calls the backends without a token).
absl::StatusOr<std::optional<std::string>> ReadBackendToken(const std::string& file);

// Constant-time equality of two byte strings (time depends only on lengths).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace dyad

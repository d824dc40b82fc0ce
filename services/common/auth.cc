#include "common/auth.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dyad {

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Compare over the longer length so the time does not reveal a prefix.
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

namespace {

// A token from `file` (flag `flag`), else from env `env`; nullopt for none.
absl::StatusOr<std::optional<std::string>> ReadToken(const std::string& file, const char* flag,
                                                     const char* env) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::FailedPreconditionError(absl::StrCat(flag, ": cannot read ", file));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(ss.str()));
    if (token.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(flag, ": ", file, " is empty"));
    }
    return std::optional<std::string>(std::move(token));
  }
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') {
    std::string token(absl::StripAsciiWhitespace(v));
    // Same rule as for a file: a blank token would be matched by a blank
    // "Bearer " header, so it is a start-up error, not "no token".
    if (token.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          env, " is set but holds only whitespace: set a real token or unset it"));
    }
    return std::optional<std::string>(std::move(token));
  }
  return std::optional<std::string>();
}

// The token of "Bearer <token>", or an UNAUTHENTICATED status.
absl::StatusOr<absl::string_view> BearerToken(std::optional<absl::string_view> authorization) {
  if (!authorization.has_value() || authorization->empty()) {
    return absl::UnauthenticatedError(
        "missing token: send metadata \"authorization: Bearer <token>\"");
  }
  absl::string_view v = *authorization;
  constexpr absl::string_view kBearer = "Bearer ";
  if (v.size() < kBearer.size() || !absl::EqualsIgnoreCase(v.substr(0, kBearer.size()), kBearer)) {
    return absl::UnauthenticatedError("authorization metadata must be \"Bearer <token>\"");
  }
  absl::string_view token = v.substr(kBearer.size());
  // An empty token never matches, whatever the server holds.
  if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
  return token;
}

// Constant-time match of a presented token against a configured one; an
// empty configured token matches nothing.
bool Matches(absl::string_view presented, const std::optional<std::string>& configured) {
  return configured.has_value() && !configured->empty() &&
         ConstantTimeEquals(presented, *configured);
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ReadWriteToken(const std::string& file) {
  return ReadToken(file, "write_token_file", "DYAD_WRITE_TOKEN");
}

absl::StatusOr<std::optional<std::string>> ReadBackendToken(const std::string& file) {
  return ReadToken(file, "backend_token_file", "DYAD_BACKEND_TOKEN");
}

absl::StatusOr<WriteAuthorizer> WriteAuthorizer::FromConfig(const std::string& file) {
  auto token = ReadWriteToken(file);
  if (!token.ok()) return token.status();
  if (!token->has_value()) return WriteAuthorizer();
  return WriteAuthorizer(std::move(**token));
}

absl::Status WriteAuthorizer::LoadReadToken(const std::string& file) {
  auto token = ReadToken(file, "read_token_file", "DYAD_READ_TOKEN");
  if (!token.ok()) return token.status();
  read_token_ = std::move(*token);
  return absl::OkStatus();
}

absl::Status WriteAuthorizer::CheckRead(std::optional<absl::string_view> authorization) const {
  if (!read_token_.has_value()) return absl::OkStatus();
  auto token = BearerToken(authorization);
  if (!token.ok()) return token.status();
  // Both comparisons always run, so timing does not tell which token matched.
  const bool read_ok = Matches(*token, read_token_);
  const bool write_ok = Matches(*token, token_);
  if (!(read_ok | write_ok)) return absl::UnauthenticatedError("invalid token");
  return absl::OkStatus();
}

absl::Status WriteAuthorizer::Check(std::optional<absl::string_view> authorization) const {
  if (!authorization.has_value() || authorization->empty()) {
    return absl::UnauthenticatedError(
        "missing write token: send metadata \"authorization: Bearer <token>\"");
  }
  if (!token_.has_value()) {
    return absl::PermissionDeniedError(
        "writes are disabled: this server has no write token configured "
        "(--write_token_file or DYAD_WRITE_TOKEN)");
  }
  auto token = BearerToken(authorization);
  if (!token.ok()) return token.status();
  if (!Matches(*token, token_)) return absl::UnauthenticatedError("invalid write token");
  if (write_gate_ != nullptr) {
    if (absl::Status s = write_gate_(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace dyad

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

absl::StatusOr<WriteAuthorizer> WriteAuthorizer::FromConfig(const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::FailedPreconditionError(absl::StrCat("write_token_file: cannot read ", file));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(ss.str()));
    if (token.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("write_token_file: ", file, " is empty"));
    }
    return WriteAuthorizer(std::move(token));
  }
  if (const char* env = std::getenv("DYAD_WRITE_TOKEN"); env != nullptr && *env != '\0') {
    return WriteAuthorizer(std::string(absl::StripAsciiWhitespace(env)));
  }
  return WriteAuthorizer();
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
  absl::string_view v = *authorization;
  constexpr absl::string_view kBearer = "Bearer ";
  if (v.size() < kBearer.size() || !absl::EqualsIgnoreCase(v.substr(0, kBearer.size()), kBearer)) {
    return absl::UnauthenticatedError("authorization metadata must be \"Bearer <token>\"");
  }
  if (!ConstantTimeEquals(v.substr(kBearer.size()), *token_)) {
    return absl::UnauthenticatedError("invalid write token");
  }
  return absl::OkStatus();
}

}  // namespace dyad

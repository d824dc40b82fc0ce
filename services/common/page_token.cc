#include "common/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace dyad {

uint64_t Fingerprint(absl::string_view canonical) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string EncodePageToken(const PageCursor& c) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1|", c.filter_fingerprint, "|", c.sort_key, "|", c.name));
}

absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token, uint64_t filter_fingerprint,
                                           absl::string_view field) {
  std::string raw;
  if (token.size() > 1024 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return InvalidField(field, "malformed page token; pass next_page_token unchanged");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(raw, absl::MaxSplits('|', 3));
  PageCursor c;
  if (parts.size() != 4 || parts[0] != "v1" || !absl::SimpleAtoi(parts[1], &c.filter_fingerprint) ||
      !absl::SimpleAtoi(parts[2], &c.sort_key)) {
    return InvalidField(field, "malformed page token; pass next_page_token unchanged");
  }
  if (c.filter_fingerprint != filter_fingerprint) {
    return InvalidField(field, "page token was issued for other filters; repeat the same "
                               "request with only page_token changed");
  }
  c.name = std::string(parts[3]);
  return c;
}

}  // namespace dyad

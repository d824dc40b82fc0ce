#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dyad {

// Keyset pagination: a token holds the sort position of the last row served
// and a fingerprint of the query's filters, so a page token only works with
// the filters it came from, and rows inserted concurrently never shift a
// page (no offsets). Encoded as web-safe base64 of "v1|fp|key|name"; opaque
// to clients.
struct PageCursor {
  uint64_t filter_fingerprint = 0;
  int64_t sort_key = 0;
  std::string name;
};

std::string EncodePageToken(const PageCursor& cursor);

// INVALID_ARGUMENT naming `field` for a token that is malformed or belongs
// to other filters.
absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token, uint64_t filter_fingerprint,
                                           absl::string_view field = "page_token");

// Stable 64-bit fingerprint (FNV-1a) of a canonical filter string.
uint64_t Fingerprint(absl::string_view canonical);

}  // namespace dyad

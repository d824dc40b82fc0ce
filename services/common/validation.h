#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"

namespace dyad {

// Limits shared by every list method (documented in docs/api.md).
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;
inline constexpr size_t kMaxQueryLength = 512;
inline constexpr size_t kMaxIdLength = 63;

// 0 → default, over max → max (AIP-132: clamped, not an error); negative is
// INVALID_ARGUMENT naming `field`.
absl::StatusOr<int> EffectivePageSize(int32_t page_size, absl::string_view field = "page_size",
                                      int default_size = kDefaultPageSize,
                                      int max_size = kMaxPageSize);

// An ISO 3166-1 alpha-3 code ("AZE"). Errors name `field`.
absl::Status ValidateCountry(absl::string_view code, absl::string_view field);
absl::Status ValidateCountries(const google::protobuf::RepeatedPtrField<std::string>& codes,
                               absl::string_view field);

// 1..63 characters of [a-z0-9-], not starting or ending with '-'.
absl::Status ValidateId(absl::string_view id, absl::string_view field);

// "events/{id}" → id, checking the collection and the id.
absl::StatusOr<std::string> ParseResourceName(absl::string_view name, absl::string_view collection,
                                              absl::string_view field);

// Free text: valid UTF-8, at most `max_len` bytes, no NUL.
absl::Status ValidateText(absl::string_view text, absl::string_view field, size_t max_len);

// Turns user words into a safe FTS5 query: every word becomes a quoted
// prefix term and all must match ("belt road" → "\"belt\"* \"road\"*").
// FTS5 operators typed by the user are treated as words. Empty when the text
// holds no word characters.
std::string ToFtsQuery(absl::string_view text);

}  // namespace dyad

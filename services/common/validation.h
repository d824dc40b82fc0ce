#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dyad/type/v1/citation.pb.h"
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

// Free text on one line: valid UTF-8, at most `max_len` bytes, no control
// character (C0 including NUL, \n and \t; DEL; C1 U+0080..U+009F), so that
// what a terminal or page shows is what was written.
absl::Status ValidateText(absl::string_view text, absl::string_view field, size_t max_len);
// The same for multi-line text (summaries, descriptions, notes): \n and \t
// are allowed, every other control character is not.
absl::Status ValidateMultilineText(absl::string_view text, absl::string_view field,
                                   size_t max_len);

// Each country of a record once: a duplicate is INVALID_ARGUMENT naming
// `field`[i] and the earlier index (["AZE","AZE"] is no dyad).
absl::Status ValidateDistinctCountries(const google::protobuf::RepeatedPtrField<std::string>& codes,
                                       absl::string_view field);

// `source_id` names a source of the loaded catalog (the plugins' sources);
// else INVALID_ARGUMENT naming `field`.
absl::Status ValidateKnownSource(absl::string_view source_id, absl::string_view field,
                                 const std::vector<dyad::type::v1::Source>& catalog);

// Observed values beyond this magnitude are typing or unit errors (world GDP
// is about 1e14 USD).
inline constexpr double kMaxObservationMagnitude = 1e15;
// Finite, |value| <= kMaxObservationMagnitude, and not negative unless the
// indicator allows it. Errors name `field`.
absl::Status ValidateObservationMagnitude(double value, absl::string_view field,
                                          bool allows_negative);

// Turns user words into a safe FTS5 query: every word becomes a quoted
// prefix term and all must match ("belt road" → "\"belt\"* \"road\"*").
// FTS5 operators typed by the user are treated as words. Empty when the text
// holds no word characters.
std::string ToFtsQuery(absl::string_view text);

}  // namespace dyad

#pragma once

#include "absl/strings/string_view.h"
#include <string_view>

namespace dyad {

// True for an ISO 3166-1 alpha-3 code ("AZE", "CHN") or "WLD" (the world).
// Case-sensitive: codes are upper case.
bool IsKnownCountry(absl::string_view code);

// English short name of a known code; empty for an unknown one.
absl::string_view CountryName(absl::string_view code);

}  // namespace dyad

#include "common/validation.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/countries.h"
#include "common/status.h"

namespace dyad {

absl::StatusOr<int> EffectivePageSize(int32_t page_size, absl::string_view field, int default_size,
                                      int max_size) {
  if (page_size < 0) {
    return InvalidField(field, absl::StrCat("must not be negative, got ", page_size));
  }
  if (page_size == 0) return default_size;
  return page_size > max_size ? max_size : page_size;
}

absl::Status ValidateCountry(absl::string_view code, absl::string_view field) {
  if (code.empty()) return InvalidField(field, "must be an ISO 3166-1 alpha-3 code, got \"\"");
  if (!IsKnownCountry(code)) {
    std::string shown(code.substr(0, 16));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    return InvalidField(field, absl::StrCat("unknown ISO 3166-1 alpha-3 country code \"", shown,
                                            "\" (codes are upper case, e.g. \"AZE\")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateCountries(const google::protobuf::RepeatedPtrField<std::string>& codes,
                               absl::string_view field) {
  if (codes.size() > 16) return InvalidField(field, "at most 16 countries");
  for (int i = 0; i < codes.size(); ++i) {
    if (auto s = ValidateCountry(codes[i], absl::StrCat(field, "[", i, "]")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  if (id.empty() || id.size() > kMaxIdLength) {
    return InvalidField(field, absl::StrCat("must be 1..", kMaxIdLength, " characters, got ",
                                            id.size()));
  }
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) {
      return InvalidField(field, "may only hold a-z, 0-9 and '-'");
    }
  }
  if (id.front() == '-' || id.back() == '-') {
    return InvalidField(field, "must not start or end with '-'");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseResourceName(absl::string_view name, absl::string_view collection,
                                              absl::string_view field) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (name.empty()) return InvalidField(field, absl::StrCat("is required (\"", prefix, "{id}\")"));
  if (!absl::StartsWith(name, prefix)) {
    return InvalidField(field, absl::StrCat("must look like \"", prefix, "{id}\""));
  }
  absl::string_view id = name.substr(prefix.size());
  if (auto s = ValidateId(id, field); !s.ok()) return s;
  return std::string(id);
}

namespace {

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int n = 0;
    uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;  // truncated sequence
    for (int k = 1; k <= n; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

namespace {

// The first control character of valid UTF-8 `text` (C0, DEL, C1 U+0080..
// U+009F) other than those in `allowed`, as "U+XXXX" and its byte offset.
std::optional<std::pair<std::string, size_t>> FindControl(absl::string_view text,
                                                          absl::string_view allowed) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    uint32_t cp = 0;
    if (c < 0x20 || c == 0x7f) {
      if (allowed.find(static_cast<char>(c)) != absl::string_view::npos) continue;
      cp = c;
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      cp = static_cast<unsigned char>(text[i + 1]);  // U+0080..U+009F
    } else {
      continue;
    }
    return std::make_pair(absl::StrFormat("U+%04X", cp), i);
  }
  return std::nullopt;
}

absl::Status ValidateTextImpl(absl::string_view text, absl::string_view field, size_t max_len,
                              absl::string_view allowed_controls, absl::string_view rule) {
  if (text.size() > max_len) {
    return InvalidField(field, absl::StrCat("at most ", max_len, " bytes, got ", text.size()));
  }
  if (text.find('\0') != absl::string_view::npos) return InvalidField(field, "must not hold NUL");
  if (!IsValidUtf8(text)) return InvalidField(field, "must be valid UTF-8");
  if (auto found = FindControl(text, allowed_controls)) {
    return InvalidField(field, absl::StrCat("must not hold control characters (", rule, "); found ",
                                            found->first, " at byte ", found->second));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateText(absl::string_view text, absl::string_view field, size_t max_len) {
  return ValidateTextImpl(text, field, max_len, "", "one line of text");
}

absl::Status ValidateMultilineText(absl::string_view text, absl::string_view field,
                                   size_t max_len) {
  return ValidateTextImpl(text, field, max_len, "\n\t", "only \\n and \\t are allowed");
}

absl::Status ValidateDistinctCountries(const google::protobuf::RepeatedPtrField<std::string>& codes,
                                       absl::string_view field) {
  for (int i = 1; i < codes.size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (codes[i] == codes[j]) {
        return InvalidField(absl::StrCat(field, "[", i, "]"),
                            absl::StrCat("duplicates ", field, "[", j, "] (\"", codes[i],
                                         "\"): each country appears once"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateKnownSource(absl::string_view source_id, absl::string_view field,
                                 const std::vector<dyad::type::v1::Source>& catalog) {
  for (const auto& s : catalog) {
    if (s.id() == source_id) return absl::OkStatus();
  }
  std::string shown(source_id.substr(0, 64));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return InvalidField(field, absl::StrCat("unknown source \"", shown,
                                          "\"; ListSources lists the sources of the catalog"));
}

absl::Status ValidateObservationMagnitude(double value, absl::string_view field,
                                          bool allows_negative) {
  if (!std::isfinite(value)) return InvalidField(field, "must be a finite number");
  if (std::fabs(value) > kMaxObservationMagnitude) {
    return InvalidField(field, absl::StrFormat("magnitude at most %g, got %g",
                                               kMaxObservationMagnitude, value));
  }
  if (!allows_negative && value < 0) {
    return InvalidField(field, absl::StrFormat("must not be negative for this indicator, got %g",
                                               value));
  }
  return absl::OkStatus();
}

std::string ToFtsQuery(absl::string_view text) {
  // Words are runs of letters/digits (any non-ASCII byte counts as a letter,
  // so Azerbaijani and Chinese text stays searchable); everything else,
  // including FTS5 syntax characters, separates words.
  std::string out;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, "\"", word, "\"*");
    word.clear();
  };
  for (char c : text) {
    const unsigned char u = c;
    if (absl::ascii_isalnum(c) || u >= 0x80) {
      word += c;
    } else {
      flush();
    }
  }
  flush();
  return out;
}

}  // namespace dyad

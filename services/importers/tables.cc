#include "tables.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace dyad::importers {
namespace data {
extern const char kIso3166[];
extern const char kCameoCountries[];
extern const char kCountryAliases[];
extern const char kComtradeAreas[];
extern const char kWdiAggregates[];
}  // namespace data

namespace {

// Calls `fn(line_number, columns)` for each non-comment, non-blank line.
template <typename Fn>
absl::Status ForEachEntry(absl::string_view text, absl::string_view table, size_t min_cols, Fn fn) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> cols = absl::StrSplit(line, '\t');
    if (cols.size() < min_cols) {
      return absl::InvalidArgumentError(
          absl::StrCat(table, ":", n, ": want ", min_cols, " tab-separated columns"));
    }
    if (absl::Status s = fn(n, cols); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

const CodeTables& CodeTables::Builtin() {
  static const CodeTables* tables = [] {
    auto t = Parse(data::kIso3166, data::kCameoCountries, data::kCountryAliases,
                   data::kComtradeAreas, data::kWdiAggregates);
    if (!t.ok()) {
      // The data files are part of the build and covered by the unit tests.
      std::abort();
    }
    return new CodeTables(*std::move(t));
  }();
  return *tables;
}

absl::StatusOr<CodeTables> CodeTables::Parse(absl::string_view iso3166, absl::string_view cameo,
                                             absl::string_view aliases, absl::string_view comtrade,
                                             absl::string_view wdi_skip) {
  CodeTables t;
  absl::flat_hash_map<int, Area> iso_numeric;
  absl::Status s = ForEachEntry(iso3166, "iso3166.tsv", 3, [&](int n, const auto& c) {
    std::string code(c[0]);
    if (code.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat("iso3166.tsv:", n, ": bad code ", code));
    }
    t.iso3_.insert(code);
    std::vector<absl::string_view> names = absl::StrSplit(c[2], '|');
    for (auto name : names) t.names_.try_emplace(absl::AsciiStrToLower(name), code);
    int num = 0;
    if (c[1] != "-" && absl::SimpleAtoi(c[1], &num)) iso_numeric[num] = {code, std::string(names[0])};
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  auto check = [&](absl::string_view table, int n, absl::string_view iso) {
    if (iso == "-" || t.iso3_.contains(iso) || iso == "WLD") return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(table, ":", n, ": ", iso, " is not an ISO 3166-1 code in iso3166.tsv"));
  };
  s = ForEachEntry(cameo, "cameo_countries.tsv", 2, [&](int n, const auto& c) {
    if (auto st = check("cameo_countries.tsv", n, c[1]); !st.ok()) return st;
    t.cameo_[std::string(c[0])] = c[1] == "-" ? "" : std::string(c[1]);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  s = ForEachEntry(aliases, "country_aliases.tsv", 2, [&](int n, const auto& c) {
    if (auto st = check("country_aliases.tsv", n, c[1]); !st.ok()) return st;
    t.names_[absl::AsciiStrToLower(c[0])] = std::string(c[1]);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  s = ForEachEntry(comtrade, "comtrade_areas.tsv", 3, [&](int n, const auto& c) {
    int code = 0;
    if (!absl::SimpleAtoi(c[0], &code)) {
      return absl::InvalidArgumentError(absl::StrCat("comtrade_areas.tsv:", n, ": bad code"));
    }
    if (auto st = check("comtrade_areas.tsv", n, c[1]); !st.ok()) return st;
    t.comtrade_[code] = {c[1] == "-" ? "" : std::string(c[1]), std::string(c[2])};
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  for (auto& [num, area] : iso_numeric) t.comtrade_.try_emplace(num, area);
  s = ForEachEntry(wdi_skip, "wdi_aggregates.tsv", 2, [&](int, const auto& c) {
    t.wdi_skip_[std::string(c[0])] = std::string(c[1]);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return t;
}

std::optional<std::string> CodeTables::CameoCountry(absl::string_view code) const {
  if (auto it = cameo_.find(code); it != cameo_.end()) return it->second;
  if (iso3_.contains(code)) return std::string(code);
  return std::nullopt;
}

std::optional<std::string> CodeTables::CountryByName(absl::string_view name) const {
  auto it = names_.find(absl::AsciiStrToLower(absl::StripAsciiWhitespace(name)));
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::optional<CodeTables::Area> CodeTables::ComtradeArea(int code) const {
  auto it = comtrade_.find(code);
  if (it == comtrade_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> CodeTables::WdiSkipReason(absl::string_view code) const {
  auto it = wdi_skip_.find(code);
  if (it == wdi_skip_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dyad::importers

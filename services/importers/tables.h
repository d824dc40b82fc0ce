// Code lists the mappers need, read from the data files in data/ (compiled
// into the library; see data/*.tsv for what each holds and where it is from).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace dyad::importers {

class CodeTables {
 public:
  // The tables built from data/*.tsv, parsed once.
  static const CodeTables& Builtin();
  // Parses the five tables from their text (the formats of data/*.tsv).
  // INVALID_ARGUMENT names the table and line of a malformed entry, or an
  // entry that maps to a code not in the ISO table.
  static absl::StatusOr<CodeTables> Parse(absl::string_view iso3166, absl::string_view cameo,
                                          absl::string_view aliases, absl::string_view comtrade,
                                          absl::string_view wdi_skip);

  // True for an ISO 3166-1 alpha-3 code in the table (upper case).
  bool IsIso3(absl::string_view code) const { return iso3_.contains(code); }

  // A CAMEO country code as an ISO code: itself when it is one, the table's
  // code for CAMEO's own codes, "" for a region or group. nullopt: unknown.
  std::optional<std::string> CameoCountry(absl::string_view code) const;

  // A country name ("Russian Federation", "Korea, North") as an ISO code;
  // case-insensitive over the ISO names and the alias table. nullopt: unknown.
  std::optional<std::string> CountryByName(absl::string_view name) const;

  struct Area {
    std::string iso3;  // "" when the area is no single country
    std::string name;  // the table's name, for reasons
  };
  // A UN Comtrade reporter/partner code. nullopt: not in Comtrade's list nor
  // an ISO numeric code.
  std::optional<Area> ComtradeArea(int code) const;

  // Why a WDI country code is not imported (an aggregate, or an economy
  // without an ISO code); nullopt for a country.
  std::optional<std::string> WdiSkipReason(absl::string_view code) const;

 private:
  absl::flat_hash_set<std::string> iso3_;
  absl::flat_hash_map<std::string, std::string> cameo_;
  absl::flat_hash_map<std::string, std::string> names_;  // lower-case name -> iso3
  absl::flat_hash_map<int, Area> comtrade_;              // exceptions, then ISO numerics
  absl::flat_hash_map<std::string, std::string> wdi_skip_;
};

}  // namespace dyad::importers

// Mappers: pure functions from one Row to Dyad records, or a reason. No I/O.
// A non-OK status REJECTS the row (INVALID_ARGUMENT naming the column and the
// rule); an OK result with no records and a `skipped` reason SKIPS it (a valid
// row Dyad does not import, e.g. a WDI aggregate).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "dyad/economics/v1/economics.pb.h"
#include "dyad/events/v1/event.pb.h"
#include "reader.h"
#include "tables.h"

namespace dyad::importers {

using dyad::economics::v1::Observation;
using dyad::events::v1::Event;

template <typename T>
struct Mapped {
  std::vector<T> records;
  std::string skipped;  // set when the row is skipped
};

// GDELT 1.0 (57 or 58 columns) or 2.0 (61 columns) event row, by position.
// `version2` picks the column count checked and the dataset id.
absl::StatusOr<Event> MapGdelt(const Row& row, bool version2,
                               const CodeTables& tables = CodeTables::Builtin());

// ICEWS columns by normalised header name.
struct IcewsColumns {
  size_t event_id, event_date, source_name, source_country, cameo_code, intensity, target_name,
      target_country, story_id, sentence_number;
  std::optional<size_t> city, country;
  size_t count;  // header width
  static absl::StatusOr<IcewsColumns> FromHeader(const std::vector<std::string>& header,
                                                 absl::string_view file);
};
absl::StatusOr<Event> MapIcews(const Row& row, const IcewsColumns& cols,
                               const CodeTables& tables = CodeTables::Builtin());

// UN Comtrade, classic or Plus layout, columns by normalised header name.
struct ComtradeColumns {
  size_t classification, period, flow, reporter_code, partner_code, commodity, value;
  std::optional<size_t> reporter_iso, partner_iso, partner2, customs, mot, mos;
  size_t count;
  static absl::StatusOr<ComtradeColumns> FromHeader(const std::vector<std::string>& header,
                                                    absl::string_view file);
};
absl::StatusOr<Mapped<Observation>> MapComtrade(const Row& row, const ComtradeColumns& cols,
                                                const CodeTables& tables = CodeTables::Builtin());

// World Bank WDI, wide (one column per year) or long (Year and Value columns).
struct WdiColumns {
  bool wide = true;
  size_t country_code, indicator_code;
  std::vector<std::pair<size_t, int>> years;  // wide: column, year
  size_t year = 0, value = 0;                 // long
  size_t count;
  static absl::StatusOr<WdiColumns> FromHeader(const std::vector<std::string>& header, bool wide,
                                               absl::string_view file);
};
absl::StatusOr<Mapped<Observation>> MapWdi(const Row& row, const WdiColumns& cols,
                                           const CodeTables& tables = CodeTables::Builtin());

}  // namespace dyad::importers

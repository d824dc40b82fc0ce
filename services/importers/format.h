// The dataset formats the importers read, and detection from content.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace dyad::importers {

enum class Format {
  kAuto,             // detect from the file's first line
  // Dataset families: detect the layout, but refuse a file of another dataset.
  kGdelt,
  kComtrade,
  kWdi,
  // Exact layouts.
  kGdelt1,           // GDELT 1.0 events: TSV, no header, 57 or 58 columns
  kGdelt2,           // GDELT 2.0 events export: TSV, no header, 61 columns
  kIcews,            // ICEWS coded events: TSV with the 20-column header
  kComtradeClassic,  // UN Comtrade classic bulk/API CSV ("Trade Flow Code", ...)
  kComtradePlus,     // UN Comtrade Plus CSV (typeCode, freqCode, ..., primaryValue)
  kWdiWide,          // World Bank WDI wide CSV (preamble, one column per year)
  kWdiLong,          // World Bank WDI long CSV (Country Code, Year, Value, indicator)
};

// "auto", "gdelt", "comtrade", "wdi", "gdelt1", "gdelt2", "icews",
// "comtrade-classic", "comtrade-plus", "wdi-wide", "wdi-long".
absl::string_view FormatName(Format f);
// Parses a name above. INVALID_ARGUMENT names the accepted values.
absl::StatusOr<Format> ParseFormat(absl::string_view name);
// The dataset family of a layout (kGdelt for kGdelt1, ...); itself for
// kAuto, a family, and kIcews.
Format FamilyOf(Format f);
// True for kAuto and the families: the layout is detected from content.
bool NeedsDetection(Format f);

// Detects the format from the first line of a file (after a UTF-8 BOM and
// blank lines). INVALID_ARGUMENT naming `file` when it is none of them.
absl::StatusOr<Format> DetectFormat(absl::string_view first_line, absl::string_view file);

// Lower-cases and keeps only [a-z0-9]: "Trade Value (US$)", "TradeValueUS"
// and "trade_value_us" all become "tradevalueus".
std::string NormaliseHeader(absl::string_view name);

}  // namespace dyad::importers

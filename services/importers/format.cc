#include "format.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reader.h"

namespace dyad::importers {

namespace {
constexpr Format kAllFormats[] = {
    Format::kAuto,          Format::kGdelt,           Format::kComtrade,
    Format::kWdi,           Format::kGdelt1,          Format::kGdelt2,
    Format::kIcews,         Format::kComtradeClassic, Format::kComtradePlus,
    Format::kWdiWide,       Format::kWdiLong};
}  // namespace

absl::string_view FormatName(Format f) {
  switch (f) {
    case Format::kAuto: return "auto";
    case Format::kGdelt: return "gdelt";
    case Format::kComtrade: return "comtrade";
    case Format::kWdi: return "wdi";
    case Format::kGdelt1: return "gdelt1";
    case Format::kGdelt2: return "gdelt2";
    case Format::kIcews: return "icews";
    case Format::kComtradeClassic: return "comtrade-classic";
    case Format::kComtradePlus: return "comtrade-plus";
    case Format::kWdiWide: return "wdi-wide";
    case Format::kWdiLong: return "wdi-long";
  }
  return "unknown";
}

absl::StatusOr<Format> ParseFormat(absl::string_view name) {
  for (Format f : kAllFormats) {
    if (name == FormatName(f)) return f;
  }
  std::string names;
  for (Format f : kAllFormats) absl::StrAppend(&names, names.empty() ? "" : ", ", FormatName(f));
  return absl::InvalidArgumentError(
      absl::StrCat("format: \"", name, "\" is not one of ", names));
}

Format FamilyOf(Format f) {
  switch (f) {
    case Format::kGdelt1:
    case Format::kGdelt2: return Format::kGdelt;
    case Format::kComtradeClassic:
    case Format::kComtradePlus: return Format::kComtrade;
    case Format::kWdiWide:
    case Format::kWdiLong: return Format::kWdi;
    default: return f;
  }
}

bool NeedsDetection(Format f) {
  return f == Format::kAuto || f == Format::kGdelt || f == Format::kComtrade || f == Format::kWdi;
}

std::string NormaliseHeader(absl::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

absl::StatusOr<Format> DetectFormat(absl::string_view first_line, absl::string_view file) {
  auto unknown = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": not a GDELT, ICEWS, UN Comtrade or World Bank WDI file (", why,
        "); give the format explicitly if it is one"));
  };
  if (first_line.empty()) return unknown("empty");
  if (first_line.find('\t') != absl::string_view::npos) {
    std::vector<absl::string_view> cols = absl::StrSplit(first_line, '\t');
    if (NormaliseHeader(cols[0]) == "eventid" && cols.size() > 1 &&
        NormaliseHeader(cols[1]) == "eventdate") {
      return Format::kIcews;
    }
    bool numeric_id = !cols[0].empty() &&
                      std::all_of(cols[0].begin(), cols[0].end(), absl::ascii_isdigit);
    if (numeric_id && (cols.size() == 57 || cols.size() == 58)) return Format::kGdelt1;
    if (numeric_id && cols.size() == 61) return Format::kGdelt2;
    return unknown(absl::StrCat("tab-separated, ", cols.size(), " columns"));
  }
  std::set<std::string> names;
  for (const std::string& f : ParseCsvLine(first_line)) names.insert(NormaliseHeader(f));
  auto has = [&](absl::string_view n) { return names.count(std::string(n)) > 0; };
  if (has("typecode") && has("reportercode") && has("flowcode")) return Format::kComtradePlus;
  if (has("classification") && has("reportercode") &&
      (has("tradeflowcode") || has("tradevalueus"))) {
    return Format::kComtradeClassic;
  }
  if (has("datasource") || (has("countrycode") && has("indicatorcode") && has("1960"))) {
    return Format::kWdiWide;
  }
  if (has("countrycode") && has("region") && has("incomegroup")) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": this is the WDI country metadata, not data; pass it as the WDI metadata file"));
  }
  if (has("countrycode") && (has("year") || has("time")) && has("value")) return Format::kWdiLong;
  return unknown("no known header in the first line");
}

}  // namespace dyad::importers

#include "mappers.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/charconv.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dyad::importers {
namespace {

using dyad::type::v1::Citation;
using dyad::type::v1::PartialDate;

// GDELT event table columns (0-based), the same in 1.0 and 2.0 up to AvgTone.
constexpr size_t kGlobalEventId = 0, kSqlDate = 1, kActor1Name = 6, kActor1Country = 7,
                 kActor2Name = 16, kActor2Country = 17, kIsRootEvent = 25, kEventCode = 26,
                 kQuadClass = 29, kGoldstein = 30, kNumMentions = 31, kNumSources = 32,
                 kNumArticles = 33, kAvgTone = 34;

absl::Status Reject(const Row& row, absl::string_view column, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(column, ": ", rule));
}

bool IsMissing(absl::string_view v) { return v.empty() || v == "NA"; }

bool AllDigits(absl::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), absl::ascii_isdigit);
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// "20191024" or "2018-06-01" -> a day-precision date.
std::optional<PartialDate> ParseDay(absl::string_view v) {
  std::string digits;
  if (v.size() == 10 && v[4] == '-' && v[7] == '-') {
    digits = absl::StrCat(v.substr(0, 4), v.substr(5, 2), v.substr(8, 2));
  } else {
    digits = std::string(v);
  }
  if (digits.size() != 8 || !AllDigits(digits)) return std::nullopt;
  int y = std::stoi(digits.substr(0, 4)), m = std::stoi(digits.substr(4, 2)),
      d = std::stoi(digits.substr(6, 2));
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  PartialDate date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

bool ParseDouble(absl::string_view v, double* out) {
  auto r = absl::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

// An optional numeric field: unset when missing, a rejection when not a number.
absl::Status OptionalDouble(const Row& row, absl::string_view v, absl::string_view column,
                            std::optional<double>* out) {
  if (IsMissing(v)) return absl::OkStatus();
  double d;
  if (!ParseDouble(v, &d)) return Reject(row, column, absl::StrCat("\"", v, "\" is not a number"));
  *out = d;
  return absl::OkStatus();
}

absl::Status OptionalInt(const Row& row, absl::string_view v, absl::string_view column,
                         std::optional<int32_t>* out) {
  if (IsMissing(v)) return absl::OkStatus();
  int32_t i;
  if (!absl::SimpleAtoi(v, &i) || i < 0) {
    return Reject(row, column, absl::StrCat("\"", v, "\" is not a non-negative integer"));
  }
  *out = i;
  return absl::OkStatus();
}

bool IsCameoCode(absl::string_view v) { return v.size() >= 2 && v.size() <= 4 && AllDigits(v); }

std::string Side(absl::string_view name, absl::string_view iso) {
  if (!name.empty()) return std::string(name);
  if (!iso.empty()) return std::string(iso);
  return "";
}

// Title and summary in our own words, from the coded fields only.
void Describe(Event& e, absl::string_view dataset_label) {
  const auto& c = e.coded();
  std::string a = Side(c.source_actor(), c.source_country());
  std::string b = Side(c.target_actor(), c.target_country());
  std::string who = !a.empty() && !b.empty() ? absl::StrCat(a, " → ", b) : a.empty() ? b : a;
  std::string title = who.empty() ? absl::StrCat("CAMEO ", c.cameo_code(), " event")
                                  : absl::StrCat(who, ", CAMEO ", c.cameo_code());
  if (title.size() > 200) title = absl::StrCat(title.substr(0, 196), "...");
  e.set_title(title);
  std::string summary = absl::StrCat("Machine-coded by ", dataset_label, ": CAMEO event ",
                                     c.cameo_code());
  if (!who.empty()) absl::StrAppend(&summary, " between ", who);
  if (c.quad_class() > 0) absl::StrAppend(&summary, ", QuadClass ", c.quad_class());
  if (c.has_goldstein()) absl::StrAppend(&summary, ", Goldstein ", c.goldstein());
  if (c.has_intensity()) absl::StrAppend(&summary, ", intensity ", c.intensity());
  if (c.has_num_articles()) {
    absl::StrAppend(&summary, ", ", c.num_articles(), " articles");
  }
  absl::StrAppend(&summary, ".");
  e.set_summary(summary);
}

void AddCountries(Event& e) {
  for (const std::string* iso : {&e.coded().source_country(), &e.coded().target_country()}) {
    if (!iso->empty() &&
        std::find(e.countries().begin(), e.countries().end(), *iso) == e.countries().end()) {
      e.add_countries(*iso);
    }
  }
}

}  // namespace

absl::StatusOr<Event> MapGdelt(const Row& row, bool version2, const CodeTables& tables) {
  const auto& f = row.fields;
  size_t n = f.size();
  if (version2 ? n != 61 : (n != 57 && n != 58)) {
    return Reject(row, "columns", absl::StrCat("row has ", n, " columns, GDELT ",
                                               version2 ? "2.0 has 61" : "1.0 has 57 or 58"));
  }
  Event e;
  if (!AllDigits(f[kGlobalEventId])) {
    return Reject(row, "GLOBALEVENTID", absl::StrCat("\"", f[kGlobalEventId], "\" is not a number"));
  }
  auto date = ParseDay(f[kSqlDate]);
  if (!date) return Reject(row, "SQLDATE", absl::StrCat("\"", f[kSqlDate], "\" is not a YYYYMMDD date"));
  *e.mutable_date() = *date;
  auto* c = e.mutable_coded();
  absl::string_view dataset = version2 ? "gdelt-2.0" : "gdelt-1.0";
  c->set_dataset(std::string(dataset));
  if (!IsCameoCode(f[kEventCode])) {
    return Reject(row, "EventCode", absl::StrCat("\"", f[kEventCode], "\" is not a CAMEO code"));
  }
  c->set_cameo_code(std::string(f[kEventCode]));
  for (auto [col, name] : {std::pair{kActor1Country, "Actor1CountryCode"},
                           std::pair{kActor2Country, "Actor2CountryCode"}}) {
    if (f[col].empty()) continue;
    auto iso = tables.CameoCountry(f[col]);
    if (!iso) return Reject(row, name, absl::StrCat("unknown CAMEO country code \"", f[col], "\""));
    (col == kActor1Country ? c->mutable_source_country() : c->mutable_target_country())->assign(*iso);
  }
  c->set_source_actor(std::string(f[kActor1Name]));
  c->set_target_actor(std::string(f[kActor2Name]));
  if (!f[kQuadClass].empty()) {
    int q;
    if (!absl::SimpleAtoi(f[kQuadClass], &q) || q < 1 || q > 4) {
      return Reject(row, "QuadClass", absl::StrCat("\"", f[kQuadClass], "\" is not 1..4"));
    }
    c->set_quad_class(q);
  }
  std::optional<double> d;
  if (auto s = OptionalDouble(row, f[kGoldstein], "GoldsteinScale", &d); !s.ok()) return s;
  if (d) c->set_goldstein(*d);
  d.reset();
  if (auto s = OptionalDouble(row, f[kAvgTone], "AvgTone", &d); !s.ok()) return s;
  if (d) c->set_avg_tone(*d);
  std::optional<int32_t> i;
  if (auto s = OptionalInt(row, f[kNumMentions], "NumMentions", &i); !s.ok()) return s;
  if (i) c->set_num_mentions(*i);
  i.reset();
  if (auto s = OptionalInt(row, f[kNumSources], "NumSources", &i); !s.ok()) return s;
  if (i) c->set_num_sources(*i);
  i.reset();
  if (auto s = OptionalInt(row, f[kNumArticles], "NumArticles", &i); !s.ok()) return s;
  if (i) c->set_num_articles(*i);
  if (f[kIsRootEvent] != "0" && f[kIsRootEvent] != "1" && !f[kIsRootEvent].empty()) {
    return Reject(row, "IsRootEvent", absl::StrCat("\"", f[kIsRootEvent], "\" is not 0 or 1"));
  }
  c->set_root_event(f[kIsRootEvent] == "1");
  AddCountries(e);
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  Citation* cite = e.add_citations();
  cite->set_source_id(std::string(dataset));
  cite->set_locator(absl::StrCat("GLOBALEVENTID ", f[kGlobalEventId]));
  if (n == 58 || n == 61) cite->set_url(std::string(f[n - 1]));
  cite->mutable_row()->set_upstream_id(std::string(f[kGlobalEventId]));
  cite->mutable_row()->set_file(std::string(row.file));
  cite->mutable_row()->set_line(row.line);
  Describe(e, version2 ? "GDELT 2.0" : "GDELT 1.0");
  return e;
}

absl::StatusOr<IcewsColumns> IcewsColumns::FromHeader(const std::vector<std::string>& header,
                                                      absl::string_view file) {
  HeaderIndex h(header);
  IcewsColumns c;
  auto req = [&](size_t* out, std::initializer_list<absl::string_view> names) {
    auto i = h.Require(names, file);
    if (i.ok()) *out = *i;
    return i.status();
  };
  for (auto s : {req(&c.event_id, {"eventid"}), req(&c.event_date, {"eventdate"}),
                 req(&c.source_name, {"sourcename"}), req(&c.source_country, {"sourcecountry"}),
                 req(&c.cameo_code, {"cameocode"}), req(&c.intensity, {"intensity"}),
                 req(&c.target_name, {"targetname"}), req(&c.target_country, {"targetcountry"}),
                 req(&c.story_id, {"storyid"}), req(&c.sentence_number, {"sentencenumber"})}) {
    if (!s.ok()) return s;
  }
  c.city = h.Find({"city"});
  c.country = h.Find({"country"});
  c.count = header.size();
  return c;
}

absl::StatusOr<Event> MapIcews(const Row& row, const IcewsColumns& cols, const CodeTables& tables) {
  const auto& f = row.fields;
  if (f.size() != cols.count) {
    return Reject(row, "columns", absl::StrCat("row has ", f.size(), " columns, the header ",
                                               cols.count));
  }
  Event e;
  absl::string_view id = f[cols.event_id];
  if (IsMissing(id)) return Reject(row, "Event ID", "is empty");
  auto date = ParseDay(f[cols.event_date]);
  if (!date) {
    return Reject(row, "Event Date",
                  absl::StrCat("\"", f[cols.event_date], "\" is not a YYYY-MM-DD date"));
  }
  *e.mutable_date() = *date;
  auto* c = e.mutable_coded();
  c->set_dataset("icews");
  absl::string_view code = f[cols.cameo_code];
  if (!IsCameoCode(code)) return Reject(row, "CAMEO Code", absl::StrCat("\"", code, "\" is not a CAMEO code"));
  c->set_cameo_code(std::string(code));
  auto country = [&](size_t col, absl::string_view column) -> absl::StatusOr<std::string> {
    absl::string_view name = f[col];
    if (IsMissing(name)) return std::string();
    auto iso = tables.CountryByName(name);
    if (!iso) return Reject(row, column, absl::StrCat("unknown country \"", name, "\""));
    return *iso;
  };
  auto src = country(cols.source_country, "Source Country");
  if (!src.ok()) return src.status();
  auto tgt = country(cols.target_country, "Target Country");
  if (!tgt.ok()) return tgt.status();
  c->set_source_country(*src);
  c->set_target_country(*tgt);
  if (!IsMissing(f[cols.source_name])) c->set_source_actor(std::string(f[cols.source_name]));
  if (!IsMissing(f[cols.target_name])) c->set_target_actor(std::string(f[cols.target_name]));
  std::optional<double> intensity;
  if (auto s = OptionalDouble(row, f[cols.intensity], "Intensity", &intensity); !s.ok()) return s;
  if (intensity) c->set_intensity(*intensity);
  if (cols.country) {
    auto place = country(*cols.country, "Country");
    if (!place.ok()) return place.status();
    if (!place->empty()) {
      e.mutable_location()->set_country(*place);
      if (cols.city && !IsMissing(f[*cols.city])) e.mutable_location()->set_name(std::string(f[*cols.city]));
    }
  }
  AddCountries(e);
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  Citation* cite = e.add_citations();
  cite->set_source_id("icews");
  absl::string_view story = f[cols.story_id], sentence = f[cols.sentence_number];
  cite->set_locator(absl::StrCat("story ", IsMissing(story) ? "?" : story, " sentence ",
                                 IsMissing(sentence) ? "?" : sentence));
  cite->mutable_row()->set_upstream_id(std::string(id));
  cite->mutable_row()->set_file(std::string(row.file));
  cite->mutable_row()->set_line(row.line);
  Describe(e, "ICEWS");
  return e;
}

absl::StatusOr<ComtradeColumns> ComtradeColumns::FromHeader(const std::vector<std::string>& header,
                                                            absl::string_view file) {
  HeaderIndex h(header);
  ComtradeColumns c;
  auto req = [&](size_t* out, std::initializer_list<absl::string_view> names) {
    auto i = h.Require(names, file);
    if (i.ok()) *out = *i;
    return i.status();
  };
  for (auto s : {req(&c.classification, {"classification", "classificationcode"}),
                 req(&c.period, {"period"}), req(&c.flow, {"tradeflowcode", "flowcode"}),
                 req(&c.reporter_code, {"reportercode"}), req(&c.partner_code, {"partnercode"}),
                 req(&c.commodity, {"commoditycode", "cmdcode"}),
                 req(&c.value, {"tradevalueus", "primaryvalue"})}) {
    if (!s.ok()) return s;
  }
  c.reporter_iso = h.Find({"reporteriso"});
  c.partner_iso = h.Find({"partneriso"});
  c.partner2 = h.Find({"2ndpartnercode", "partner2code"});
  c.customs = h.Find({"customsproccode", "customscode"});
  c.mot = h.Find({"modeoftransportcode", "motcode"});
  c.mos = h.Find({"moscode"});
  c.count = header.size();
  return c;
}

absl::StatusOr<Mapped<Observation>> MapComtrade(const Row& row, const ComtradeColumns& cols,
                                                const CodeTables& tables) {
  const auto& f = row.fields;
  if (f.size() != cols.count) {
    return Reject(row, "columns", absl::StrCat("row has ", f.size(), " columns, the header ",
                                               cols.count));
  }
  Mapped<Observation> out;
  // Breakdowns by second partner, customs procedure or transport mode repeat
  // the total row's figure in parts: only the totals are imported.
  struct Breakdown {
    std::optional<size_t> col;
    const char* name;
    const char* total;  // the code meaning "all"; empty also means all
  };
  for (const Breakdown& b : {Breakdown{cols.partner2, "partner2Code", "0"},
                             Breakdown{cols.customs, "customsCode", "C00"},
                             Breakdown{cols.mot, "motCode", "0"},
                             Breakdown{cols.mos, "mosCode", "0"}}) {
    if (!b.col) continue;
    absl::string_view v = f[*b.col];
    if (!v.empty() && v != b.total) {
      out.skipped = absl::StrCat("breakdown row (", b.name, " ", v, "); the total row is imported");
      return out;
    }
  }
  absl::string_view flow = f[cols.flow];
  absl::string_view letters = flow == "1" ? "M" : flow == "2" ? "X" : flow == "3" ? "RX"
                           : flow == "4" ? "RM" : flow;
  absl::string_view indicator = letters == "X" ? "trade.exports" : letters == "M" ? "trade.imports"
                             : letters == "RX" ? "trade.reexports"
                             : letters == "RM" ? "trade.reimports" : "";
  if (indicator.empty()) {
    if (flow.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(flow[0]))) {
      return Reject(row, "flow code", absl::StrCat("\"", flow, "\" is not a Comtrade trade flow"));
    }
    out.skipped = absl::StrCat("trade flow ", flow, " (only X, M, RX, RM are imported)");
    return out;
  }
  auto area = [&](size_t code_col, std::optional<size_t> iso_col, absl::string_view column,
                  std::string* iso, std::string* skip) -> absl::Status {
    absl::string_view v = f[code_col];
    int code;
    if (!absl::SimpleAtoi(v, &code)) {
      return Reject(row, column, absl::StrCat("\"", v, "\" is not a Comtrade area code"));
    }
    auto a = tables.ComtradeArea(code);
    if (!a) {
      // An unknown code with an ISO column we know still maps.
      if (iso_col && tables.IsIso3(f[*iso_col])) {
        *iso = std::string(f[*iso_col]);
        return absl::OkStatus();
      }
      return Reject(row, column, absl::StrCat("unknown Comtrade area code ", code));
    }
    if (a->iso3.empty()) *skip = absl::StrCat(column, " ", code, " (", a->name, ") is no single country");
    *iso = a->iso3;
    return absl::OkStatus();
  };
  std::string reporter, partner, skip;
  if (auto s = area(cols.reporter_code, cols.reporter_iso, "reporterCode", &reporter, &skip); !s.ok()) return s;
  if (auto s = area(cols.partner_code, cols.partner_iso, "partnerCode", &partner, &skip); !s.ok()) return s;
  if (reporter == "WLD") skip = "reporter is World";
  if (!skip.empty()) {
    out.skipped = skip;
    return out;
  }
  absl::string_view period = f[cols.period];
  PartialDate date;
  if (period.size() == 4 && AllDigits(period)) {
    date.set_year(std::stoi(std::string(period)));
  } else if (period.size() == 6 && AllDigits(period)) {
    date.set_year(std::stoi(std::string(period.substr(0, 4))));
    date.set_month(std::stoi(std::string(period.substr(4))));
  }
  if (date.year() < 1 || date.month() > 12 || (period.size() == 6 && date.month() < 1)) {
    return Reject(row, "period", absl::StrCat("\"", period, "\" is not YYYY or YYYYMM"));
  }
  absl::string_view value = f[cols.value];
  if (value.empty()) {
    out.skipped = "no trade value";
    return out;
  }
  double v;
  if (!ParseDouble(value, &v) || v < 0) {
    return Reject(row, "trade value", absl::StrCat("\"", value, "\" is not a non-negative number"));
  }
  absl::string_view classification = f[cols.classification];
  absl::string_view cmd = f[cols.commodity];
  Observation o;
  o.set_indicator(std::string(indicator));
  o.set_reporter(reporter);
  o.set_partner(partner);
  *o.mutable_period() = date;
  o.mutable_value()->set_value(v);
  o.mutable_value()->set_unit("USD");
  o.mutable_value()->set_qualifier(dyad::type::v1::Quantity::QUALIFIER_EXACT);
  o.mutable_value()->set_as_written(std::string(value));
  o.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  if (cmd != "TOTAL") o.set_commodity(absl::StrCat(classification, ":", cmd));
  std::string key = absl::StrCat(classification, "|", period, "|", letters, "|",
                                 f[cols.reporter_code], "|", f[cols.partner_code], "|", cmd);
  Citation* cite = o.add_citations();
  cite->set_source_id("comtrade");
  cite->set_locator(key);
  cite->mutable_row()->set_upstream_id(key);
  cite->mutable_row()->set_file(std::string(row.file));
  cite->mutable_row()->set_line(row.line);
  out.records.push_back(std::move(o));
  return out;
}

absl::StatusOr<WdiColumns> WdiColumns::FromHeader(const std::vector<std::string>& header,
                                                  bool wide, absl::string_view file) {
  HeaderIndex h(header);
  WdiColumns c;
  c.wide = wide;
  auto cc = h.Require({"countrycode"}, file);
  if (!cc.ok()) return cc.status();
  c.country_code = *cc;
  auto ic = h.Require({"indicatorcode", "seriescode"}, file);
  if (!ic.ok()) return ic.status();
  c.indicator_code = *ic;
  if (wide) {
    for (size_t i = 0; i < header.size(); ++i) {
      int y;
      if (header[i].size() == 4 && absl::SimpleAtoi(header[i], &y)) c.years.push_back({i, y});
    }
    if (c.years.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": header has no year columns"));
    }
  } else {
    auto y = h.Require({"year", "time"}, file);
    if (!y.ok()) return y.status();
    auto v = h.Require({"value"}, file);
    if (!v.ok()) return v.status();
    c.year = *y;
    c.value = *v;
  }
  c.count = header.size();
  return c;
}

absl::StatusOr<Mapped<Observation>> MapWdi(const Row& row, const WdiColumns& cols,
                                           const CodeTables& tables) {
  const auto& f = row.fields;
  if (f.size() != cols.count) {
    return Reject(row, "columns", absl::StrCat("row has ", f.size(), " columns, the header ",
                                               cols.count));
  }
  Mapped<Observation> out;
  absl::string_view country = f[cols.country_code];
  if (auto why = tables.WdiSkipReason(country)) {
    out.skipped = absl::StrCat(country, " ", *why);
    return out;
  }
  if (!tables.IsIso3(country)) {
    return Reject(row, "Country Code", absl::StrCat("\"", country, "\" is not an ISO 3166-1 code"));
  }
  absl::string_view indicator = f[cols.indicator_code];
  if (indicator.empty()) return Reject(row, "Indicator Code", "is empty");
  auto add = [&](int year, absl::string_view cell) -> absl::Status {
    double v;
    if (!ParseDouble(cell, &v)) {
      return Reject(row, absl::StrCat("value for ", year),
                    absl::StrCat("\"", cell, "\" is not a number"));
    }
    Observation o;
    o.set_indicator(absl::StrCat("wdi.", indicator));
    o.set_reporter(std::string(country));
    o.mutable_period()->set_year(year);
    o.mutable_value()->set_value(v);
    o.mutable_value()->set_qualifier(dyad::type::v1::Quantity::QUALIFIER_EXACT);
    o.mutable_value()->set_as_written(std::string(cell));
    o.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
    Citation* cite = o.add_citations();
    cite->set_source_id("wdi");
    cite->set_locator(absl::StrCat(indicator, " ", country, " ", year));
    cite->mutable_row()->set_upstream_id(absl::StrCat(indicator, "|", country, "|", year));
    cite->mutable_row()->set_file(std::string(row.file));
    cite->mutable_row()->set_line(row.line);
    out.records.push_back(std::move(o));
    return absl::OkStatus();
  };
  if (cols.wide) {
    for (auto [col, year] : cols.years) {
      if (f[col].empty()) continue;
      if (auto s = add(year, f[col]); !s.ok()) return s;
    }
    if (out.records.empty()) out.skipped = absl::StrCat(country, ": no value in any year");
    return out;
  }
  absl::string_view y = f[cols.year];
  int year;
  // DataBank writes "2015 [YR2015]".
  if (y.size() < 4 || !absl::SimpleAtoi(y.substr(0, 4), &year) || year < 1) {
    return Reject(row, "Year", absl::StrCat("\"", y, "\" is not a year"));
  }
  absl::string_view cell = f[cols.value];
  if (cell.empty() || cell == "..") {
    out.skipped = "no value";
    return out;
  }
  if (auto s = add(year, cell); !s.ok()) return s;
  return out;
}

}  // namespace dyad::importers

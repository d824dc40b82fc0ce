#include "export_format.h"

#include <charconv>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/partial_date.h"
#include "google/protobuf/util/json_util.h"

namespace dyad::cli {
namespace {

using dyad::type::v1::Citation;
using dyad::type::v1::PartialDate;
using dyad::type::v1::Quantity;
using Citations = google::protobuf::RepeatedPtrField<Citation>;

void Add(std::vector<std::string>* out, std::vector<std::string> more) {
  for (auto& s : more) out->push_back(std::move(s));
}

std::vector<std::string> Prefixed(const std::string& prefix, std::vector<std::string> suffixes) {
  for (auto& s : suffixes) s = prefix + s;
  return suffixes;
}

const std::vector<std::string> kDateSuffixes = {"", "_precision", "_start", "_end"};
const std::vector<std::string> kQuantitySuffixes = {"",           "_unit", "_qualifier",
                                                    "_upper",     "_precision",
                                                    "_as_written", "_low", "_high"};

std::string Day(int64_t day) {
  const CivilDay c = CivilFromDay(day);
  return absl::StrFormat("%04d-%02d-%02d", c.year, c.month, c.day);
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v) {
  return absl::StrJoin(v, ";");
}

// {citations, source_ids}: "jafarli p12; valiyev p6" and "jafarli;valiyev".
std::vector<std::string> CitationColumns(const Citations& cs) {
  std::vector<std::string> parts;
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const Citation& c : cs) {
    parts.push_back(std::string(absl::StripAsciiWhitespace(absl::StrCat(c.source_id(), " ", c.locator()))));
    if (!c.source_id().empty() && seen.insert(c.source_id()).second) ids.push_back(c.source_id());
  }
  return {absl::StrJoin(parts, "; "), absl::StrJoin(ids, ";")};
}

// The place value of the last non-zero digit of `value` as written in
// decimal (services/economics/reconcile.cc LastDigitPlace, which the
// Python client's quantities.last_digit_place mirrors too).
double LastDigitPlace(double value) {
  if (!std::isfinite(value) || value == 0) return 0;
  const double v = std::fabs(value);
  auto pow10 = [](int k) { return std::pow(10.0, k); };
  int k = static_cast<int>(std::floor(std::log10(v))) + 1;
  for (int step = 0; step < 18; ++step, --k) {
    const double q = k >= 0 ? v / pow10(k) : v * pow10(-k);
    const double r = std::round(q);
    if (r != 0 && std::fabs(q - r) <= std::max(1e-9, std::fabs(q) * 1e-12)) {
      return k >= 0 ? pow10(k) : 1.0 / pow10(-k);
    }
  }
  return k >= 0 ? pow10(k + 1) : 1.0 / pow10(-(k + 1));
}

std::string EnumName(const google::protobuf::EnumDescriptor* d, int number, const std::string& strip) {
  const auto* v = d->FindValueByNumber(number);
  if (v == nullptr || number == 0) return "";
  std::string name = v->name();
  if (absl::StartsWith(name, strip)) name = name.substr(strip.size());
  for (char& c : name) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return name;
}

std::string Optional(bool has, const std::string& text) { return has ? text : ""; }

}  // namespace

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[512];
  // Whole numbers as plain digits ("2200000000", not "2.2e+09"), the rest
  // in the shortest form that reads back exactly.
  const bool whole = std::fabs(v) < 1e17 && v == std::trunc(v);
  auto r = whole ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                 : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string IsoPartialDate(const PartialDate& d) {
  switch (PrecisionOf(d)) {
    case DatePrecision::kYear: return absl::StrFormat("%04d", d.year());
    case DatePrecision::kMonth: return absl::StrFormat("%04d-%02d", d.year(), d.month());
    case DatePrecision::kDay: return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
    default: return "";
  }
}

std::vector<std::string> DateColumns(const PartialDate* d) {
  if (d == nullptr || PrecisionOf(*d) == DatePrecision::kNone) return {"", "", "", ""};
  static const char* kNames[] = {"", "year", "month", "day"};
  return {IsoPartialDate(*d), kNames[static_cast<int>(PrecisionOf(*d))], Day(FirstDay(*d)),
          Day(LastDay(*d))};
}

std::vector<std::string> QuantityColumns(const Quantity* q) {
  if (q == nullptr) return std::vector<std::string>(kQuantitySuffixes.size());
  // The interval rule of quantity.proto (as reconcile.cc IntervalOf).
  const double v = q->value();
  const double p = std::isfinite(q->precision()) ? std::fabs(q->precision()) : 0;
  double s = LastDigitPlace(v);
  if (s == 0) s = p;
  const double inf = HUGE_VAL;
  double lo = v - p / 2, hi = v + p / 2;
  switch (q->qualifier()) {
    case Quantity::QUALIFIER_APPROXIMATE: lo = v - s; hi = v + s; break;
    case Quantity::QUALIFIER_AT_LEAST: lo = v; hi = s > 0 ? v + s : inf; break;
    case Quantity::QUALIFIER_AT_MOST: lo = s > 0 ? v - s : -inf; hi = v; break;
    case Quantity::QUALIFIER_RANGE: {
      double a = v, b = q->upper();
      if (b < a) std::swap(a, b);
      lo = a - p / 2;
      hi = b + p / 2;
      break;
    }
    default: break;
  }
  std::string qualifier = EnumName(Quantity::Qualifier_descriptor(), q->qualifier(), "QUALIFIER_");
  if (qualifier.empty()) qualifier = "exact";
  return {FormatDouble(v),
          q->unit(),
          qualifier,
          q->qualifier() == Quantity::QUALIFIER_RANGE ? FormatDouble(q->upper()) : "",
          FormatDouble(q->precision()),
          q->as_written(),
          FormatDouble(lo),
          FormatDouble(hi)};
}

const std::vector<std::string>& EventColumns() {
  static const auto* const kColumns = [] {
    auto* c = new std::vector<std::string>{"name", "kind", "domain", "title", "summary"};
    Add(c, Prefixed("date", kDateSuffixes));
    Add(c, Prefixed("end_date", kDateSuffixes));
    Add(c, {"countries", "participants", "location", "location_country"});
    Add(c, Prefixed("amount", kQuantitySuffixes));
    Add(c, {"citations", "source_ids", "origin", "plugin", "fact", "tags"});
    Add(c, {"coded_dataset", "coded_cameo_code", "coded_source_country", "coded_target_country",
            "coded_source_actor", "coded_target_actor", "coded_quad_class", "coded_goldstein",
            "coded_avg_tone", "coded_num_mentions", "coded_num_sources", "coded_num_articles",
            "coded_intensity", "coded_root_event"});
    return c;
  }();
  return *kColumns;
}

std::vector<std::string> EventRow(const dyad::events::v1::Event& e) {
  std::vector<std::string> r = {e.name(), e.kind(), e.domain(), e.title(), e.summary()};
  Add(&r, DateColumns(e.has_date() ? &e.date() : nullptr));
  Add(&r, DateColumns(e.has_end_date() ? &e.end_date() : nullptr));
  std::vector<std::string> participants;
  for (const auto& p : e.participants()) participants.push_back(p.name());
  Add(&r, {Join(e.countries()), absl::StrJoin(participants, ";"),
           e.has_location() ? e.location().name() : "",
           e.has_location() ? e.location().country() : ""});
  Add(&r, QuantityColumns(e.has_amount() ? &e.amount() : nullptr));
  Add(&r, CitationColumns(e.citations()));
  Add(&r, {EnumName(dyad::type::v1::Origin_descriptor(), e.origin(), "ORIGIN_"), e.plugin(),
           e.fact(), Join(e.tags())});
  if (!e.has_coded()) {
    Add(&r, std::vector<std::string>(14));
  } else {
    const auto& c = e.coded();
    Add(&r, {c.dataset(), c.cameo_code(), c.source_country(), c.target_country(),
             c.source_actor(), c.target_actor(), absl::StrCat(c.quad_class()),
             Optional(c.has_goldstein(), FormatDouble(c.goldstein())),
             Optional(c.has_avg_tone(), FormatDouble(c.avg_tone())),
             Optional(c.has_num_mentions(), absl::StrCat(c.num_mentions())),
             Optional(c.has_num_sources(), absl::StrCat(c.num_sources())),
             Optional(c.has_num_articles(), absl::StrCat(c.num_articles())),
             Optional(c.has_intensity(), FormatDouble(c.intensity())),
             c.root_event() ? "true" : "false"});
  }
  return r;
}

const std::vector<std::string>& ObservationColumns() {
  static const auto* const kColumns = [] {
    auto* c = new std::vector<std::string>{"name", "indicator", "reporter", "partner", "commodity"};
    Add(c, Prefixed("period", kDateSuffixes));
    Add(c, Prefixed("as_of", kDateSuffixes));
    Add(c, Prefixed("value", kQuantitySuffixes));
    Add(c, {"origin", "plugin", "citations", "source_ids"});
    return c;
  }();
  return *kColumns;
}

std::vector<std::string> ObservationRow(const dyad::economics::v1::Observation& o) {
  std::vector<std::string> r = {o.name(), o.indicator(), o.reporter(), o.partner(), o.commodity()};
  Add(&r, DateColumns(o.has_period() ? &o.period() : nullptr));
  Add(&r, DateColumns(o.has_as_of() ? &o.as_of() : nullptr));
  Add(&r, QuantityColumns(o.has_value() ? &o.value() : nullptr));
  Add(&r, {EnumName(dyad::type::v1::Origin_descriptor(), o.origin(), "ORIGIN_"), o.plugin()});
  Add(&r, CitationColumns(o.citations()));
  return r;
}

const std::vector<std::string>& InstitutionColumns() {
  static const auto* const kColumns = [] {
    auto* c = new std::vector<std::string>{"name", "display_name", "kind", "host_country", "city"};
    Add(c, Prefixed("founded", kDateSuffixes));
    c->push_back("status");
    Add(c, Prefixed("closed", kDateSuffixes));
    Add(c, {"countries", "partners", "parent", "description", "external_ids", "plugin", "fact",
            "citations", "source_ids"});
    return c;
  }();
  return *kColumns;
}

std::vector<std::string> InstitutionRow(const dyad::institutions::v1::Institution& i) {
  std::vector<std::string> r = {i.name(), i.display_name(), i.kind(), i.host_country(), i.city()};
  Add(&r, DateColumns(i.has_founded() ? &i.founded() : nullptr));
  r.push_back(EnumName(dyad::institutions::v1::Institution::Status_descriptor(), i.status(),
                       "STATUS_"));
  Add(&r, DateColumns(i.has_closed() ? &i.closed() : nullptr));
  std::vector<std::string> ids;
  for (const auto& x : i.external_ids()) ids.push_back(absl::StrCat(x.scheme(), ":", x.id()));
  Add(&r, {Join(i.countries()), Join(i.partners()), i.parent(), i.description(),
           absl::StrJoin(ids, ";"), i.plugin(), i.fact()});
  Add(&r, CitationColumns(i.citations()));
  return r;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
  return out;
}

std::string JsonLine(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = false;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  out += '\n';
  return out;
}

}  // namespace dyad::cli

#include "gdelt_shape.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace dyad::bench {
namespace {

using dyad::events::v1::Event;

constexpr const char* kCountries[] = {
    "AZE", "CHN", "ARM", "GEO", "KAZ", "UZB", "TUR", "RUS", "IRN", "USA", "DEU", "FRA", "GBR",
    "ITA", "JPN", "KOR", "IND", "PAK", "SAU", "ARE", "QAT", "EGY", "ISR", "UKR", "BLR", "POL",
    "HUN", "ROU", "BGR", "SRB", "TKM", "KGZ", "TJK", "MNG", "AFG", "IDN", "MYS", "VNM", "BRA", "ZAF"};
constexpr int kNumCountries = sizeof kCountries / sizeof kCountries[0];
constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// CAMEO-shaped codes: 20 roots ("01".."20") and ten sub-codes of each.
std::vector<std::string> Codes() {
  std::vector<std::string> codes;
  for (int r = 1; r <= 20; ++r) {
    const std::string root = absl::StrCat(r < 10 ? "0" : "", r);
    codes.push_back(root);
    for (int s = 0; s < 10; ++s) codes.push_back(absl::StrCat(root, s));
  }
  return codes;
}

}  // namespace

std::unique_ptr<PluginSet> GdeltPlugins() {
  LoadedPlugin p;
  p.name = "bench_cameo";
  p.version = "1";
  p.manifest.set_name("bench_cameo");
  p.manifest.add_services("events");
  auto* src = p.bundle.add_sources();
  src->set_id(kGdeltDataset);
  src->set_title("GDELT 2.0 Event Database (benchmark)");
  for (const auto& code : Codes()) {
    const int root = std::stoi(code.substr(0, 2));
    auto* k = p.bundle.add_event_kinds();
    k->set_id(absl::StrCat("cameo.c", code));
    k->set_label(absl::StrCat("CAMEO ", code));
    k->set_domain(root <= 9 ? "diplomacy" : "security");
    k->set_taxonomy("cameo");
    k->set_cameo_code(code);
    k->set_quad_class(root <= 5 ? 1 : root <= 9 ? 2 : root <= 14 ? 3 : 4);
    k->set_goldstein(root <= 9 ? 3.0 : -5.0);
    k->set_plover_type(root <= 5 ? "CONSULT" : root <= 9 ? "COOPERATE" : "FIGHT");
  }
  std::vector<LoadedPlugin> v;
  v.push_back(std::move(p));
  auto set = PluginSet::FromLoaded(std::move(v));
  if (!set.ok()) {
    fprintf(stderr, "bench plugins: %s\n", std::string(set.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*set);
}

GdeltGenerator::GdeltGenerator(int seed, int rows_per_day)
    : rng_(seed), rows_per_day_(rows_per_day), codes_(Codes()) {}

void GdeltGenerator::Fill(int n, dyad::events::v1::ImportEventsRequest* m) {
  std::uniform_int_distribution<int> country(0, kNumCountries - 1);
  std::uniform_int_distribution<int> code(0, static_cast<int>(codes_.size()) - 1);
  std::uniform_int_distribution<int> day_of(0, 3652);  // 2015-01-01 .. 2024-12-31
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<int> recent(1, 30);
  std::normal_distribution<double> tone(-1.5, 3.5);
  std::uniform_int_distribution<int> mentions(1, 40);
  for (int k = 0; k < n; ++k, ++next_) {
    const int64_t i = next_;
    Event* e = m->add_events();
    std::string a = kCountries[country(rng_)], b = kCountries[country(rng_)];
    if (i % 10 == 0) {
      a = i % 20 == 0 ? "AZE" : "GEO";
      b = i % 20 == 0 ? "GEO" : "AZE";
    }
    while (b == a) b = kCountries[country(rng_)];
    // The file's day counts back from the end of 2024.
    int d = day_of(rng_), year = 2015, month = 1;
    if (rows_per_day_ > 0) {
      const int file_day = static_cast<int>(std::max<int64_t>(0, 3652 - i / rows_per_day_));
      const int p = percent(rng_);
      d = p < 90 ? file_day : p < 98 ? std::max(0, file_day - recent(rng_)) : day_of(rng_);
    }
    for (;;) {
      const int len = (year % 4 == 0) ? 366 : 365;
      if (d < len) break;
      d -= len;
      ++year;
    }
    for (;;) {
      const int len = kMonthDays[month - 1] + (month == 2 && year % 4 == 0 ? 1 : 0);
      if (d < len) break;
      d -= len;
      ++month;
    }
    e->mutable_date()->set_year(year);
    e->mutable_date()->set_month(month);
    e->mutable_date()->set_day(d + 1);
    auto* c = e->mutable_coded();
    c->set_dataset(kGdeltDataset);
    const std::string& cameo = codes_[code(rng_)];
    c->set_cameo_code(cameo);
    c->set_source_country(a);
    c->set_target_country(b);
    c->set_source_actor(absl::StrCat(a, " GOVERNMENT"));
    c->set_target_actor(absl::StrCat(b, " GOVERNMENT"));
    const int root = std::stoi(cameo.substr(0, 2));
    c->set_quad_class(root <= 5 ? 1 : root <= 9 ? 2 : root <= 14 ? 3 : 4);
    c->set_goldstein(root <= 9 ? 3.0 : -5.0);
    c->set_avg_tone(tone(rng_));
    c->set_num_mentions(mentions(rng_));
    c->set_num_sources(1 + mentions(rng_) / 10);
    c->set_num_articles(mentions(rng_));
    c->set_root_event(i % 3 == 0);
    const int64_t id = 1000000000 + i;
    auto* cit = e->add_citations();
    cit->set_source_id(kGdeltDataset);
    cit->set_url(absl::StrCat("https://news.example.com/", year, "/", month, "/world/story-", id,
                              ".html"));
    cit->mutable_row()->set_upstream_id(absl::StrCat(id));
    cit->mutable_row()->set_file(absl::StrCat(year, "0101000000.export.CSV"));
    cit->mutable_row()->set_line(i % 100000 + 1);
  }
}

}  // namespace dyad::bench

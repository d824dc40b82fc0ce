// dyad-scalegen: writes realistic synthetic events for many dyads into an
// events database, so the benchmarks can show how latency grows with the
// table.
//
//   dyad-scalegen --db=/tmp/events-1m.db --events=1000000
//   dyad-scalegen --db=/tmp/gdelt-10m.db --events=10000000 --shape=gdelt
//
// --shape=curated (the default): records like API writes (plugin ""), so a
// service started on the database keeps them beside the curated data.
// --shape=gdelt: GDELT-shaped machine-coded records (bench/gdelt_shape.h),
// written through EventCore::ImportEvents (the validation, mapping and store
// path of the ImportEvents RPC, without gRPC) a message at a time; the
// database then needs the "bench_cameo" plugin's kinds, which
// dyad-query-bench serves with.
#include <algorithm>
#include <cstdio>
#include <random>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/partial_date.h"
#include "event_core.h"
#include "event_store.h"
#include "gdelt_shape.h"

ABSL_FLAG(std::string, db, "", "Events database to fill (created if missing)");
ABSL_FLAG(int, events, 100000, "Number of synthetic events");
ABSL_FLAG(int, batch, 50000, "Events per transaction");
ABSL_FLAG(int, seed, 1, "Random seed (same seed, same data)");
ABSL_FLAG(std::string, shape, "curated", "curated or gdelt (see the header)");
ABSL_FLAG(int, rows_per_day, 150000,
          "gdelt: rows per daily file (gdelt_shape.h); 0: dates uniform over ten years");

namespace {

constexpr const char* kCountries[] = {
    "AZE", "CHN", "ARM", "GEO", "KAZ", "UZB", "TUR", "RUS", "IRN", "USA", "DEU", "FRA", "GBR",
    "ITA", "JPN", "KOR", "IND", "PAK", "SAU", "ARE", "QAT", "EGY", "ISR", "UKR", "BLR", "POL",
    "HUN", "ROU", "BGR", "SRB", "TKM", "KGZ", "TJK", "MNG", "AFG", "IDN", "MYS", "VNM", "BRA", "ZAF"};
struct Kind {
  const char* id;
  const char* domain;
  const char* label;
};
constexpr Kind kKinds[] = {
    {"diplomacy.visit.state", "diplomacy", "State visit"},
    {"diplomacy.visit.official", "diplomacy", "Official visit"},
    {"diplomacy.phone_call", "diplomacy", "Phone call"},
    {"diplomacy.joint_statement", "diplomacy", "Joint statement"},
    {"diplomacy.agreement.signed", "diplomacy", "Agreement signed"},
    {"diplomacy.commission.session", "diplomacy", "Commission session"},
    {"economy.deal.signed", "economy", "Business deal"},
    {"transport.agreement.signed", "transport_energy", "Transport agreement"},
    {"security.military_aid.agreement", "security", "Military aid agreement"},
    {"education_culture.memorandum.signed", "education_culture", "Cultural memorandum"}};
constexpr const char* kWords[] = {
    "trade",     "railway",   "corridor", "energy",     "pipeline", "port",       "investment",
    "customs",   "transit",   "logistics", "education", "culture",  "university", "tourism",
    "agriculture", "digital", "telecom",  "banking",    "loan",     "security",   "defence",
    "cooperation", "memorandum", "forum", "summit",     "ministers", "delegation", "exports",
    "imports",   "container", "freight",  "green",      "solar",    "wind",       "gas",
    "oil",       "chemical",  "textile",  "machinery",  "pharmaceutical", "visa",  "flights"};

dyad::type::v1::PartialDate RandomDate(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> year(1991, 2025), month(1, 12), prec(0, 99);
  dyad::type::v1::PartialDate d;
  d.set_year(year(rng));
  const int p = prec(rng);
  if (p < 85) d.set_month(month(rng));
  if (p < 60) {
    std::uniform_int_distribution<int> day(1, dyad::DaysInMonth(d.year(), d.month()));
    d.set_day(day(rng));
  }
  return d;
}

// GDELT-shaped: messages of at most 10,000 events (the RPC's limit) through
// EventCore, as the server would write them.
int GenerateGdelt(std::unique_ptr<dyad::events::EventStore> store, int n) {
  auto plugins = dyad::bench::GdeltPlugins();
  dyad::events::EventCore core(std::move(store), plugins.get());
  if (auto lines = core.LoadPluginRecords(); !lines.ok()) {
    std::fprintf(stderr, "%s\n", std::string(lines.status().message()).c_str());
    return 1;
  }
  dyad::bench::GdeltGenerator gen(absl::GetFlag(FLAGS_seed), absl::GetFlag(FLAGS_rows_per_day));
  const int batch = std::clamp(absl::GetFlag(FLAGS_batch), 1, 10000);
  const absl::Time start = absl::Now();
  dyad::events::v1::ImportEventsResponse summary;
  int64_t index = 0;
  for (int done = 0; done < n;) {
    dyad::events::v1::ImportEventsRequest m;
    const int k = std::min(batch, n - done);
    gen.Fill(k, &m);
    if (auto s = core.ImportEvents(&m, &index, &summary); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
    done += k;
    if (done % 1000000 == 0 || done == n) {
      const double secs = absl::ToDoubleSeconds(absl::Now() - start);
      std::fprintf(stderr, "%d events in %.0f s (%.0f/s)\n", done, secs, done / secs);
    }
  }
  if (auto s = core.FinishImport(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("{\"events\":%d,\"created\":%lld,\"rejected\":%lld,\"seconds\":%.1f}\n", n,
              static_cast<long long>(summary.created()), static_cast<long long>(summary.rejected()),
              absl::ToDoubleSeconds(absl::Now() - start));
  return summary.rejected() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string db = absl::GetFlag(FLAGS_db);
  const int n = absl::GetFlag(FLAGS_events);
  if (db.empty() || n < 0) {
    std::fprintf(stderr, "usage: dyad-scalegen --db=PATH --events=N\n");
    return 2;
  }
  const std::string shape = absl::GetFlag(FLAGS_shape);
  if (shape != "curated" && shape != "gdelt") {
    std::fprintf(stderr, "--shape must be curated or gdelt, got \"%s\"\n", shape.c_str());
    return 2;
  }
  auto store = dyad::events::OpenSqliteEventStore(db);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  if (shape == "gdelt") return GenerateGdelt(std::move(*store), n);
  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));
  const int nc = sizeof(kCountries) / sizeof(kCountries[0]);
  std::uniform_int_distribution<int> country(0, nc - 1), kind(0, 9), word(0, 41), pct(0, 99),
      extra_days(1, 4), para(1, 40);
  const absl::Time start = absl::Now();
  std::vector<dyad::events::v1::Event> batch;
  for (int i = 0; i < n; ++i) {
    dyad::events::v1::Event e;
    e.set_name(absl::StrCat("events/synthetic-", absl::GetFlag(FLAGS_seed), "-", i));
    const Kind& k = kKinds[kind(rng)];
    e.set_kind(k.id);
    e.set_domain(k.domain);
    const char* a = kCountries[country(rng)];
    const char* b = kCountries[country(rng)];
    while (std::string(b) == a) b = kCountries[country(rng)];
    e.add_countries(a);
    e.add_countries(b);
    if (pct(rng) < 10) {
      const char* c = kCountries[country(rng)];
      if (std::string(c) != a && std::string(c) != b) e.add_countries(c);
    }
    *e.mutable_date() = RandomDate(rng);
    if (e.date().day() > 0 && pct(rng) < 10) {
      *e.mutable_end_date() = e.date();
      const int last = dyad::DaysInMonth(e.date().year(), e.date().month());
      e.mutable_end_date()->set_day(std::min(last, e.date().day() + extra_days(rng)));
    }
    e.set_title(absl::StrCat(k.label, " between ", a, " and ", b, " on ", kWords[word(rng)]));
    std::string summary = "Synthetic record for load tests:";
    for (int w = 0; w < 24; ++w) absl::StrAppend(&summary, " ", kWords[word(rng)]);
    e.set_summary(summary + ".");
    auto* c = e.add_citations();
    c->set_source_id("synthetic");
    c->set_locator(absl::StrCat("p", para(rng)));
    batch.push_back(std::move(e));
    if (static_cast<int>(batch.size()) == absl::GetFlag(FLAGS_batch) || i + 1 == n) {
      if (auto s = (*store)->InsertBatch(batch); !s.ok()) {
        std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
        return 1;
      }
      batch.clear();
    }
  }
  std::printf("{\"events\":%d,\"seconds\":%.1f}\n", n, absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

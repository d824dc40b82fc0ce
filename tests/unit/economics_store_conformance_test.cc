// One conformance suite for every ObservationStore engine: the same cases run
// against SQLite and a real PostgreSQL 15 (tests/testing/pg_server.h; skipped,
// saying why, when PostgreSQL is not installed). A difference between the
// engines is a failure here.
//
// Covered: plugin records load idempotently (also when several stores on one
// database load at once), upgrades replace, removals delete, API records
// survive all of it and reopening; duplicate names; series in one or both
// country orders, totals apart from commodities; every List filter with the
// partial-date overlap rule; keyset pages stable under inserts; bytewise
// name order; total_size; the bulk import (created/updated/unchanged, a row
// repeated in one message, a name held by another record, all or nothing,
// two stores importing the same rows at once, a large import with its rate).
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/partial_date.h"
#include "common/pg/connection.h"
#include "common/pg/pool.h"
#include "common/sqlite/database.h"
#include "observation_store.h"
#include "testing/pg_server.h"
#include "testing/status_matchers.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Observation;
using ::testing::ElementsAre;

enum class Engine { kSqlite, kPostgres };

Observation Obs(const std::string& id, const std::string& indicator, const std::string& reporter,
                const std::string& partner, int year, double value, int month = 0) {
  Observation o;
  o.set_name("observations/" + id);
  o.set_indicator(indicator);
  o.set_reporter(reporter);
  o.set_partner(partner);
  if (year > 0) {
    o.mutable_period()->set_year(year);
    o.mutable_period()->set_month(month);
  }
  o.mutable_value()->set_value(value);
  o.mutable_value()->set_unit("USD");
  auto* c = o.add_citations();
  c->set_source_id("s");
  c->set_locator("p1");
  return o;
}

// An imported figure as EconomicsCore::MapImported makes it.
ImportedObservation Imported(const std::string& upstream_id, int year, double value,
                             const std::string& commodity = "") {
  ImportedObservation in;
  in.dataset = "comtrade";
  in.upstream_id = upstream_id;
  Observation& o = in.observation;
  o.set_name("observations/comtrade-" + upstream_id);
  o.set_indicator("trade.exports");
  o.set_reporter("GEO");
  o.set_partner("ARM");
  o.mutable_period()->set_year(year);
  o.mutable_value()->set_value(value);
  o.mutable_value()->set_unit("USD");
  o.set_commodity(commodity);
  o.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  auto* c = o.add_citations();
  c->set_source_id("comtrade");
  c->mutable_row()->set_upstream_id(upstream_id);
  return in;
}

std::vector<std::string> Names(const std::vector<Observation>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.push_back(o.name());
  return out;
}

class EconomicsStoreConformance : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kPostgres) {
      DYAD_PG_OR_SKIP(pg);
      ASSERT_OK_AND_ASSIGN(uri_, pg->CreateDatabase());
    }
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }

  // A store on this test's database; each call opens it anew (a restart, or
  // another replica).
  absl::StatusOr<std::unique_ptr<ObservationStore>> Open() {
    if (GetParam() == Engine::kSqlite) return OpenSqliteObservationStore(path_);
    pg::PoolOptions options;
    options.uri = uri_;
    options.size = 2;
    return OpenPgObservationStore(std::make_shared<pg::Pool>(std::move(options)));
  }

  // Runs `sql` on the test's database outside any store (to inject faults).
  absl::Status Execute(const std::string& sqlite_sql, const std::string& pg_sql) {
    if (GetParam() == Engine::kSqlite) {
      auto db = sql::Database::Open(path_);
      if (!db.ok()) return db.status();
      return (*db)->Execute(sqlite_sql);
    }
    auto c = pg::Connection::Open(uri_, "", absl::Seconds(10));
    if (!c.ok()) return c.status();
    return (*c)->Execute(pg_sql);
  }

  static int64_t Count(ObservationStore& store, ObservationQuery q = {}) {
    q.limit = 1;
    auto page = store.List(q);
    return page.ok() ? page->total_size : -1;
  }

  // Every name matching `q`, following the cursor `limit` at a time; each
  // page's total_size must agree with the number of names in the end.
  static std::vector<std::string> AllPages(ObservationStore& store, ObservationQuery q,
                                           int limit) {
    q.limit = limit;
    std::vector<std::string> out;
    int64_t total = -1;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = store.List(q);
      if (!page.ok()) {
        ADD_FAILURE() << page.status();
        return out;
      }
      total = page->total_size;
      for (auto& n : Names(page->observations)) out.push_back(n);
      if (!page->next) {
        EXPECT_EQ(total, static_cast<int64_t>(out.size()));
        return out;
      }
      q.after = page->next;
    }
    ADD_FAILURE() << "pages never ended";
    return out;
  }

  static std::string TestFileName() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    return name;
  }

  std::string path_ = ::testing::TempDir() + "/economics_conformance_" +
                      std::to_string(getpid()) + "_" + TestFileName() + ".db";
  std::string uri_;
};

TEST_P(EconomicsStoreConformance, PluginSyncIsIdempotentAndLeavesApiRecordsAlone) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  std::vector<Observation> v1 = {Obs("p-a", "t", "AZE", "CHN", 2018, 1),
                                 Obs("p-b", "t", "AZE", "CHN", 2019, 2)};
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("plug", "1.0.0", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
  ASSERT_OK(store->Insert(Obs("api", "t", "AZE", "CHN", 2019, 3)));
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("plug", "1.0.0", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);
  // New content under the same version: replaced.
  ASSERT_OK_AND_ASSIGN(
      o, store->SyncPlugin("plug", "1.0.0", "fp2", {Obs("p-c", "t", "AZE", "CHN", 2020, 4)}));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  ASSERT_OK_AND_ASSIGN(auto series, store->ListSeries("t", "AZE", "CHN", false));
  EXPECT_THAT(Names(series), ElementsAre("observations/api", "observations/p-c"));
  // A plugin record may not take an API record's name; the failed sync
  // changes nothing.
  EXPECT_STATUS(store->SyncPlugin("plug", "2.0.0", "fp3",
                                  {Obs("p-d", "t", "AZE", "CHN", 2021, 1),
                                   Obs("api", "t", "AZE", "CHN", 2020, 1)}),
                absl::StatusCode::kFailedPrecondition, "observations/api is already taken");
  EXPECT_OK(store->Get("observations/p-c"));
  EXPECT_STATUS(store->Get("observations/p-d"), absl::StatusCode::kNotFound, "p-d");
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("plug", "1.0.0", "fp2", {}));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);
  // Another plugin's records are its own; removing a plugin deletes its
  // records (and their country rows) only.
  ASSERT_OK(store->SyncPlugin("other", "1", "fo", {Obs("o-a", "t", "KAZ", "CHN", 2018, 1)}));
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({"other"}));
  EXPECT_THAT(removed, ElementsAre("plug"));
  ASSERT_OK_AND_ASSIGN(series, store->ListSeries("t", "AZE", "CHN", false));
  EXPECT_THAT(Names(series), ElementsAre("observations/api"));
  ObservationQuery by_country;
  by_country.countries = {"CHN"};
  EXPECT_THAT(AllPages(*store, by_country, 10), ElementsAre("observations/o-a", "observations/api"));
  ASSERT_OK_AND_ASSIGN(removed, store->RemovePluginsExcept({"other"}));
  EXPECT_TRUE(removed.empty());
}

TEST_P(EconomicsStoreConformance, ApiRecordsAndPluginStateSurviveReopening) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_OK(store->Insert(Obs("kept", "t", "AZE", "CHN", 2019, 7)));
    ASSERT_OK(store->SyncPlugin("plug", "1", "fp", {Obs("p", "t", "AZE", "CHN", 2018, 1)}));
    ASSERT_OK(store->Import({Imported("R1", 2017, 5)}));
  }
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK_AND_ASSIGN(Observation o, store->Get("observations/kept"));
  EXPECT_EQ(o.value().value(), 7);
  ASSERT_OK_AND_ASSIGN(auto outcome, store->SyncPlugin("plug", "1", "fp", {}));
  EXPECT_EQ(outcome, SyncOutcome::kUnchanged);
  ASSERT_OK_AND_ASSIGN(auto outcomes, store->Import({Imported("R1", 2017, 5)}));
  EXPECT_THAT(outcomes, ElementsAre(ImportOutcome::kUnchanged));
}

TEST_P(EconomicsStoreConformance, DuplicateInsertIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Obs("a", "t", "AZE", "CHN", 2019, 3)));
  EXPECT_STATUS(store->Insert(Obs("a", "t", "AZE", "CHN", 2020, 4)),
                absl::StatusCode::kAlreadyExists, "observations/a");
  EXPECT_STATUS(store->Get("observations/zz"), absl::StatusCode::kNotFound, "observations/zz");
  ASSERT_OK_AND_ASSIGN(Observation a, store->Get("observations/a"));
  EXPECT_EQ(a.period().year(), 2019);
  EXPECT_OK(store->Insert(Obs("b", "t", "AZE", "CHN", 2020, 4)));
  EXPECT_EQ(Count(*store), 2);
}

TEST_P(EconomicsStoreConformance, SeriesInOneOrBothOrdersSortedByPeriodThenName) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  Observation to_date = Obs("z-stock", "t", "CHN", "AZE", 0, 9);
  to_date.mutable_as_of()->set_year(2015);
  Observation fuel = Obs("fuel", "t", "AZE", "CHN", 2018, 6);
  fuel.set_commodity("HS:27");
  for (const auto& o :
       {Obs("b-2019", "t", "AZE", "CHN", 2019, 1), Obs("a-2019", "t", "CHN", "AZE", 2019, 2),
        Obs("c-2018", "t", "AZE", "CHN", 2018, 3), to_date, Obs("other", "t", "AZE", "KAZ", 2018, 4),
        Obs("u", "u", "AZE", "CHN", 2018, 5), fuel, Obs("self", "t", "AZE", "AZE", 2018, 1)}) {
    ASSERT_OK(store->Insert(o));
  }
  ASSERT_OK_AND_ASSIGN(auto both, store->ListSeries("t", "AZE", "CHN", true));
  EXPECT_THAT(Names(both), ElementsAre("observations/c-2018", "observations/a-2019",
                                       "observations/b-2019", "observations/z-stock"));
  ASSERT_OK_AND_ASSIGN(auto one, store->ListSeries("t", "AZE", "CHN", false));
  EXPECT_THAT(Names(one), ElementsAre("observations/c-2018", "observations/b-2019"));
  ASSERT_OK_AND_ASSIGN(auto fuels, store->ListSeries("t", "CHN", "AZE", true, "HS:27"));
  EXPECT_THAT(Names(fuels), ElementsAre("observations/fuel"));
  // Reporter = partner: each figure once.
  ASSERT_OK_AND_ASSIGN(auto self, store->ListSeries("t", "AZE", "AZE", true));
  EXPECT_THAT(Names(self), ElementsAre("observations/self"));
  ObservationQuery q;
  q.countries = {"AZE"};
  q.indicator = "t";
  EXPECT_EQ(Count(*store, q), 6);  // the fuel figure is not a total; self once
}

TEST_P(EconomicsStoreConformance, ListFiltersPagesAndTotals) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  Observation stock = Obs("stock", "a", "CHN", "AZE", 0, 1);
  stock.mutable_as_of()->set_year(2015);
  Observation fuel = Obs("fuel", "a", "AZE", "CHN", 2019, 1);
  fuel.set_commodity("HS:27");
  for (const auto& o :
       {Obs("x1", "b", "AZE", "CHN", 2019, 1), Obs("x2", "a", "AZE", "CHN", 2020, 1),
        Obs("x3", "a", "AZE", "CHN", 2019, 1), Obs("x4", "a", "KAZ", "CHN", 2019, 1),
        Obs("x5", "a", "AZE", "", 2019, 1, 6), Obs("x6", "b", "KAZ", "AZE", 2018, 1), stock,
        fuel}) {
    ASSERT_OK(store->Insert(o));
  }
  ASSERT_OK(store->Import({Imported("R1", 2019, 1)}));  // trade.exports GEO → ARM
  auto list = [&](ObservationQuery q) { return AllPages(*store, q, 2); };
  // Unfiltered: indicator, then period (year before its months, "to date"
  // last), then name.
  EXPECT_THAT(list({}), ElementsAre("observations/x3", "observations/x4", "observations/x5",
                                    "observations/x2", "observations/stock", "observations/x6",
                                    "observations/x1", "observations/comtrade-R1"));
  ObservationQuery q;
  q.indicator = "a";
  EXPECT_THAT(list(q), ElementsAre("observations/x3", "observations/x4", "observations/x5",
                                   "observations/x2", "observations/stock"));
  q.countries = {"AZE"};
  EXPECT_THAT(list(q), ElementsAre("observations/x3", "observations/x5", "observations/x2",
                                   "observations/stock"));
  q.countries = {"AZE", "CHN"};
  EXPECT_THAT(list(q), ElementsAre("observations/x3", "observations/x2", "observations/stock"));
  q.countries = {"CHN", "KAZ"};
  EXPECT_THAT(list(q), ElementsAre("observations/x4"));
  q = ObservationQuery();
  q.countries = {"KAZ"};
  EXPECT_THAT(list(q), ElementsAre("observations/x4", "observations/x6"));
  // Partial dates overlap the period: "2019" spans the year, "June 2019"
  // the month; a figure "to date" is placed on its as_of.
  q = ObservationQuery();
  q.indicator = "a";
  q.period = DaySpan{DayNumber(2019, 6, 10), DayNumber(2019, 6, 10)};
  EXPECT_THAT(list(q), ElementsAre("observations/x3", "observations/x4", "observations/x5"));
  q.period = DaySpan{DayNumber(2019, 7, 1), DayNumber(2019, 12, 31)};
  EXPECT_THAT(list(q), ElementsAre("observations/x3", "observations/x4"));
  q.period = DaySpan{DayNumber(2015, 1, 1), DayNumber(2015, 12, 31)};
  EXPECT_THAT(list(q), ElementsAre("observations/stock"));
  q.period = DaySpan{DayNumber(2020, 1, 1), kMaxDay};
  q.countries = {"AZE"};
  EXPECT_THAT(list(q), ElementsAre("observations/x2"));
  // Commodity figures only when asked for; origin.
  q = ObservationQuery();
  q.commodity = "HS:27";
  EXPECT_THAT(list(q), ElementsAre("observations/fuel"));
  q = ObservationQuery();
  q.origin = dyad::type::v1::ORIGIN_MACHINE_CODED;
  EXPECT_THAT(list(q), ElementsAre("observations/comtrade-R1"));
  q.countries = {"ARM"};
  EXPECT_THAT(list(q), ElementsAre("observations/comtrade-R1"));
  q.origin = dyad::type::v1::ORIGIN_CURATED;
  EXPECT_THAT(list(q), ElementsAre());
}

TEST_P(EconomicsStoreConformance, PagesAreKeysetStableUnderInserts) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  for (const char* id : {"b", "d", "f"}) ASSERT_OK(store->Insert(Obs(id, "t", "AZE", "CHN", 2019, 1)));
  ASSERT_OK(store->Insert(Obs("z", "t", "AZE", "CHN", 2000, 1)));
  ObservationQuery q;
  q.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto page, store->List(q));
  EXPECT_THAT(Names(page.observations), ElementsAre("observations/z", "observations/b"));
  EXPECT_EQ(page.total_size, 4);
  ASSERT_TRUE(page.next.has_value());
  // A figure inserted before the cursor does not shift the next page.
  ASSERT_OK(store->Insert(Obs("a", "t", "AZE", "CHN", 2019, 1)));
  q.after = page.next;
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_THAT(Names(page.observations), ElementsAre("observations/d", "observations/f"));
  EXPECT_EQ(page.total_size, 5);
  EXPECT_FALSE(page.next.has_value());  // the last page holds exactly the limit
  // The same through a country's slice.
  q = ObservationQuery();
  q.countries = {"CHN"};
  q.limit = 3;
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_THAT(Names(page.observations),
              ElementsAre("observations/z", "observations/a", "observations/b"));
  ASSERT_OK(store->Insert(Obs("ab", "t", "AZE", "CHN", 2019, 1)));
  q.after = page.next;
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_THAT(Names(page.observations), ElementsAre("observations/d", "observations/f"));
  EXPECT_EQ(page.total_size, 6);
}

TEST_P(EconomicsStoreConformance, NamesOrderBytewise) {
  // Cursors carry names and indicators; both engines must order them the
  // same way (bytewise), whatever the database's collation.
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  for (const char* id : {"b", "B", "a-z", "a_z", "az", "Z", "é"}) {
    ASSERT_OK(store->Insert(Obs(id, "t", "AZE", "CHN", 2019, 1)));
  }
  ASSERT_OK(store->Insert(Obs("lower", "t.x", "AZE", "CHN", 2019, 1)));
  ASSERT_OK(store->Insert(Obs("upper", "T", "AZE", "CHN", 2019, 1)));
  const std::vector<std::string> want = {
      "observations/upper", "observations/B",  "observations/Z",     "observations/a-z",
      "observations/a_z",   "observations/az", "observations/b",     "observations/é",
      "observations/lower"};
  EXPECT_EQ(AllPages(*store, ObservationQuery{}, 3), want);
  ObservationQuery q;
  q.countries = {"AZE"};
  EXPECT_EQ(AllPages(*store, q, 2), want);
}

TEST_P(EconomicsStoreConformance, ImportCreatesUpdatesAndLeavesUnchanged) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK_AND_ASSIGN(auto out, store->Import({Imported("R1", 2017, 5), Imported("R2", 2018, 6),
                                                Imported("F1", 2018, 1, "HS:27")}));
  EXPECT_THAT(out, ElementsAre(ImportOutcome::kCreated, ImportOutcome::kCreated,
                               ImportOutcome::kCreated));
  // Corrected R2 (a new period too), R1 again, a new R3.
  ASSERT_OK_AND_ASSIGN(out, store->Import({Imported("R2", 2019, 7), Imported("R1", 2017, 5),
                                           Imported("R3", 2020, 8)}));
  EXPECT_THAT(out, ElementsAre(ImportOutcome::kUpdated, ImportOutcome::kUnchanged,
                               ImportOutcome::kCreated));
  ASSERT_OK_AND_ASSIGN(Observation r2, store->Get("observations/comtrade-R2"));
  EXPECT_EQ(r2.value().value(), 7);
  ASSERT_OK_AND_ASSIGN(auto series, store->ListSeries("trade.exports", "GEO", "ARM", false));
  EXPECT_THAT(Names(series), ElementsAre("observations/comtrade-R1", "observations/comtrade-R2",
                                         "observations/comtrade-R3"));
  // The country rows followed the update: the old period is gone.
  ObservationQuery q;
  q.countries = {"ARM"};
  q.period = DaySpan{DayNumber(2018, 1, 1), DayNumber(2018, 12, 31)};
  EXPECT_EQ(Count(*store, q), 0);
  q.period = DaySpan{DayNumber(2019, 1, 1), DayNumber(2019, 12, 31)};
  EXPECT_EQ(Count(*store, q), 1);
  // A row repeated in one message: compared with its previous occurrence.
  ASSERT_OK_AND_ASSIGN(out, store->Import({Imported("R4", 2021, 1), Imported("R4", 2021, 1),
                                           Imported("R4", 2021, 2), Imported("R1", 2017, 9),
                                           Imported("R1", 2017, 5)}));
  EXPECT_THAT(out, ElementsAre(ImportOutcome::kCreated, ImportOutcome::kUnchanged,
                               ImportOutcome::kUpdated, ImportOutcome::kUpdated,
                               ImportOutcome::kUpdated));
  ASSERT_OK_AND_ASSIGN(Observation r4, store->Get("observations/comtrade-R4"));
  EXPECT_EQ(r4.value().value(), 2);
  ASSERT_OK_AND_ASSIGN(Observation r1, store->Get("observations/comtrade-R1"));
  EXPECT_EQ(r1.value().value(), 5);
  q = ObservationQuery();
  q.origin = dyad::type::v1::ORIGIN_MACHINE_CODED;
  EXPECT_EQ(Count(*store, q), 4);  // R1..R4 (F1 is a commodity figure)
  q.commodity = "HS:27";
  EXPECT_EQ(Count(*store, q), 1);
}

TEST_P(EconomicsStoreConformance, ImportedNameHeldByAnotherRecordIsReported) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Obs("comtrade-R1", "t", "AZE", "CHN", 2019, 3)));
  ASSERT_OK(store->SyncPlugin("plug", "1", "fp", {Obs("comtrade-R2", "t", "AZE", "CHN", 2019, 3)}));
  ASSERT_OK_AND_ASSIGN(auto out, store->Import({Imported("R1", 2017, 5), Imported("R3", 2017, 5),
                                                Imported("R2", 2017, 5), Imported("R1", 2017, 5)}));
  EXPECT_THAT(out, ElementsAre(ImportOutcome::kNameTaken, ImportOutcome::kCreated,
                               ImportOutcome::kNameTaken, ImportOutcome::kNameTaken));
  ASSERT_OK_AND_ASSIGN(Observation held, store->Get("observations/comtrade-R1"));
  EXPECT_EQ(held.indicator(), "t");
  EXPECT_EQ(Count(*store), 3);
  // Two upstream ids whose names coincide (ids that differ only in case or
  // punctuation): the first row keeps the name, in this message and later.
  ImportedObservation twin = Imported("R9", 2019, 1);
  twin.upstream_id = "r-9";
  ASSERT_OK_AND_ASSIGN(out, store->Import({Imported("R9", 2019, 1), twin}));
  EXPECT_THAT(out, ElementsAre(ImportOutcome::kCreated, ImportOutcome::kNameTaken));
  ASSERT_OK_AND_ASSIGN(out, store->Import({twin, Imported("R9", 2019, 2)}));
  EXPECT_THAT(out, ElementsAre(ImportOutcome::kNameTaken, ImportOutcome::kUpdated));
  ASSERT_OK_AND_ASSIGN(Observation r9, store->Get("observations/comtrade-R9"));
  EXPECT_EQ(r9.value().value(), 2);
}

TEST_P(EconomicsStoreConformance, ImportIsAllOrNothing) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Import({Imported("R1", 2017, 5)}));
  ASSERT_OK(Execute(
      "CREATE TRIGGER fail_one BEFORE INSERT ON observations WHEN new.commodity = 'HS:27' "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
      "CREATE FUNCTION fail_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "RAISE EXCEPTION 'injected failure'; END $$; "
      "CREATE TRIGGER fail_one BEFORE INSERT ON observations FOR EACH ROW "
      "WHEN (new.commodity = 'HS:27') EXECUTE FUNCTION fail_one();"));
  auto out = store->Import(
      {Imported("R1", 2017, 6), Imported("R2", 2018, 1), Imported("F1", 2018, 1, "HS:27")});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), ::testing::HasSubstr("injected failure"));
  // Nothing of the message stayed: R1 as before, no R2.
  ASSERT_OK_AND_ASSIGN(Observation r1, store->Get("observations/comtrade-R1"));
  EXPECT_EQ(r1.value().value(), 5);
  EXPECT_STATUS(store->Get("observations/comtrade-R2"), absl::StatusCode::kNotFound, "R2");
  EXPECT_EQ(Count(*store), 1);
  // The store is usable afterwards.
  ASSERT_OK_AND_ASSIGN(out, store->Import({Imported("R2", 2018, 1)}));
  EXPECT_THAT(*out, ElementsAre(ImportOutcome::kCreated));
}

TEST_P(EconomicsStoreConformance, StoresOpenedTogetherLoadPluginsOnce) {
  // Replicas starting together: each opens (migrates) and loads the same
  // plugin at once; exactly one loads it, the others find it loaded.
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<ObservationStore>> stores(kReplicas);
  std::vector<absl::StatusOr<SyncOutcome>> outcomes(kReplicas, absl::UnknownError("not run"));
  std::vector<Observation> records;
  for (int i = 0; i < 200; ++i) {
    records.push_back(Obs(absl::StrCat("r", i), "t", "AZE", i % 2 ? "CHN" : "KAZ", 1990 + i % 30, i));
  }
  {
    std::vector<std::thread> threads;
    for (int r = 0; r < kReplicas; ++r) {
      threads.emplace_back([&, r] {
        auto s = Open();
        if (!s.ok()) {
          outcomes[r] = s.status();
          return;
        }
        stores[r] = std::move(*s);
        outcomes[r] = stores[r]->SyncPlugin("p", "1", "fp", records);
      });
    }
    for (auto& t : threads) t.join();
  }
  int loaded = 0;
  for (auto& o : outcomes) {
    ASSERT_OK(o);
    loaded += *o == SyncOutcome::kLoaded;
  }
  EXPECT_EQ(loaded, 1);
  for (auto& s : stores) EXPECT_EQ(Count(*s), 200);
  // Writes through one are seen through the others.
  ASSERT_OK(stores[0]->Insert(Obs("api", "t", "AZE", "CHN", 2020, 1)));
  for (auto& s : stores) EXPECT_OK(s->Get("observations/api"));
  EXPECT_STATUS(stores[1]->Insert(Obs("api", "t", "AZE", "CHN", 2021, 1)),
                absl::StatusCode::kAlreadyExists, "api");
}

TEST_P(EconomicsStoreConformance, StoresImportingTheSameRowsAtOnceCreateEachOnce) {
  // Two replicas import overlapping messages at the same time: every row
  // is created exactly once, and the summaries add up.
  ASSERT_OK_AND_ASSIGN(auto a, Open());
  ASSERT_OK_AND_ASSIGN(auto b, Open());
  constexpr int kMessages = 10, kRows = 200;
  std::vector<std::vector<ImportedObservation>> messages(kMessages);
  for (int m = 0; m < kMessages; ++m) {
    for (int r = 0; r < kRows; ++r) {
      const int row = m * kRows / 2 + r;  // each message overlaps the next by half
      messages[m].push_back(Imported(absl::StrCat("R", row), 1990 + row % 30, row));
    }
  }
  int created[2] = {0, 0}, unchanged[2] = {0, 0};
  absl::Status failed[2];
  auto run = [&](int who, ObservationStore* store) {
    for (int m = 0; m < kMessages; ++m) {
      auto out = store->Import(messages[who ? kMessages - 1 - m : m]);
      if (!out.ok()) {
        failed[who] = out.status();
        return;
      }
      for (auto o : *out) {
        created[who] += o == ImportOutcome::kCreated;
        unchanged[who] += o == ImportOutcome::kUnchanged;
      }
    }
  };
  std::thread ta(run, 0, a.get()), tb(run, 1, b.get());
  ta.join();
  tb.join();
  ASSERT_OK(failed[0]);
  ASSERT_OK(failed[1]);
  const int distinct = (kMessages + 1) * kRows / 2;
  EXPECT_EQ(created[0] + created[1], distinct);
  EXPECT_EQ(created[0] + created[1] + unchanged[0] + unchanged[1], 2 * kMessages * kRows);
  EXPECT_EQ(Count(*a), distinct);
  EXPECT_EQ(Count(*b), distinct);
}

TEST_P(EconomicsStoreConformance, LargeImportInMessagesOfTenThousand) {
  // The bulk path at the service's largest message (10,000 rows); the rate
  // is printed for the record (a figure, not a timed assertion).
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  constexpr int kMessages = 5, kRows = 10000;
  std::vector<std::vector<ImportedObservation>> messages(kMessages);
  for (int m = 0; m < kMessages; ++m) {
    for (int r = 0; r < kRows; ++r) {
      const int row = m * kRows + r;
      ImportedObservation in = Imported(absl::StrCat("C", row), 1990 + row % 35, row);
      in.observation.set_reporter(row % 3 ? "GEO" : "AZE");
      in.observation.set_commodity(row % 2 ? "" : absl::StrCat("HS:", row % 97));
      messages[m].push_back(std::move(in));
    }
  }
  auto run = [&](ImportOutcome want) {
    const absl::Time start = absl::Now();
    for (const auto& message : messages) {
      auto out = store->Import(message);
      if (!out.ok()) {
        ADD_FAILURE() << out.status();
        return 0.0;
      }
      int matching = 0;
      for (auto o : *out) matching += o == want;
      EXPECT_EQ(matching, kRows);
    }
    return kMessages * kRows / absl::ToDoubleSeconds(absl::Now() - start);
  };
  const double created_rate = run(ImportOutcome::kCreated);
  const double unchanged_rate = run(ImportOutcome::kUnchanged);
  ObservationQuery q;
  q.origin = dyad::type::v1::ORIGIN_MACHINE_CODED;
  EXPECT_EQ(Count(*store, q), kMessages * kRows / 2);  // the totals
  int64_t aze_totals = 0;  // odd rows are totals; every third row is AZE's
  for (int row = 0; row < kMessages * kRows; ++row) aze_totals += row % 2 == 1 && row % 3 == 0;
  q.countries = {"AZE"};
  EXPECT_EQ(Count(*store, q), aze_totals);
  std::printf("[figure] %s import: %.0f rows/s new, %.0f rows/s unchanged (%d messages of %d)\n",
              GetParam() == Engine::kSqlite ? "sqlite" : "postgresql", created_rate,
              unchanged_rate, kMessages, kRows);
}

TEST_P(EconomicsStoreConformance, ReadOnlySessionStartsOnceSchemaAndPluginsAreCurrent) {
  // A replica pointed at a hot standby (every transaction read-only) opens,
  // finds its plugin loaded and serves reads, once a replica on the primary
  // has migrated and loaded; a write fails instead of being lost.
  if (GetParam() != Engine::kPostgres) GTEST_SKIP() << "a PostgreSQL notion";
  std::vector<Observation> records = {Obs("p", "t", "AZE", "CHN", 2018, 1)};
  {
    ASSERT_OK_AND_ASSIGN(auto primary, Open());
    ASSERT_OK(primary->SyncPlugin("plug", "1", "fp", records));
  }
  pg::PoolOptions options;
  options.uri = uri_ + "&options=-c%20default_transaction_read_only%3Don";
  options.size = 1;
  ASSERT_OK_AND_ASSIGN(auto standby,
                       OpenPgObservationStore(std::make_shared<pg::Pool>(std::move(options))));
  ASSERT_OK_AND_ASSIGN(auto outcome, standby->SyncPlugin("plug", "1", "fp", records));
  EXPECT_EQ(outcome, SyncOutcome::kUnchanged);
  ASSERT_OK_AND_ASSIGN(auto removed, standby->RemovePluginsExcept({"plug"}));
  EXPECT_TRUE(removed.empty());
  EXPECT_OK(standby->Get("observations/p"));
  EXPECT_EQ(Count(*standby), 1);
  EXPECT_FALSE(standby->Insert(Obs("w", "t", "AZE", "CHN", 2019, 1)).ok());
  EXPECT_FALSE(standby->SyncPlugin("plug", "2", "fp2", records).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, EconomicsStoreConformance,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace dyad::economics

// One conformance suite for every EventStore engine: the same cases run
// against SQLite and a real PostgreSQL 15 (tests/testing/pg_server.h;
// skipped, saying why, when PostgreSQL is not installed), and a randomized
// case that loads the same data into both engines and asks both the same
// questions. A difference between the engines is a failure here.
//
// Covered: plugin records load idempotently (also when several stores on
// one database load at once), upgrades replace, removals delete, API
// records survive; duplicate names; the partial-date overlap rule; every
// ListEvents filter; keyset pages stable under inserts; total_size; the
// full-text query (prefix, case and diacritics folded); the import path
// (created, unchanged when sent twice, updated for a corrected row, name
// taken); CountEvents by month, kind and QuadClass with Goldstein and tone
// sums, by direction and origin, over whole and part months.
#include <unistd.h>

#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/pg/pool.h"
#include "common/pg/search_terms.h"
#include "common/validation.h"
#include "event_core.h"
#include "event_changes.h"
#include "event_store.h"
#include "google/protobuf/util/message_differencer.h"
#include "testing/pg_server.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;
using ::testing::ElementsAre;

enum class Engine { kSqlite, kPostgres };

Event Make(const std::string& id, int year, int month = 0, int day = 0,
           std::vector<std::string> countries = {"AZE", "CHN"}) {
  Event e;
  e.set_name("events/" + id);
  e.set_kind("diplomacy.visit");
  e.set_domain("diplomacy");
  e.set_title(id);
  e.set_origin(dyad::type::v1::ORIGIN_CURATED);
  e.mutable_date()->set_year(year);
  e.mutable_date()->set_month(month);
  e.mutable_date()->set_day(day);
  for (auto& c : countries) e.add_countries(c);
  auto* cit = e.add_citations();
  cit->set_source_id("src");
  cit->set_locator("p1");
  return e;
}

// A machine-coded record of dataset row `row`, from `source` to `target`.
Event Coded(const std::string& row, int year, int month, int day, const std::string& source,
            const std::string& target, int quad = 1, double goldstein = 2.5, double tone = -1.0,
            const std::string& kind = "cameo.consult") {
  Event e;
  e.set_name("events/gdelt-" + row);
  e.set_kind(kind);
  e.set_domain("diplomacy");
  e.set_title(absl::StrCat("Coded ", kind, " ", source, " to ", target));
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  e.mutable_date()->set_year(year);
  e.mutable_date()->set_month(month);
  e.mutable_date()->set_day(day);
  e.add_countries(source);
  if (target != source) e.add_countries(target);
  auto* c = e.mutable_coded();
  c->set_dataset("gdelt");
  c->set_source_country(source);
  c->set_target_country(target);
  c->set_quad_class(quad);
  c->set_goldstein(goldstein);
  c->set_avg_tone(tone);
  auto* cit = e.add_citations();
  cit->set_source_id("gdelt");
  cit->mutable_row()->set_upstream_id(row);
  return e;
}

std::vector<ImportedEvent> AsImport(const std::vector<Event>& events) {
  std::vector<ImportedEvent> out;
  for (const auto& e : events) out.push_back({&e, "gdelt", e.citations(0).row().upstream_id()});
  return out;
}

std::vector<std::string> Names(const EventPage& page) {
  std::vector<std::string> out;
  for (const auto& body : page.bodies) {
    Event e;
    EXPECT_TRUE(e.ParseFromString(body));
    out.push_back(e.name());
  }
  return out;
}

// The reply ListEvents frames from the stored bytes (SerializeListEventsResponse)
// against the one the typed API builds from the parsed events: the same
// message, and the same bytes.
void ExpectFramedReplyMatchesTyped(const EventPage& page) {
  dyad::events::v1::ListEventsResponse typed;
  for (const auto& body : page.bodies) ASSERT_TRUE(typed.add_events()->ParseFromString(body));
  typed.set_total_size(static_cast<int32_t>(page.total_size));
  const std::string token = page.next ? EncodePageToken(*page.next) : "";
  typed.set_next_page_token(token);
  if (!page.release.id.empty()) *typed.mutable_release() = ReleaseProto(page.release);
  const std::string framed = SerializeListEventsResponse(page, token);
  dyad::events::v1::ListEventsResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(framed));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, typed))
      << parsed.ShortDebugString() << "\n  vs typed\n" << typed.ShortDebugString();
  EXPECT_EQ(framed, typed.SerializeAsString());
}

// Every name matching `q`, following the pages `limit` at a time; each
// page's total_size must agree with the number of names.
std::vector<std::string> AllPages(EventStore& store, EventQuery q, int limit,
                                  int64_t* total = nullptr) {
  q.limit = limit;
  std::vector<std::string> out;
  int64_t first_total = -1;
  for (int guard = 0; guard < 1000; ++guard) {
    auto page = store.List(q);
    if (!page.ok()) {
      ADD_FAILURE() << page.status();
      return out;
    }
    if (first_total < 0) first_total = page->total_size;
    ExpectFramedReplyMatchesTyped(*page);
    for (auto& n : Names(*page)) out.push_back(n);
    if (!page->next) {
      if (total) *total = first_total;
      return out;
    }
    q.after = page->next;
  }
  ADD_FAILURE() << "pages never ended";
  return out;
}

int64_t Total(EventStore& store, EventQuery q = {}) {
  q.limit = 1;
  auto page = store.List(q);
  return page.ok() ? page->total_size : -1;
}

std::string TestFileName() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

absl::StatusOr<std::unique_ptr<EventStore>> OpenPg(const std::string& uri, int pool_size = 2) {
  pg::PoolOptions options;
  options.uri = uri;
  options.size = pool_size;
  return OpenPgEventStore(std::make_shared<pg::Pool>(std::move(options)));
}

class EventStoreConformance : public ::testing::TestWithParam<Engine> {
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

  // A store on this test's database; each call opens it anew (a restart,
  // or another replica).
  absl::StatusOr<std::unique_ptr<EventStore>> Open() {
    if (GetParam() == Engine::kSqlite) return OpenSqliteEventStore(path_);
    return OpenPg(uri_);
  }

  std::string path_ = ::testing::TempDir() + "/event_conformance_" + std::to_string(getpid()) +
                      "_" + TestFileName() + ".db";
  std::string uri_;
};

TEST_P(EventStoreConformance, PluginSyncIsIdempotentAndUpgradesReplace) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  std::vector<Event> v1 = {Make("a", 2000), Make("b", 2001)};
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);
  ASSERT_OK(store->Insert(Make("api", 2002)));
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "2", "fp2", {Make("c", 2003)}));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  EXPECT_STATUS(store->Get("events/a"), absl::StatusCode::kNotFound, "events/a");
  EXPECT_OK(store->Get("events/c"));
  EXPECT_OK(store->Get("events/api"));
  EXPECT_EQ(Total(*store), 2);
  // The replaced records' dyad rows and monthly totals went with them.
  EventQuery dyad;
  dyad.countries = {"AZE", "CHN"};
  EXPECT_THAT(AllPages(*store, dyad, 10), ElementsAre("events/api", "events/c"));
  EXPECT_EQ(Total(*store, dyad), 2);
  CountQuery c;
  c.countries = {"AZE", "CHN"};
  c.by_kind = false;
  ASSERT_OK_AND_ASSIGN(auto rows, store->Count(c));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].year, 2002);
  EXPECT_EQ(rows[1].year, 2003);
}

TEST_P(EventStoreConformance, ApiRecordsSurviveReopenAndPluginRemoval) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_OK(store->SyncPlugin("p", "1", "fp", {Make("a", 2000)}));
    ASSERT_OK(store->SyncPlugin("q", "1", "fq", {Make("b", 2000)}));
    ASSERT_OK(store->Insert(Make("api", 2002)));
  }
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK_AND_ASSIGN(Event api, store->Get("events/api"));
  EXPECT_EQ(api.date().year(), 2002);
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp", {Make("a", 2000)}));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);  // remembered across the reopen
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({"q"}));
  EXPECT_EQ(removed, std::vector<std::string>{"p"});
  EXPECT_STATUS(store->Get("events/a"), absl::StatusCode::kNotFound, "events/a");
  EXPECT_OK(store->Get("events/b"));
  EventQuery q;
  q.countries = {"CHN"};
  EXPECT_EQ(Total(*store, q), 2);
  ASSERT_OK_AND_ASSIGN(removed, store->RemovePluginsExcept({"q"}));
  EXPECT_TRUE(removed.empty());
}

TEST_P(EventStoreConformance, PluginRecordCollidingWithApiRecordFailsClearly) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("a", 2002)));
  EXPECT_STATUS(store->SyncPlugin("p", "1", "fp", {Make("b", 2001), Make("a", 2000)}),
                absl::StatusCode::kFailedPrecondition, "events/a is already taken");
  EXPECT_EQ(Total(*store), 1);  // the failed sync changed nothing
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp", {Make("b", 2001)}));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
}

TEST_P(EventStoreConformance, DuplicateInsertIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("a", 2002)));
  EXPECT_STATUS(store->Insert(Make("a", 2003)), absl::StatusCode::kAlreadyExists, "events/a");
  EXPECT_STATUS(store->InsertBatch({Make("c", 2003), Make("a", 2003)}),
                absl::StatusCode::kAlreadyExists, "");
  EXPECT_STATUS(store->Get("events/c"), absl::StatusCode::kNotFound, "events/c");  // all or none
  ASSERT_OK_AND_ASSIGN(Event a, store->Get("events/a"));
  EXPECT_EQ(a.date().year(), 2002);
  ASSERT_OK_AND_ASSIGN(std::string bytes, store->GetSerialized("events/a"));
  EXPECT_EQ(bytes, a.SerializeAsString());
  EXPECT_OK(store->Insert(Make("b", 2002)));
  EXPECT_EQ(Total(*store), 2);
}

TEST_P(EventStoreConformance, PartialDatesOverlapThePeriod) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("year", 2011)));             // all of 2011
  ASSERT_OK(store->Insert(Make("month", 2011, 3)));         // March 2011
  ASSERT_OK(store->Insert(Make("day", 2011, 3, 15)));       // one day
  Event spell = Make("spell", 2010, 11, 20);                // 20 Nov 2010 .. Feb 2011
  spell.mutable_end_date()->set_year(2011);
  spell.mutable_end_date()->set_month(2);
  ASSERT_OK(store->Insert(spell));
  ASSERT_OK(store->Insert(Make("later", 2012, 1, 1)));
  auto list = [&](int64_t first, int64_t last, std::vector<std::string> countries) {
    EventQuery q;
    q.period = DaySpan{first, last};
    q.countries = std::move(countries);
    int64_t total = -1;
    auto names = AllPages(*store, q, 2, &total);
    EXPECT_EQ(total, static_cast<int64_t>(names.size()));
    return names;
  };
  for (auto countries : {std::vector<std::string>{}, std::vector<std::string>{"AZE"},
                         std::vector<std::string>{"AZE", "CHN"}}) {
    SCOPED_TRACE(countries.size());
    EXPECT_THAT(list(DayNumber(2011, 3, 15), DayNumber(2011, 3, 15), countries),
                ElementsAre("events/year", "events/month", "events/day"));
    EXPECT_THAT(list(DayNumber(2011, 2, 1), DayNumber(2011, 2, 28), countries),
                ElementsAre("events/spell", "events/year"));
    EXPECT_THAT(list(DayNumber(2011, 12, 31), kMaxDay, countries),
                ElementsAre("events/year", "events/later"));
    EXPECT_THAT(list(kMinDay, DayNumber(2010, 12, 1), countries), ElementsAre("events/spell"));
    EXPECT_THAT(list(DayNumber(2010, 1, 1), DayNumber(2010, 11, 19), countries), ElementsAre());
    // Whole months, so the dyad total comes from the monthly counts.
    EXPECT_THAT(list(DayNumber(2011, 1, 1), DayNumber(2011, 3, 31), countries),
                ElementsAre("events/spell", "events/year", "events/month", "events/day"));
  }
}

TEST_P(EventStoreConformance, FiltersAndTotals) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  Event a = Make("a", 2011, 3, 15, {"AZE", "CHN", "TUR"});
  Event b = Make("b", 2011, 0, 0, {"AZE", "CHN"});
  b.set_kind("economy.trade");
  b.set_domain("economy");
  Event c = Make("c", 2012, 12, 0, {"AZE", "TUR"});
  c.set_kind("diplomacy.treaty");
  Event d = Make("d", 1999, 1, 1, {"CHN"});
  for (const auto& e : {a, b, c, d}) ASSERT_OK(store->Insert(e));
  std::vector<Event> coded = {Coded("1", 2011, 5, 1, "AZE", "CHN")};
  ASSERT_OK(store->Import(AsImport(coded)));
  auto list = [&](EventQuery q) {
    int64_t total = -1;
    auto names = AllPages(*store, q, 2, &total);
    EXPECT_EQ(total, static_cast<int64_t>(names.size()));
    return names;
  };
  EventQuery q;
  EXPECT_THAT(list(q), ElementsAre("events/d", "events/b", "events/a", "events/gdelt-1",
                                   "events/c"));
  q.countries = {"AZE", "CHN", "TUR"};
  EXPECT_THAT(list(q), ElementsAre("events/a"));
  q.countries = {"AZE", "TUR"};
  EXPECT_THAT(list(q), ElementsAre("events/a", "events/c"));
  q.countries = {"CHN"};
  EXPECT_THAT(list(q), ElementsAre("events/d", "events/b", "events/a", "events/gdelt-1"));
  q.kinds = {"diplomacy.visit", "diplomacy.treaty"};
  EXPECT_THAT(list(q), ElementsAre("events/d", "events/a"));
  q.kinds.clear();
  q.domains = {"economy"};
  EXPECT_THAT(list(q), ElementsAre("events/b"));
  q.domains.clear();
  q.origin = dyad::type::v1::ORIGIN_MACHINE_CODED;
  EXPECT_THAT(list(q), ElementsAre("events/gdelt-1"));
  q.countries = {"AZE", "CHN"};  // a dyad and origin alone: total from monthly counts
  EXPECT_THAT(list(q), ElementsAre("events/gdelt-1"));
  q.origin = dyad::type::v1::ORIGIN_CURATED;
  EXPECT_THAT(list(q), ElementsAre("events/b", "events/a"));
  q = EventQuery();
  q.kinds = {"diplomacy.treaty"};
  q.countries = {"AZE"};
  q.period = DaySpan{DayNumber(2012, 1, 1), kMaxDay};
  EXPECT_THAT(list(q), ElementsAre("events/c"));
}

TEST_P(EventStoreConformance, PagesAreKeysetStableUnderInserts) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  // Driven by the time index (no country) and by the dyad index.
  for (const std::string prefix : {"", "t-"}) {
    SCOPED_TRACE(prefix);
    const std::vector<std::string> countries =
        prefix.empty() ? std::vector<std::string>{"AZE", "CHN"}
                       : std::vector<std::string>{"AZE", "TUR"};
    for (const char* id : {"b", "d", "f"}) {
      ASSERT_OK(store->Insert(Make(prefix + id, 2000, 0, 0, countries)));  // by name
    }
    ASSERT_OK(store->Insert(Make(prefix + "z", 1999, 0, 0, countries)));
    EventQuery q;
    if (!prefix.empty()) q.countries = countries;
    q.limit = 2;
    ASSERT_OK_AND_ASSIGN(auto page, store->List(q));
    EXPECT_THAT(Names(page), ElementsAre("events/" + prefix + "z", "events/" + prefix + "b"));
    EXPECT_EQ(page.total_size, 4);
    ASSERT_TRUE(page.next.has_value());
    // A record inserted before the cursor does not shift the next page.
    ASSERT_OK(store->Insert(Make(prefix + "a", 2000, 0, 0, countries)));
    q.after = page.next;
    ASSERT_OK_AND_ASSIGN(page, store->List(q));
    EXPECT_THAT(Names(page), ElementsAre("events/" + prefix + "d", "events/" + prefix + "f"));
    EXPECT_EQ(page.total_size, 5);
    EXPECT_FALSE(page.next.has_value());  // the last page holds exactly the limit
  }
}

TEST_P(EventStoreConformance, NamesOrderBytewise) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  for (const char* id : {"b", "B", "a-z", "a_z", "az", "Z", "é"}) {
    ASSERT_OK(store->Insert(Make(id, 2000)));
  }
  const auto want = ElementsAre("events/B", "events/Z", "events/a-z", "events/a_z", "events/az",
                                "events/b", "events/é");
  EXPECT_THAT(AllPages(*store, EventQuery{}, 3), want);
  EventQuery dyad;
  dyad.countries = {"AZE", "CHN"};
  EXPECT_THAT(AllPages(*store, dyad, 3), want);
}

TEST_P(EventStoreConformance, TextQueryMatchesPrefixesOfEveryWordFoldingCaseAndAccents) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  Event road = Make("road", 2013);
  road.set_title("Belt and Road forum");
  road.set_summary("Leaders met in Beijing");
  Event ada = Make("ada", 2014);
  ada.set_title("Türk Dünyası Ağdam talks");
  Event oil = Make("oil", 2015);
  oil.set_title("State Oil Company visit");
  oil.set_summary("Road show; e-mail.security talks");
  for (const auto& e : {road, ada, oil}) ASSERT_OK(store->Insert(e));
  auto names = [&](const std::string& text, std::vector<std::string> countries = {}) {
    EventQuery q;
    q.fts_query = ToFtsQuery(text);
    q.countries = std::move(countries);
    int64_t total = -1;
    auto out = AllPages(*store, q, 10, &total);
    EXPECT_EQ(total, static_cast<int64_t>(out.size())) << text;
    return out;
  };
  EXPECT_THAT(names("bel"), ElementsAre("events/road"));
  EXPECT_THAT(names("ROAD"), ElementsAre("events/road", "events/oil"));
  EXPECT_THAT(names("road beij"), ElementsAre("events/road"));  // title and summary
  EXPECT_THAT(names("turk dunya"), ElementsAre("events/ada"));  // ü → u
  EXPECT_THAT(names("AGDAM"), ElementsAre("events/ada"));       // ğ → g
  EXPECT_THAT(names("road", {"AZE", "CHN"}), ElementsAre("events/road", "events/oil"));
  EXPECT_THAT(names("nothing-here"), ElementsAre());
  // Punctuation separates words on both engines (PostgreSQL's parser alone
  // would keep "e-mail.security" as one host-like token).
  EXPECT_THAT(names("secur"), ElementsAre("events/oil"));
  EXPECT_THAT(names("mail"), ElementsAre("events/oil"));
  EXPECT_THAT(names("state:* & | ! ( ' \""), ElementsAre("events/oil"));
  // The index follows replaced records.
  ASSERT_OK(store->SyncPlugin("p", "1", "f1", {[] {
                                Event e = Make("plug", 2016);
                                e.set_title("alpha words");
                                return e;
                              }()}));
  EXPECT_THAT(names("alpha"), ElementsAre("events/plug"));
  ASSERT_OK(store->SyncPlugin("p", "2", "f2", {[] {
                                Event e = Make("plug", 2016);
                                e.set_title("beta words");
                                return e;
                              }()}));
  EXPECT_THAT(names("alpha"), ElementsAre());
  EXPECT_THAT(names("beta"), ElementsAre("events/plug"));
}

TEST_P(EventStoreConformance, ImportOutcomes) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("gdelt-9", 2001)));  // an API record holding a row's name
  std::vector<Event> batch = {Coded("1", 2020, 1, 5, "AZE", "GEO"),
                              Coded("2", 2020, 2, 0, "GEO", "AZE", 3, -4.0, 2.25),
                              Coded("9", 2020, 3, 1, "AZE", "GEO")};
  ASSERT_OK_AND_ASSIGN(auto o, store->Import(AsImport(batch)));
  EXPECT_THAT(o, ElementsAre(ImportOutcome::kCreated, ImportOutcome::kCreated,
                             ImportOutcome::kNameTaken));
  // Sent twice: nothing changes.
  ASSERT_OK_AND_ASSIGN(o, store->Import(AsImport(batch)));
  EXPECT_THAT(o, ElementsAre(ImportOutcome::kUnchanged, ImportOutcome::kUnchanged,
                             ImportOutcome::kNameTaken));
  // A corrected row replaces its record; its counts move with it.
  std::vector<Event> fixed = {Coded("2", 2021, 7, 0, "GEO", "AZE", 4, -8.0, 1.5),
                              Coded("3", 2020, 1, 9, "AZE", "GEO"),
                              Coded("3", 2020, 1, 9, "AZE", "GEO")};  // twice in one message
  ASSERT_OK_AND_ASSIGN(o, store->Import(AsImport(fixed)));
  EXPECT_THAT(o, ElementsAre(ImportOutcome::kUpdated, ImportOutcome::kCreated,
                             ImportOutcome::kUnchanged));
  ASSERT_OK_AND_ASSIGN(Event two, store->Get("events/gdelt-2"));
  EXPECT_EQ(two.date().year(), 2021);
  EXPECT_EQ(two.coded().quad_class(), 4);
  ASSERT_OK_AND_ASSIGN(Event nine, store->Get("events/gdelt-9"));
  EXPECT_EQ(nine.origin(), dyad::type::v1::ORIGIN_CURATED);  // the API record stays
  EXPECT_OK(store->Flush());

  EventQuery q;
  q.countries = {"AZE", "GEO"};
  EXPECT_THAT(AllPages(*store, q, 2),
              ElementsAre("events/gdelt-1", "events/gdelt-3", "events/gdelt-2"));
  EXPECT_EQ(Total(*store, q), 3);
  CountQuery c;
  c.countries = {"AZE", "GEO"};
  c.by_kind = false;
  ASSERT_OK_AND_ASSIGN(auto rows, store->Count(c));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].year, 2020);
  EXPECT_EQ(rows[0].month, 1);
  EXPECT_EQ(rows[0].count, 2);
  EXPECT_EQ(rows[0].goldstein_sum, 5.0);
  EXPECT_EQ(rows[1].year, 2021);
  EXPECT_EQ(rows[1].month, 7);
  EXPECT_EQ(rows[1].count, 1);
  EXPECT_EQ(rows[1].goldstein_sum, -8.0);
  EXPECT_EQ(rows[1].tone_sum, 1.5);
  // No month left behind by the correction.
  c.first_day = DayNumber(2020, 2, 1);
  c.last_day = DayNumber(2020, 2, 29);
  ASSERT_OK_AND_ASSIGN(rows, store->Count(c));
  EXPECT_TRUE(rows.empty());
}

TEST_P(EventStoreConformance, CountsByMonthKindAndQuadWithSums) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  std::vector<Event> batch = {
      Coded("1", 2020, 1, 5, "AZE", "GEO", 1, 2.5, -1.0),
      Coded("2", 2020, 1, 20, "GEO", "AZE", 3, -4.0, 2.25, "cameo.protest"),
      Coded("3", 2020, 1, 0, "AZE", "GEO", 1, 1.0, 0.5),                 // month only
      Coded("4", 2020, 0, 0, "AZE", "GEO", 2, 7.0, 3.0, "cameo.aid"),    // year only
      Coded("5", 2020, 2, 10, "AZE", "AZE", 1, 3.0, 1.0),                // one country
      Coded("6", 2021, 6, 30, "AZE", "GEO", 4, -10.0, -6.5, "cameo.fight"),
  };
  ASSERT_OK(store->Import(AsImport(batch)));
  auto count = [&](std::vector<std::string> countries, int64_t first, int64_t last,
                   int direction, bool by_kind, int origin = 0) {
    CountQuery q;
    q.countries = std::move(countries);
    q.first_day = first;
    q.last_day = last;
    q.direction = direction;
    q.by_kind = by_kind;
    q.origin = origin;
    auto rows = store->Count(q);
    EXPECT_OK(rows);
    std::vector<std::string> out;
    for (const auto& r : rows.value_or(std::vector<CountRow>{})) {
      out.push_back(absl::StrCat(r.year, "-", r.month, " ", r.kind, " q", r.quad_class, " n",
                                 r.count, " g", r.goldstein_sum, "/", r.goldstein_count, " t",
                                 r.tone_sum, "/", r.tone_count));
    }
    return out;
  };
  EXPECT_THAT(count({"AZE", "GEO"}, kMinDay, kMaxDay, 0, false),
              ElementsAre("2020-0  q0 n1 g7/1 t3/1", "2020-1  q0 n3 g-0.5/3 t1.75/3",
                          "2021-6  q0 n1 g-10/1 t-6.5/1"));
  EXPECT_THAT(count({"AZE", "GEO"}, kMinDay, kMaxDay, 0, true),
              ElementsAre("2020-0 cameo.aid q2 n1 g7/1 t3/1",
                          "2020-1 cameo.consult q1 n2 g3.5/2 t-0.5/2",
                          "2020-1 cameo.protest q3 n1 g-4/1 t2.25/1",
                          "2021-6 cameo.fight q4 n1 g-10/1 t-6.5/1"));
  // Directed: GEO -> AZE only.
  EXPECT_THAT(count({"AZE", "GEO"}, kMinDay, kMaxDay, 2, false),
              ElementsAre("2020-1  q0 n1 g-4/1 t2.25/1"));
  // Part months (given to the day): only dates lying wholly inside count.
  EXPECT_THAT(count({"AZE", "GEO"}, DayNumber(2020, 1, 10), DayNumber(2021, 6, 29), 0, false),
              ElementsAre("2020-1  q0 n1 g-4/1 t2.25/1"));
  EXPECT_THAT(count({"AZE", "GEO"}, DayNumber(2020, 1, 1), DayNumber(2020, 12, 31), 0, false),
              ElementsAre("2020-0  q0 n1 g7/1 t3/1", "2020-1  q0 n3 g-0.5/3 t1.75/3"));
  // One country: every event it takes part in.
  EXPECT_THAT(count({"AZE"}, DayNumber(2020, 2, 1), DayNumber(2020, 2, 29), 0, false),
              ElementsAre("2020-2  q0 n1 g3/1 t1/1"));
  EXPECT_THAT(count({"AZE", "GEO"}, kMinDay, kMaxDay, 0, false, dyad::type::v1::ORIGIN_CURATED),
              ElementsAre());
  EXPECT_STATUS(store->Count(CountQuery{}), absl::StatusCode::kInvalidArgument, "");
}

TEST_P(EventStoreConformance, StoresOpenedTogetherLoadPluginsOnce) {
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<EventStore>> stores(kReplicas);
  std::vector<absl::StatusOr<SyncOutcome>> outcomes(kReplicas, absl::UnknownError("not run"));
  std::vector<Event> records;
  for (int i = 0; i < 50; ++i) records.push_back(Make("r" + std::to_string(i), 1990 + i % 30));
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
  EventQuery dyad;
  dyad.countries = {"AZE", "CHN"};
  for (auto& s : stores) {
    EXPECT_EQ(Total(*s), 50);
    EXPECT_EQ(Total(*s, dyad), 50);  // monthly totals counted once
  }
  ASSERT_OK(stores[0]->Insert(Make("api", 2020)));
  for (auto& s : stores) EXPECT_OK(s->Get("events/api"));
  EXPECT_STATUS(stores[1]->Insert(Make("api", 2021)), absl::StatusCode::kAlreadyExists, "api");
}

TEST_P(EventStoreConformance, ConcurrentImportsOfOverlappingRowsCountEachOnce) {
  // Replicas importing the same file at once (a retried stream): every row
  // stored once, monthly totals equal to the events.
  std::vector<std::unique_ptr<EventStore>> stores;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto s, Open());
    stores.push_back(std::move(s));
  }
  std::vector<Event> events;
  for (int i = 0; i < 600; ++i) {
    events.push_back(Coded(std::to_string(i), 2020 + i % 3, 1 + i % 12, 1 + i % 28,
                           i % 2 ? "AZE" : "GEO", i % 2 ? "GEO" : "AZE"));
  }
  std::vector<std::thread> threads;
  std::vector<int64_t> created(stores.size(), 0);
  for (size_t t = 0; t < stores.size(); ++t) {
    threads.emplace_back([&, t] {
      for (size_t start = 0; start < events.size(); start += 100) {
        std::vector<Event> part(events.begin() + start, events.begin() + start + 100);
        auto o = stores[t]->Import(AsImport(part));
        ASSERT_OK(o);
        for (auto x : *o) created[t] += x == ImportOutcome::kCreated;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created[0] + created[1] + created[2], 600);
  EventQuery q;
  q.countries = {"AZE", "GEO"};
  EXPECT_EQ(Total(*stores[0], q), 600);
  CountQuery c;
  c.countries = {"AZE", "GEO"};
  c.by_kind = false;
  ASSERT_OK_AND_ASSIGN(auto rows, stores[1]->Count(c));
  int64_t n = 0;
  for (const auto& r : rows) n += r.count;
  EXPECT_EQ(n, 600);
}

INSTANTIATE_TEST_SUITE_P(Engines, EventStoreConformance,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

// The search column's lexemes folded in C++ (common/pg/search_terms.h)
// are the server's own: for fixed texts with accents, symbols, ligatures,
// long words and mixed scripts, and for random ones, the word list of
// SearchVectorSql equals that of to_tsvector('simple', unaccent(text)).
TEST(SearchTerms, FoldAsTheServerDoes) {
  EXPECT_EQ(pg::SplitSearchTerms("Azerbaijan → Georgia, CAMEO 010").lexemes,
            "010 azerbaijan cameo georgia");
  EXPECT_EQ(pg::SplitSearchTerms("Azerbaijan → Georgia").rest, "");
  EXPECT_EQ(pg::SplitSearchTerms("Bakı and Şuşa").rest, "Bakı Şuşa");
  DYAD_PG_OR_SKIP(pg);
  ASSERT_OK_AND_ASSIGN(std::string uri, pg->CreateDatabase());
  ASSERT_OK_AND_ASSIGN(auto store, OpenPg(uri));  // creates the unaccent extension
  pg::PoolOptions options;
  options.uri = uri;
  options.size = 1;
  pg::Pool pool(options);
  std::vector<std::string> texts = {
      "Machine-coded by GDELT 2.0: CAMEO event 036 between Azerbaijan → China, QuadClass 1, "
      "Goldstein 4, 12 articles.",
      "Heydər Əliyev visits Beijing", "AZƏRBAYCAN–ÇİN", "İlham Aliyev in Şanghay",
      "Azerbaijan→Georgia", "“Belt and Road” «forum» … ‘x’ — y", "ﬁnance ½ ©2020 Œuvre",
      "café CAFÉ Café naïve Ångström straße", "1e5 3rd 0x1F 010 2015-2024 v1.2.3",
      "e-mail.security cameo.consult a_b", std::string(3000, 'w') + " short",
      "日本 中国 Россия Türkiye", "", "   ", "→ → —"};
  std::mt19937 rng(5);
  const std::vector<std::string> pieces = {"a",  "Z",  "7",  " ", "-", ".", "→", "é",
                                           "İ", "ə", "“", "—", "…", "ß", "ﬁ", "中"};
  for (int i = 0; i < 300; ++i) {
    std::string t;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int j = 0; j < n; ++j) t += pieces[rng() % pieces.size()];
    texts.push_back(t);
  }
  for (std::string text : texts) {
    // As the stores hand it over: ASCII non-alphanumerics are spaces.
    for (char& c : text) {
      if (static_cast<unsigned char>(c) < 0x80 && !absl::ascii_isalnum(c)) c = ' ';
    }
    const pg::SearchTerms terms = pg::SplitSearchTerms(text);
    const std::string sql = absl::StrCat(
        "SELECT array_to_string(tsvector_to_array(to_tsvector('simple', unaccent($1::TEXT))), "
        "' '), array_to_string(tsvector_to_array(",
        pg::SearchVectorSql("$2::TEXT", "$3::TEXT"), "), ' ')");
    ASSERT_OK(pool.With(
        [&](pg::Connection& c) -> absl::Status {
          auto r = c.Run(sql, pg::Params().Text(text).Text(terms.lexemes).Text(terms.rest));
          if (!r.ok()) return r.status();
          EXPECT_EQ(r->Text(0, 1), r->Text(0, 0)) << "text: " << text;
          return absl::OkStatus();
        },
        true));
  }
}

// The same random data in both engines, the same random questions: the
// answers must be equal (pages, tokens' positions, totals, counts and sums).
TEST(EventStoreEnginesAgree, RandomDataSameAnswers) {
  DYAD_PG_OR_SKIP(pg);
  ASSERT_OK_AND_ASSIGN(std::string uri, pg->CreateDatabase());
  const std::string path = ::testing::TempDir() + "/event_engines_agree_" +
                           std::to_string(getpid()) + ".db";
  ASSERT_OK_AND_ASSIGN(auto lite, OpenSqliteEventStore(path));
  ASSERT_OK_AND_ASSIGN(auto pgs, OpenPg(uri));
  std::vector<EventStore*> both = {lite.get(), pgs.get()};
  std::mt19937 rng(12);
  const std::vector<std::string> countries = {"AZE", "CHN", "GEO", "TUR"};
  const std::vector<std::string> kinds = {"cameo.consult", "cameo.aid", "cameo.protest"};
  const std::vector<std::string> words = {"border", "trade", "pipeline", "summit", "Bakı", "Çin"};
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  auto date = [&](Event& e) {
    e.mutable_date()->set_year(2015 + static_cast<int>(rng() % 6));
    const int precision = static_cast<int>(rng() % 10);
    if (precision >= 1) e.mutable_date()->set_month(1 + static_cast<int>(rng() % 12));
    if (precision >= 3) {
      const int days = DaysInMonth(e.date().year(), e.date().month());
      e.mutable_date()->set_day(1 + static_cast<int>(rng() % days));
      if (rng() % 10 == 0) {
        *e.mutable_end_date() = e.date();
        e.mutable_end_date()->set_year(e.date().year() + static_cast<int>(rng() % 2));
        e.mutable_end_date()->set_day(DaysInMonth(e.end_date().year(), e.date().month()));
      }
    }
  };
  // Curated records through the API and a plugin, machine-coded ones
  // imported in messages, then corrections.
  std::vector<Event> curated, plugin;
  for (int i = 0; i < 150; ++i) {
    Event e = Make(absl::StrCat("c", i), 2000, 0, 0, {});
    date(e);
    std::set<std::string> cs = {pick(countries), pick(countries)};
    if (rng() % 4 == 0) cs.insert(pick(countries));
    for (const auto& c : cs) e.add_countries(c);
    e.set_title(absl::StrCat(pick(words), " ", pick(words)));
    e.set_summary(pick(words));
    if (rng() % 3 == 0) {
      e.set_kind("economy.trade");
      e.set_domain("economy");
    }
    (i % 3 == 0 ? plugin : curated).push_back(e);
  }
  std::vector<Event> coded;
  for (int i = 0; i < 1500; ++i) {
    std::string s = pick(countries), t = pick(countries);
    Event e = Coded(std::to_string(i), 2015, 1, 1, s, t, 1 + static_cast<int>(rng() % 4),
                    static_cast<int>(rng() % 81) / 4.0 - 10, static_cast<int>(rng() % 400) / 8.0 - 25,
                    pick(kinds));
    e.clear_date();
    date(e);
    e.clear_end_date();
    e.set_title(absl::StrCat(pick(words), " ", s));
    coded.push_back(e);
  }
  for (EventStore* s : both) {
    ASSERT_OK(s->SyncPlugin("p", "1", "f", plugin));
    for (const auto& e : curated) ASSERT_OK(s->Insert(e));
    for (size_t start = 0; start < coded.size(); start += 250) {
      std::vector<Event> part(coded.begin() + start, coded.begin() + start + 250);
      ASSERT_OK(s->Import(AsImport(part)));
    }
  }
  std::vector<Event> fixes;
  for (size_t i = 0; i < coded.size(); i += 11) {
    Event e = coded[i];
    date(e);
    e.mutable_coded()->set_goldstein(-e.coded().goldstein());
    fixes.push_back(e);
  }
  for (EventStore* s : both) {
    ASSERT_OK_AND_ASSIGN(auto a, s->Import(AsImport(fixes)));
    ASSERT_OK_AND_ASSIGN(auto b, s->Import(AsImport(fixes)));
    for (auto o : b) EXPECT_EQ(o, ImportOutcome::kUnchanged);
  }

  auto day_between = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  const int64_t lo = DayNumber(2014, 6, 1), hi = DayNumber(2022, 6, 1);
  int lists = 0, counts = 0;
  int64_t listed = 0, counted = 0;  // the questions had answers to compare
  for (int round = 0; round < 120; ++round) {
    EventQuery q;
    const int nc = static_cast<int>(rng() % 4);
    std::set<std::string> cs;
    for (int i = 0; i < nc; ++i) cs.insert(pick(countries));
    q.countries.assign(cs.begin(), cs.end());
    if (rng() % 3) {
      int64_t a = day_between(lo, hi), b = day_between(lo, hi);
      if (a > b) std::swap(a, b);
      q.period = DaySpan{rng() % 5 == 0 ? kMinDay : a, rng() % 5 == 0 ? kMaxDay : b};
    }
    if (rng() % 4 == 0) q.kinds = {pick(kinds), "diplomacy.visit"};
    if (rng() % 6 == 0) q.domains = {"economy"};
    if (rng() % 5 == 0) q.fts_query = ToFtsQuery(pick(words).substr(0, 3));
    if (rng() % 4 == 0) q.origin = 1 + static_cast<int>(rng() % 2);
    const int limit = 1 + static_cast<int>(rng() % 40);
    int64_t t0 = -1, t1 = -2;
    auto n0 = AllPages(*lite, q, limit, &t0);
    auto n1 = AllPages(*pgs, q, limit, &t1);
    EXPECT_EQ(n0, n1) << "round " << round;
    EXPECT_EQ(t0, t1) << "round " << round;
    EXPECT_EQ(t0, static_cast<int64_t>(n0.size())) << "round " << round;
    ++lists;
    listed += static_cast<int64_t>(n0.size());

    CountQuery c;
    std::vector<std::string> pair = {pick(countries), pick(countries)};
    std::sort(pair.begin(), pair.end());
    c.countries = pair[0] == pair[1] ? std::vector<std::string>{pair[0]} : pair;
    if (rng() % 3) {
      int64_t a = day_between(lo, hi), b = day_between(lo, hi);
      if (a > b) std::swap(a, b);
      c.first_day = rng() % 5 == 0 ? kMinDay : a;
      c.last_day = rng() % 5 == 0 ? kMaxDay : b;
    }
    c.direction = c.countries.size() == 2 ? static_cast<int>(rng() % 3) : 0;
    c.origin = rng() % 4 == 0 ? 2 : 0;
    c.by_kind = rng() % 2;
    ASSERT_OK_AND_ASSIGN(auto r0, lite->Count(c));
    ASSERT_OK_AND_ASSIGN(auto r1, pgs->Count(c));
    ASSERT_EQ(r0.size(), r1.size()) << "round " << round;
    for (size_t i = 0; i < r0.size(); ++i) {
      EXPECT_EQ(std::tie(r0[i].year, r0[i].month, r0[i].kind, r0[i].quad_class, r0[i].count,
                         r0[i].goldstein_count, r0[i].tone_count),
                std::tie(r1[i].year, r1[i].month, r1[i].kind, r1[i].quad_class, r1[i].count,
                         r1[i].goldstein_count, r1[i].tone_count))
          << "round " << round;
      EXPECT_EQ(r0[i].goldstein_sum, r1[i].goldstein_sum) << "round " << round;
      EXPECT_EQ(r0[i].tone_sum, r1[i].tone_sum) << "round " << round;
    }
    ++counts;
    for (const auto& r : r0) counted += r.count;
  }
  EXPECT_GT(listed, 10000);
  EXPECT_GT(counted, 5000);
  std::cout << "engines agree on " << lists << " listings (" << listed << " events) and " << counts
            << " counts (" << counted << " events)\n";
  lite.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
}

}  // namespace
}  // namespace dyad::events

// Plugin record loading is idempotent, upgrades replace, removals delete,
// and API records survive all of it and restarts; a database of schema
// version 4 is migrated with its events intact; counts read from the
// monthly totals agree with counting event by event.
#include <unistd.h>

#include <random>

#include "common/partial_date.h"
#include "common/sqlite/database.h"
#include "event_store.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

Event MakeEvent(const std::string& name, int year) {
  Event e;
  e.set_name(name);
  e.set_kind("k");
  e.set_domain("d");
  e.set_title(name);
  e.mutable_date()->set_year(year);
  e.add_countries("AZE");
  e.add_countries("CHN");
  return e;
}

int64_t Count(EventStore& store) {
  EventQuery q;
  q.limit = 1;
  auto page = store.List(q);
  return page.ok() ? page->total_size : -1;
}

class EventStoreTest : public ::testing::Test {
 protected:
  std::string path_ = ::testing::TempDir() + "/events_store_test_" + std::to_string(getpid()) + ".db";
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }
};

TEST_F(EventStoreTest, PluginSyncIsIdempotentAndUpgradesReplace) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  std::vector<Event> v1 = {MakeEvent("events/a", 2000), MakeEvent("events/b", 2001)};
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);
  ASSERT_OK(store->Insert(MakeEvent("events/api", 2002)));
  std::vector<Event> v2 = {MakeEvent("events/c", 2003)};
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "2", "fp2", v2));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  EXPECT_STATUS(store->Get("events/a"), absl::StatusCode::kNotFound, "events/a");
  EXPECT_OK(store->Get("events/c"));
  EXPECT_OK(store->Get("events/api"));
  EXPECT_EQ(Count(*store), 2);
}

TEST_F(EventStoreTest, ApiRecordsSurviveRestartAndPluginRemoval) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
    ASSERT_OK(store->SyncPlugin("p", "1", "fp", {MakeEvent("events/a", 2000)}));
    ASSERT_OK(store->Insert(MakeEvent("events/api", 2002)));
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  EXPECT_OK(store->Get("events/api"));
  EXPECT_OK(store->Get("events/a"));
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({}));
  EXPECT_EQ(removed, std::vector<std::string>{"p"});
  EXPECT_STATUS(store->Get("events/a"), absl::StatusCode::kNotFound, "");
  EXPECT_OK(store->Get("events/api"));
}

TEST_F(EventStoreTest, PluginRecordCollidingWithApiRecordFailsClearly) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  ASSERT_OK(store->Insert(MakeEvent("events/a", 2002)));
  EXPECT_STATUS(store->SyncPlugin("p", "1", "fp", {MakeEvent("events/a", 2000)}),
                absl::StatusCode::kFailedPrecondition, "events/a is already taken");
  // The failed sync changed nothing.
  EXPECT_EQ(Count(*store), 1);
}

TEST_F(EventStoreTest, DuplicateInsertIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(":memory:"));
  ASSERT_OK(store->Insert(MakeEvent("events/a", 2002)));
  EXPECT_STATUS(store->Insert(MakeEvent("events/a", 2003)), absl::StatusCode::kAlreadyExists,
                "events/a");
}

// Schema version 4 as its code created it (migrations 1 to 4), for the
// upgrade test.
constexpr char kSchemaV4[] = R"sql(
CREATE TABLE meta (key TEXT NOT NULL PRIMARY KEY, value TEXT);
INSERT INTO meta (key, value) VALUES ('version', '4'), ('compatible_version', '1');
CREATE TABLE events (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, domain TEXT NOT NULL,
  start_day INTEGER NOT NULL, end_day INTEGER NOT NULL, span_days INTEGER NOT NULL,
  sort_key INTEGER NOT NULL, plugin TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
  body BLOB NOT NULL, origin INTEGER NOT NULL DEFAULT 1, dataset TEXT, upstream_id TEXT,
  source_country TEXT, target_country TEXT, quad_class INTEGER, goldstein REAL, avg_tone REAL,
  cameo_code TEXT);
CREATE INDEX events_by_time ON events (sort_key, name);
CREATE INDEX events_by_plugin ON events (plugin);
CREATE INDEX events_by_span ON events (span_days);
CREATE UNIQUE INDEX events_by_upstream ON events (dataset, upstream_id) WHERE dataset IS NOT NULL;
CREATE INDEX events_by_origin ON events (origin, sort_key);
CREATE TABLE event_countries (
  country TEXT NOT NULL, sort_key INTEGER NOT NULL, name TEXT NOT NULL,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  PRIMARY KEY (country, sort_key, name)) WITHOUT ROWID;
CREATE INDEX event_countries_by_event ON event_countries (event_id);
CREATE TABLE event_pairs (
  country_a TEXT NOT NULL, country_b TEXT NOT NULL, sort_key INTEGER NOT NULL, name TEXT NOT NULL,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  end_day INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (country_a, country_b, sort_key, name)) WITHOUT ROWID;
CREATE INDEX event_pairs_by_event ON event_pairs (event_id);
CREATE TABLE event_facts (
  country_a TEXT NOT NULL, country_b TEXT NOT NULL, first_day INTEGER NOT NULL,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  date_last_day INTEGER NOT NULL, ym INTEGER NOT NULL, direction INTEGER NOT NULL,
  origin INTEGER NOT NULL, kind TEXT NOT NULL, quad_class INTEGER NOT NULL, goldstein REAL,
  avg_tone REAL, PRIMARY KEY (country_a, country_b, first_day, event_id)) WITHOUT ROWID;
CREATE INDEX event_facts_by_event ON event_facts (event_id);
CREATE TABLE event_facts_pending (event_id INTEGER PRIMARY KEY);
CREATE VIRTUAL TABLE events_fts USING fts5 (
  title, summary, content = 'events', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
  INSERT INTO events_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
  INSERT INTO events_fts (events_fts, rowid, title, summary)
  VALUES ('delete', old.id, old.title, old.summary);
END;
CREATE TABLE plugin_state (plugin TEXT PRIMARY KEY, version TEXT NOT NULL, fingerprint TEXT NOT NULL);
INSERT INTO plugin_state (plugin, version, fingerprint) VALUES ('p', '1', 'fp');
)sql";

Event Coded(const std::string& upstream_id, int year, int month, int day) {
  Event e;
  e.set_name("events/gdelt-2-0-" + upstream_id);
  e.set_kind("cameo.consult");
  e.set_domain("diplomacy");
  e.set_title("Consult (AZE → GEO)");
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  e.mutable_date()->set_year(year);
  e.mutable_date()->set_month(month);
  e.mutable_date()->set_day(day);
  e.add_countries("AZE");
  e.add_countries("GEO");
  auto* c = e.mutable_coded();
  c->set_dataset("gdelt-2-0");
  c->set_source_country("AZE");
  c->set_target_country("GEO");
  c->set_quad_class(1);
  c->set_goldstein(2.5);
  c->set_avg_tone(-1.0);
  auto* cit = e.add_citations();
  cit->set_source_id("gdelt-2-0");
  cit->mutable_row()->set_upstream_id(upstream_id);
  return e;
}

// Writes `e` as version 4's code did: the events row (its trigger fills
// the text index) and its rows in the three dyad tables.
void WriteV4(sql::Database& db, const Event& e, const std::string& plugin) {
  const int64_t first = FirstDay(e.date()), last = LastDay(e.date()), key = SortKey(e.date());
  const bool coded = e.origin() == dyad::type::v1::ORIGIN_MACHINE_CODED;
  auto ins = db.Prepare(
      "INSERT INTO events (name, kind, domain, start_day, end_day, span_days, sort_key, plugin, "
      "title, summary, body, origin, dataset, upstream_id, source_country, target_country, "
      "quad_class, goldstein, avg_tone) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?)");
  ASSERT_OK(ins);
  (*ins)->BindText(1, e.name()).BindText(2, e.kind()).BindText(3, e.domain()).BindInt64(4, first);
  (*ins)->BindInt64(5, last).BindInt64(6, key).BindText(7, plugin).BindText(8, e.title());
  (*ins)->BindText(9, e.summary()).BindBlob(10, e.SerializeAsString()).BindInt64(11, coded ? 2 : 1);
  if (coded) {
    (*ins)->BindText(12, "gdelt-2-0").BindText(13, e.citations(0).row().upstream_id());
    (*ins)->BindText(14, "AZE").BindText(15, "GEO").BindInt64(16, 1).BindDouble(17, 2.5);
    (*ins)->BindDouble(18, -1.0);
  }
  ASSERT_OK((*ins)->Run());
  const int64_t id = db.LastInsertRowId();
  for (const char* c : {"AZE", "GEO"}) {
    auto st = db.Prepare("INSERT INTO event_countries VALUES (?, ?, ?, ?)");
    ASSERT_OK(st);
    (*st)->BindText(1, c).BindInt64(2, key).BindText(3, e.name()).BindInt64(4, id);
    ASSERT_OK((*st)->Run());
    st = db.Prepare(
        "INSERT INTO event_facts VALUES (?, '', ?, ?, ?, ?, 0, ?, ?, 0, NULL, NULL)");
    ASSERT_OK(st);
    (*st)->BindText(1, c).BindInt64(2, first).BindInt64(3, id).BindInt64(4, last);
    (*st)->BindInt64(5, e.date().year() * 100 + e.date().month()).BindInt64(6, coded ? 2 : 1);
    (*st)->BindText(7, e.kind());
    ASSERT_OK((*st)->Run());
  }
  auto st = db.Prepare("INSERT INTO event_pairs VALUES ('AZE', 'GEO', ?, ?, ?, ?)");
  ASSERT_OK(st);
  (*st)->BindInt64(1, key).BindText(2, e.name()).BindInt64(3, id).BindInt64(4, last);
  ASSERT_OK((*st)->Run());
}

std::vector<std::string> Names(const EventPage& page) {
  std::vector<std::string> names;
  for (const auto& body : page.bodies) {
    dyad::events::v1::Event e;
    EXPECT_TRUE(e.ParseFromString(body));
    names.push_back(e.name());
  }
  return names;
}

TEST_F(EventStoreTest, MigratesAVersion4Database) {
  Event api = MakeEvent("events/api-written-v4", 2019);
  api.add_countries("GEO");
  api.mutable_countries()->erase(api.mutable_countries()->begin() + 1);  // AZE, GEO
  api.set_title("Written through the API by version four");
  api.set_summary("An upgrade check");
  api.set_origin(dyad::type::v1::ORIGIN_CURATED);
  Event plugin = MakeEvent("events/plugin-record", 2018);
  plugin.set_countries(1, "GEO");
  plugin.set_title("Plugin record of version four");
  const Event coded = Coded("77", 2020, 5, 3);
  {
    ASSERT_OK_AND_ASSIGN(auto db, sql::Database::Open(path_));
    ASSERT_OK(db->Execute(kSchemaV4));
    WriteV4(*db, api, "");
    WriteV4(*db, plugin, "p");
    WriteV4(*db, coded, "");
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  ASSERT_OK_AND_ASSIGN(Event got, store->Get("events/api-written-v4"));
  EXPECT_EQ(got.summary(), "An upgrade check");
  ASSERT_OK(store->Get("events/gdelt-2-0-77"));
  // Found by dyad, by one country, by text and counted.
  EventQuery q;
  q.countries = {"AZE", "GEO"};
  ASSERT_OK_AND_ASSIGN(EventPage page, store->List(q));
  EXPECT_THAT(Names(page), ::testing::ElementsAre("events/plugin-record", "events/api-written-v4",
                                                  "events/gdelt-2-0-77"));
  EXPECT_EQ(page.total_size, 3);
  q.countries = {"GEO"};
  q.fts_query = "\"upgr\"*";
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_THAT(Names(page), ::testing::ElementsAre("events/api-written-v4"));
  CountQuery c;
  c.countries = {"AZE", "GEO"};
  c.by_kind = false;
  ASSERT_OK_AND_ASSIGN(auto rows, store->Count(c));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].year, 2020);
  EXPECT_EQ(rows[2].month, 5);
  EXPECT_DOUBLE_EQ(rows[2].goldstein_sum, 2.5);
  c.direction = 1;
  ASSERT_OK_AND_ASSIGN(rows, store->Count(c));
  ASSERT_EQ(rows.size(), 1u);
  // The imported row is recognised: the same row again changes nothing.
  ImportedEvent again{&coded, "gdelt-2-0", "77"};
  ASSERT_OK_AND_ASSIGN(auto outcomes, store->Import({again}));
  EXPECT_EQ(outcomes, std::vector<ImportOutcome>{ImportOutcome::kUnchanged});
  // The plugin's record (and its rows) go with the plugin.
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({}));
  EXPECT_EQ(removed, std::vector<std::string>{"p"});
  q.fts_query = "\"plugin\"*";
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_TRUE(page.bodies.empty());
  // Reopening indexes nothing twice.
  store.reset();
  ASSERT_OK_AND_ASSIGN(store, OpenSqliteEventStore(path_));
  c.direction = 0;
  ASSERT_OK_AND_ASSIGN(rows, store->Count(c));
  int64_t total = 0;
  for (const auto& r : rows) total += r.count;
  EXPECT_EQ(total, 2);
  q.fts_query.clear();
  q.countries = {"AZE", "GEO"};
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_EQ(page.total_size, 2);
}

// Whole months are read from the monthly totals and the rest event by
// event; whatever the period, the answer must be what counting the events
// one by one gives, for CountEvents (the date lies in the period) and for
// ListEvents' total (the event overlaps the period).
TEST_F(EventStoreTest, MonthlyTotalsAgreeWithCountingEachEvent) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(":memory:"));
  std::mt19937 rng(7);
  std::vector<Event> events;
  for (int i = 0; i < 400; ++i) {
    Event e = Coded(std::to_string(i), 2019 + static_cast<int>(rng() % 3), 0, 0);
    const int precision = static_cast<int>(rng() % 10);  // 1 in 10 year-only, 2 month-only
    if (precision >= 1) e.mutable_date()->set_month(1 + static_cast<int>(rng() % 12));
    if (precision >= 3) {
      const int days = DaysInMonth(e.date().year(), e.date().month());
      e.mutable_date()->set_day(1 + static_cast<int>(rng() % days));
      if (rng() % 8 == 0) {  // a multi-day event
        *e.mutable_end_date() = e.date();
        e.mutable_end_date()->set_day(days);
      }
    }
    if (rng() % 2) {
      e.mutable_coded()->set_source_country("GEO");
      e.mutable_coded()->set_target_country("AZE");
    }
    events.push_back(e);
  }
  std::vector<ImportedEvent> batch;
  for (const auto& e : events) {
    batch.push_back({&e, "gdelt-2-0", e.citations(0).row().upstream_id()});
  }
  ASSERT_OK(store->Import(batch));
  // Corrections move some events and leave months empty.
  std::vector<ImportedEvent> moved;
  for (int i = 0; i < 400; i += 7) {
    events[i].mutable_date()->set_year(2024);
    if (events[i].has_end_date()) events[i].mutable_end_date()->set_year(2024);
    moved.push_back({&events[i], "gdelt-2-0", events[i].citations(0).row().upstream_id()});
  }
  ASSERT_OK(store->Import(moved));
  const int64_t kPeriods[][2] = {
      {kMinDay, kMaxDay},
      {DayNumber(2019, 1, 1), DayNumber(2019, 12, 31)},
      {DayNumber(2019, 3, 1), DayNumber(2020, 2, 29)},
      {DayNumber(2019, 3, 17), DayNumber(2020, 2, 3)},
      {DayNumber(2019, 3, 17), DayNumber(2019, 3, 30)},
      {DayNumber(2020, 1, 1), DayNumber(2020, 1, 20)},
      {DayNumber(2019, 12, 5), DayNumber(2021, 1, 31)},
      {kMinDay, DayNumber(2020, 6, 15)},
      {DayNumber(2020, 6, 15), kMaxDay},
  };
  for (const auto& [first, last] : kPeriods) {
    SCOPED_TRACE(::testing::Message() << "days " << first << ".." << last);
    for (int direction : {0, 1, 2}) {
      int64_t want = 0, want_overlap = 0;
      double want_goldstein = 0;
      for (const auto& e : events) {
        const int64_t end = e.end_date().year() ? LastDay(e.end_date()) : LastDay(e.date());
        const bool forward = e.coded().source_country() == "AZE";
        if (direction == 0 && FirstDay(e.date()) <= last && end >= first) ++want_overlap;
        if (direction != 0 && (direction == 1) != forward) continue;
        if (FirstDay(e.date()) >= first && LastDay(e.date()) <= last) {
          ++want;
          want_goldstein += e.coded().goldstein();
        }
      }
      for (bool by_kind : {false, true}) {
        CountQuery c;
        c.countries = {"AZE", "GEO"};
        c.first_day = first;
        c.last_day = last;
        c.direction = direction;
        c.by_kind = by_kind;
        ASSERT_OK_AND_ASSIGN(auto rows, store->Count(c));
        int64_t got = 0;
        double goldstein = 0;
        for (const auto& r : rows) {
          got += r.count;
          goldstein += r.goldstein_sum;
          EXPECT_EQ(r.kind, by_kind ? "cameo.consult" : "");
        }
        EXPECT_EQ(got, want) << "direction " << direction << " by_kind " << by_kind;
        EXPECT_NEAR(goldstein, want_goldstein, 1e-9);
      }
      if (direction != 0) continue;
      for (const auto& countries : {std::vector<std::string>{"AZE", "GEO"},
                                    std::vector<std::string>{"GEO"}}) {
        EventQuery q;
        q.countries = countries;
        q.period = DaySpan{first, last};
        q.limit = 1;
        ASSERT_OK_AND_ASSIGN(EventPage page, store->List(q));
        EXPECT_EQ(page.total_size, want_overlap) << countries.size() << " countries";
      }
    }
  }
}

}  // namespace
}  // namespace dyad::events

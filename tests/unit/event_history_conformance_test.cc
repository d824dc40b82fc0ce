// Releases, history and the change log of the EventStore engines
// (docs/releases.md): the same cases on SQLite and on a real PostgreSQL 15
// (tests/testing/pg_server.h; skipped, saying why, without PostgreSQL).
//
// Covered: every write appends its net changes in commit order (create,
// update, delete, plugin load / upgrade / removal, import created and
// updated, never unchanged); reads of a record and of ListEvents as of an
// earlier release (changed records take their earlier content, later ones
// are hidden, deleted ones come back), with filters, pages and totals;
// unknown and pruned releases; plugin-owned and imported records refuse
// UpdateEvent/DeleteEvent; two writers on one database get gapless positions.
#include <unistd.h>

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/pg/pool.h"
#include "dyad/events/v1/event_service.pb.h"
#include "event_core.h"
#include "event_store.h"
#include "testing/pg_server.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;
using ::testing::ElementsAre;

enum class Engine { kSqlite, kPostgres };

constexpr int kCreated = dyad::type::v1::CHANGE_KIND_CREATED;
constexpr int kUpdated = dyad::type::v1::CHANGE_KIND_UPDATED;
constexpr int kDeleted = dyad::type::v1::CHANGE_KIND_DELETED;

Event Make(const std::string& id, int year, const std::string& title = "",
           std::vector<std::string> countries = {"AZE", "CHN"}) {
  Event e;
  e.set_name("events/" + id);
  e.set_kind("diplomacy.visit");
  e.set_domain("diplomacy");
  e.set_title(title.empty() ? id : title);
  e.set_origin(dyad::type::v1::ORIGIN_CURATED);
  e.mutable_date()->set_year(year);
  for (auto& c : countries) e.add_countries(c);
  auto* cit = e.add_citations();
  cit->set_source_id("src");
  cit->set_locator("p1");
  return e;
}

Event Coded(const std::string& row, int year, const std::string& title = "coded") {
  Event e;
  e.set_name("events/gdelt-" + row);
  e.set_kind("cameo.consult");
  e.set_domain("diplomacy");
  e.set_title(title);
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  e.mutable_date()->set_year(year);
  e.mutable_date()->set_month(3);
  e.add_countries("AZE");
  e.add_countries("GEO");
  auto* c = e.mutable_coded();
  c->set_dataset("gdelt");
  c->set_source_country("AZE");
  c->set_target_country("GEO");
  c->set_quad_class(1);
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

// "kind name" per change, in order.
std::vector<std::string> Summary(const std::vector<ChangeRecord>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    out.push_back(absl::StrCat(c.kind == kCreated ? "created " : c.kind == kUpdated ? "updated "
                                                                                   : "deleted ",
                               c.name));
  }
  return out;
}

std::string TitleOf(const std::string& bytes) {
  Event e;
  return e.ParseFromString(bytes) ? e.title() : "<corrupt>";
}

std::string TestFileName() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

class EventHistoryConformance : public ::testing::TestWithParam<Engine> {
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
  absl::StatusOr<std::unique_ptr<EventStore>> Open() {
    if (GetParam() == Engine::kSqlite) return OpenSqliteEventStore(path_);
    pg::PoolOptions options;
    options.uri = uri_;
    options.size = 2;
    return OpenPgEventStore(std::make_shared<pg::Pool>(std::move(options)));
  }

  std::string path_ = ::testing::TempDir() + "/event_history_" + std::to_string(getpid()) + "_" +
                      TestFileName() + ".db";
  std::string uri_;
};

TEST_P(EventHistoryConformance, WritesUpdatesAndDeletesKeepHistory) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r0, store->LatestRelease());
  EXPECT_EQ(r0.id, "r0");  // a new store: the base release
  EXPECT_EQ(r0.seq, 0);
  ASSERT_OK(store->Insert(Make("a", 2001, "first a")));
  ASSERT_OK(store->Insert(Make("b", 2002, "first b")));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r1, store->LatestRelease());
  EXPECT_EQ(r1.seq, 2);
  EXPECT_NE(r1.id, r0.id);
  ASSERT_OK(store->Update(Make("a", 2003, "second a")));
  ASSERT_OK(store->Delete("events/b"));
  ASSERT_OK(store->Insert(Make("c", 2004)));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r2, store->LatestRelease());
  EXPECT_EQ(r2.seq, 5);
  EXPECT_GE(r2.create_time_micros, r1.create_time_micros);

  ASSERT_OK_AND_ASSIGN(auto changes, store->ListChanges(0, 100));
  EXPECT_THAT(Summary(changes), ElementsAre("created events/a", "created events/b",
                                            "updated events/a", "deleted events/b",
                                            "created events/c"));
  for (size_t i = 0; i < changes.size(); ++i) EXPECT_EQ(changes[i].seq, int64_t(i + 1));
  // Each change carries the record after it and before it.
  EXPECT_EQ(TitleOf(*changes[0].body), "first a");
  EXPECT_FALSE(changes[0].previous);
  EXPECT_EQ(TitleOf(*changes[2].body), "second a");
  EXPECT_EQ(TitleOf(*changes[2].previous), "first a");
  EXPECT_FALSE(changes[3].body);
  EXPECT_EQ(TitleOf(*changes[3].previous), "first b");
  ASSERT_OK_AND_ASSIGN(auto tail, store->ListChanges(3, 1));
  EXPECT_THAT(Summary(tail), ElementsAre("deleted events/b"));

  // Now and as of the earlier release.
  EXPECT_STATUS(store->Get("events/b"), absl::StatusCode::kNotFound, "events/b");
  ASSERT_OK_AND_ASSIGN(auto a1, store->GetSerializedAt("events/a", r1.seq));
  EXPECT_EQ(TitleOf(a1), "first a");
  ASSERT_OK_AND_ASSIGN(auto b1, store->GetSerializedAt("events/b", r1.seq));
  EXPECT_EQ(TitleOf(b1), "first b");
  EXPECT_STATUS(store->GetSerializedAt("events/c", r1.seq), absl::StatusCode::kNotFound,
                "events/c");
  ASSERT_OK_AND_ASSIGN(auto a2, store->GetSerializedAt("events/a", r2.seq));
  EXPECT_EQ(TitleOf(a2), "second a");
  EXPECT_STATUS(store->GetSerializedAt("events/a", r0.seq), absl::StatusCode::kNotFound, "");

  ASSERT_OK_AND_ASSIGN(auto changed, store->ChangedSince(r1.seq, 100));
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].name, "events/a");
  EXPECT_EQ(TitleOf(*changed[0].then), "first a");
  EXPECT_EQ(TitleOf(*changed[0].now), "second a");
  EXPECT_EQ(changed[1].name, "events/b");
  EXPECT_FALSE(changed[1].now);
  EXPECT_EQ(changed[2].name, "events/c");
  EXPECT_FALSE(changed[2].then);

  // Releases by id, newest first; the page reads carry the release.
  ASSERT_OK_AND_ASSIGN(ReleaseInfo found, store->FindRelease(r1.id));
  EXPECT_EQ(found.seq, r1.seq);
  EXPECT_STATUS(store->FindRelease("9-deadbeef"), absl::StatusCode::kNotFound, "9-deadbeef");
  ASSERT_OK_AND_ASSIGN(auto releases, store->ListReleases(INT64_MAX, 100));
  ASSERT_EQ(releases.size(), 6u);  // r0 and one per write
  EXPECT_EQ(releases.front().id, r2.id);
  EXPECT_EQ(releases.back().id, "r0");
  ASSERT_OK_AND_ASSIGN(auto older, store->ListReleases(releases[1].no, 2));
  ASSERT_EQ(older.size(), 2u);
  EXPECT_EQ(older[0].no, releases[2].no);
  EventQuery all;
  ASSERT_OK_AND_ASSIGN(auto page, store->List(all));
  EXPECT_EQ(page.release.id, r2.id);
}

TEST_P(EventHistoryConformance, HistorySurvivesReopen) {
  ReleaseInfo r1;
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_OK(store->Insert(Make("a", 2001, "first a")));
    ASSERT_OK_AND_ASSIGN(r1, store->LatestRelease());
    ASSERT_OK(store->Update(Make("a", 2001, "second a")));
  }
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK_AND_ASSIGN(auto a1, store->GetSerializedAt("events/a", r1.seq));
  EXPECT_EQ(TitleOf(a1), "first a");
  ASSERT_OK(store->Insert(Make("b", 2001)));
  ASSERT_OK_AND_ASSIGN(auto changes, store->ListChanges(0, 100));
  EXPECT_THAT(Summary(changes),
              ElementsAre("created events/a", "updated events/a", "created events/b"));
}

TEST_P(EventHistoryConformance, PluginReloadsLogOnlyRealChanges) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->SyncPlugin("p", "1", "f1", {Make("a", 2000), Make("b", 2001)}));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo v1, store->LatestRelease());
  // Upgrade: a unchanged, b changed, c new.
  Event a = Make("a", 2000);
  Event b2 = Make("b", 2001, "b again");
  ASSERT_OK(store->SyncPlugin("p", "2", "f2", {a, b2, Make("c", 2002)}));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo v2, store->LatestRelease());
  EXPECT_NE(v1.plugins_fingerprint, v2.plugins_fingerprint);
  ASSERT_OK_AND_ASSIGN(auto changes, store->ListChanges(v1.seq, 100));
  EXPECT_THAT(Summary(changes), ElementsAre("updated events/b", "created events/c"));
  // Same records, new version: a release without changes.
  ASSERT_OK(store->SyncPlugin("p", "3", "f2", {a, b2, Make("c", 2002)}));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo v3, store->LatestRelease());
  EXPECT_EQ(v3.seq, v2.seq);
  EXPECT_NE(v3.id, v2.id);
  // Unchanged plugins at the next start: nothing at all.
  ASSERT_OK(store->SyncPlugin("p", "3", "f2", {a, b2, Make("c", 2002)}));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo again, store->LatestRelease());
  EXPECT_EQ(again.id, v3.id);
  ASSERT_OK(store->RemovePluginsExcept({}));
  ASSERT_OK_AND_ASSIGN(changes, store->ListChanges(v3.seq, 100));
  EXPECT_THAT(Summary(changes),
              ElementsAre("deleted events/a", "deleted events/b", "deleted events/c"));
  ASSERT_OK_AND_ASSIGN(auto b_then, store->GetSerializedAt("events/b", v1.seq));
  EXPECT_EQ(TitleOf(b_then), "b");
}

TEST_P(EventHistoryConformance, ImportsLogCreatedAndUpdatedNeverUnchanged) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  std::vector<Event> batch = {Coded("1", 2020), Coded("2", 2020)};
  ASSERT_OK(store->Import(AsImport(batch)));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r1, store->LatestRelease());
  ASSERT_OK(store->Import(AsImport(batch)));  // unchanged: no release
  ASSERT_OK_AND_ASSIGN(ReleaseInfo same, store->LatestRelease());
  EXPECT_EQ(same.id, r1.id);
  std::vector<Event> fixed = {Coded("2", 2021, "corrected")};
  ASSERT_OK(store->Import(AsImport(fixed)));
  ASSERT_OK_AND_ASSIGN(auto changes, store->ListChanges(0, 100));
  EXPECT_THAT(Summary(changes), ElementsAre("created events/gdelt-1", "created events/gdelt-2",
                                            "updated events/gdelt-2"));
  ASSERT_OK_AND_ASSIGN(auto two, store->GetSerializedAt("events/gdelt-2", r1.seq));
  EXPECT_EQ(TitleOf(two), "coded");
}

TEST_P(EventHistoryConformance, OnlyApiRecordsCanBeUpdatedOrDeleted) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  Event plugin = Make("p1", 2000);
  plugin.set_plugin("p");
  ASSERT_OK(store->SyncPlugin("p", "1", "f", {plugin}));
  std::vector<Event> batch = {Coded("1", 2020)};
  ASSERT_OK(store->Import(AsImport(batch)));
  EXPECT_STATUS(store->Delete("events/p1"), absl::StatusCode::kFailedPrecondition, "plugin p");
  EXPECT_STATUS(store->Update(plugin), absl::StatusCode::kFailedPrecondition, "plugin p");
  EXPECT_STATUS(store->Delete("events/gdelt-1"), absl::StatusCode::kFailedPrecondition,
                "imported");
  EXPECT_STATUS(store->Delete("events/nope"), absl::StatusCode::kNotFound, "events/nope");
  EXPECT_STATUS(store->Update(Make("nope", 2000)), absl::StatusCode::kNotFound, "events/nope");
  EXPECT_OK(store->Get("events/p1"));
}

TEST_P(EventHistoryConformance, PrunedHistoryIsFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("a", 2001)));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r1, store->LatestRelease());
  ASSERT_OK(store->Update(Make("a", 2001, "again")));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r2, store->LatestRelease());
  ASSERT_OK(store->PruneHistory(r2.seq));
  EXPECT_STATUS(store->FindRelease(r1.id), absl::StatusCode::kFailedPrecondition, r1.id);
  EXPECT_OK(store->FindRelease(r2.id));
  EXPECT_STATUS(store->ListChanges(0, 10), absl::StatusCode::kFailedPrecondition, "since");
  ASSERT_OK_AND_ASSIGN(auto rest, store->ListChanges(r2.seq, 10));
  EXPECT_TRUE(rest.empty());
  ASSERT_OK(store->Delete("events/a"));
  ASSERT_OK_AND_ASSIGN(rest, store->ListChanges(r2.seq, 10));
  EXPECT_THAT(Summary(rest), ElementsAre("deleted events/a"));
}

TEST_P(EventHistoryConformance, ConcurrentWritersGetGaplessPositions) {
  ASSERT_OK_AND_ASSIGN(auto one, Open());
  ASSERT_OK_AND_ASSIGN(auto two, Open());
  constexpr int kEach = 25;
  auto write = [](EventStore* s, const std::string& prefix) {
    for (int i = 0; i < kEach; ++i) {
      ASSERT_OK(s->Insert(Make(absl::StrCat(prefix, i), 2000 + i % 7)));
      if (i % 5 == 4) {
        ASSERT_OK(s->Update(Make(absl::StrCat(prefix, i), 2000, "updated")));
      }
    }
  };
  std::thread t1(write, one.get(), "x");
  std::thread t2(write, two.get(), "y");
  t1.join();
  t2.join();
  ASSERT_OK_AND_ASSIGN(auto changes, one->ListChanges(0, 1000));
  ASSERT_EQ(changes.size(), size_t{2 * (kEach + kEach / 5)});
  std::set<std::string> created;
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].seq, int64_t(i + 1));
    if (changes[i].kind == kCreated) {
      EXPECT_TRUE(created.insert(changes[i].name).second) << changes[i].name;
    } else {
      EXPECT_TRUE(created.count(changes[i].name)) << "updated before created: " << changes[i].name;
    }
  }
}

// EventCore's ListEvents and GetEvent as of a release, over either engine.
TEST_P(EventHistoryConformance, ListEventsAsOfAnEarlierRelease) {
  ASSERT_OK_AND_ASSIGN(auto opened, Open());
  EventStore* store = opened.get();
  EventCore core(std::move(opened), nullptr, /*list_cache_entries=*/0);
  for (int i = 0; i < 6; ++i) ASSERT_OK(store->Insert(Make(absl::StrCat("e", i), 2000 + i)));
  ASSERT_OK(store->Insert(Make("geo", 2001, "", {"AZE", "GEO"})));
  ASSERT_OK_AND_ASSIGN(ReleaseInfo r1, store->LatestRelease());
  ASSERT_OK(store->Update(Make("e1", 2010, "moved")));            // now after e5
  ASSERT_OK(store->Delete("events/e3"));                           // gone now
  ASSERT_OK(store->Insert(Make("late", 2002)));                    // not in r1
  ASSERT_OK(store->Update(Make("geo", 2003, "", {"AZE", "CHN"})));  // joins the dyad

  auto names = [](const dyad::events::v1::ListEventsResponse& r) {
    std::vector<std::string> out;
    for (const auto& e : r.events()) out.push_back(e.name());
    return out;
  };
  dyad::events::v1::ListEventsRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  ASSERT_OK_AND_ASSIGN(auto now, core.ListEvents(req));
  EXPECT_THAT(names(now), ElementsAre("events/e0", "events/e2", "events/late", "events/geo",
                                      "events/e4", "events/e5", "events/e1"));
  EXPECT_EQ(now.total_size(), 7);
  req.set_as_of(r1.id);
  req.set_page_size(2);
  std::vector<std::string> then;
  for (int guard = 0; guard < 10; ++guard) {
    ASSERT_OK_AND_ASSIGN(auto page, core.ListEvents(req));
    EXPECT_EQ(page.total_size(), 6);
    EXPECT_EQ(page.release().id(), r1.id);
    for (auto& n : names(page)) then.push_back(n);
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(then, ElementsAre("events/e0", "events/e1", "events/e2", "events/e3", "events/e4",
                                "events/e5"));
  // A period filter applies to the earlier content.
  req.clear_page_token();
  req.set_page_size(50);
  req.mutable_period()->mutable_start()->set_year(2001);
  req.mutable_period()->mutable_end()->set_year(2001);
  ASSERT_OK_AND_ASSIGN(auto y2001, core.ListEvents(req));
  EXPECT_THAT(names(y2001), ElementsAre("events/e1"));
  // Errors name what is wrong.
  req.set_as_of("77-00000000");
  EXPECT_STATUS(core.ListEvents(req), absl::StatusCode::kNotFound, "77-00000000");
  req.set_as_of(r1.id);
  req.set_query("moved");
  EXPECT_STATUS(core.ListEvents(req), absl::StatusCode::kInvalidArgument, "query");

  dyad::events::v1::GetEventRequest get;
  get.set_name("events/e3");
  get.set_as_of(r1.id);
  ReleaseInfo answered;
  ASSERT_OK_AND_ASSIGN(auto bytes, core.GetEventSerializedAt(get, &answered));
  EXPECT_EQ(TitleOf(bytes), "e3");
  EXPECT_EQ(answered.id, r1.id);
  get.clear_as_of();
  EXPECT_STATUS(core.GetEventSerializedAt(get, &answered), absl::StatusCode::kNotFound,
                "events/e3");
}

INSTANTIATE_TEST_SUITE_P(Engines, EventHistoryConformance,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace dyad::events

// One conformance suite for every InstitutionStore engine: the same cases
// run against SQLite and a real PostgreSQL 15 (tests/testing/pg_server.h;
// skipped, saying why, when PostgreSQL is not installed). A difference
// between the engines is a failure here.
//
// Covered: plugin records load idempotently (also when two stores on one
// database load at once), upgrades replace, removals delete, API records
// survive all of it and reopening; duplicate names; the full-text query
// (prefix, case and diacritics folded) follows replaced and removed
// records; every filter including the partial-date overlap rule;
// keyset pages that are stable under inserts; total_size.
#include <unistd.h>

#include <thread>

#include "common/pg/pool.h"
#include "common/validation.h"
#include "common/wire.h"
#include "institution_store.h"
#include "testing/pg_server.h"
#include "testing/status_matchers.h"

namespace dyad::institutions {
namespace {

using dyad::institutions::v1::Institution;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

enum class Engine { kSqlite, kPostgres };

Institution Make(const std::string& id, int year = 0, const std::string& description = "") {
  Institution i;
  i.set_name("institutions/" + id);
  i.set_display_name(id);
  i.set_kind("k.sub");
  i.set_host_country("AZE");
  i.set_city("Baku");
  i.add_countries("CHN");
  i.set_description(description);
  if (year > 0) i.mutable_founded()->set_year(year);
  return i;
}

// The reply ListInstitutions frames from the stored bytes against the one
// the typed API builds from the parsed institutions: the same bytes.
void ExpectFramedReplyMatchesTyped(const InstitutionPage& page) {
  dyad::institutions::v1::ListInstitutionsResponse typed, rest;
  for (const auto& body : page.bodies) ASSERT_TRUE(typed.add_institutions()->ParseFromString(body));
  typed.set_total_size(static_cast<int32_t>(page.total_size));
  rest.set_total_size(static_cast<int32_t>(page.total_size));
  const std::string token = page.next ? EncodePageToken(*page.next) : "";
  typed.set_next_page_token(token);
  rest.set_next_page_token(token);
  const std::string framed = FramedReply(
      dyad::institutions::v1::ListInstitutionsResponse::kInstitutionsFieldNumber, page.bodies, rest);
  EXPECT_EQ(framed, typed.SerializeAsString());
}

std::vector<std::string> Names(const InstitutionPage& page) {
  ExpectFramedReplyMatchesTyped(page);
  std::vector<std::string> out;
  for (const auto& body : page.bodies) {
    dyad::institutions::v1::Institution i;
    EXPECT_TRUE(i.ParseFromString(body));
    out.push_back(i.name());
  }
  return out;
}

class InstitutionStoreConformance : public ::testing::TestWithParam<Engine> {
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
  absl::StatusOr<std::unique_ptr<InstitutionStore>> Open() {
    if (GetParam() == Engine::kSqlite) return OpenSqliteInstitutionStore(path_);
    pg::PoolOptions options;
    options.uri = uri_;
    options.size = 2;
    return OpenPgInstitutionStore(std::make_shared<pg::Pool>(std::move(options)));
  }

  int64_t Count(InstitutionStore& store, InstitutionQuery q = {}) {
    q.limit = 1;
    auto page = store.List(q);
    return page.ok() ? page->total_size : -1;
  }

  // Every name matching `q`, following page tokens `limit` at a time.
  std::vector<std::string> AllPages(InstitutionStore& store, InstitutionQuery q, int limit) {
    q.limit = limit;
    std::vector<std::string> out;
    for (int guard = 0; guard < 100; ++guard) {
      auto page = store.List(q);
      if (!page.ok()) {
        ADD_FAILURE() << page.status();
        return out;
      }
      for (auto& n : Names(*page)) out.push_back(n);
      if (!page->next) return out;
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

  std::string path_ = ::testing::TempDir() + "/institution_conformance_" +
                      std::to_string(getpid()) + "_" + TestFileName() + ".db";
  std::string uri_;
};

TEST_P(InstitutionStoreConformance, PluginSyncIsIdempotentAndChangesReplace) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  std::vector<Institution> v1 = {Make("a", 2000), Make("b", 2001)};
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);
  ASSERT_OK(store->Insert(Make("api", 2002)));
  // New content under the same version string is still reloaded.
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "1", "fp2", {Make("a", 2000)}));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  EXPECT_STATUS(store->Get("institutions/b"), absl::StatusCode::kNotFound, "institutions/b");
  // A new version replaces the plugin's records and leaves the API's alone.
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "2", "fp3", {Make("c", 2003)}));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  EXPECT_STATUS(store->Get("institutions/a"), absl::StatusCode::kNotFound, "institutions/a");
  EXPECT_OK(store->Get("institutions/c"));
  EXPECT_OK(store->Get("institutions/api"));
  EXPECT_EQ(Count(*store), 2);
  // Another plugin's records are its own.
  ASSERT_OK(store->SyncPlugin("q", "1", "fq", {Make("d")}));
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "3", "fp4", {}));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  EXPECT_OK(store->Get("institutions/d"));
  EXPECT_EQ(Count(*store), 2);  // api, d
}

TEST_P(InstitutionStoreConformance, ApiRecordsSurviveReopenAndPluginRemoval) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_OK(store->SyncPlugin("p", "1", "fp", {Make("a", 2000)}));
    ASSERT_OK(store->SyncPlugin("q", "1", "fq", {Make("b", 2000)}));
    ASSERT_OK(store->Insert(Make("api", 2002)));
  }
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK_AND_ASSIGN(Institution api, store->Get("institutions/api"));
  EXPECT_EQ(api.founded().year(), 2002);
  EXPECT_OK(store->Get("institutions/a"));
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp", {Make("a", 2000)}));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);  // remembered across the reopen
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({"q"}));
  EXPECT_EQ(removed, std::vector<std::string>{"p"});
  EXPECT_STATUS(store->Get("institutions/a"), absl::StatusCode::kNotFound, "institutions/a");
  EXPECT_OK(store->Get("institutions/b"));
  EXPECT_OK(store->Get("institutions/api"));
  // The removed plugin's country rows went with it.
  InstitutionQuery q;
  q.countries = {"CHN"};
  EXPECT_EQ(Count(*store, q), 2);
  ASSERT_OK_AND_ASSIGN(removed, store->RemovePluginsExcept({"q"}));
  EXPECT_TRUE(removed.empty());
}

TEST_P(InstitutionStoreConformance, PluginRecordCollidingWithApiRecordFailsClearly) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("a", 2002)));
  EXPECT_STATUS(store->SyncPlugin("p", "1", "fp", {Make("b"), Make("a", 2000)}),
                absl::StatusCode::kFailedPrecondition, "institutions/a is already taken");
  // The failed sync changed nothing, not even the plugin state.
  EXPECT_EQ(Count(*store), 1);
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp", {Make("b")}));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
}

TEST_P(InstitutionStoreConformance, DuplicateInsertIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("a", 2002)));
  EXPECT_STATUS(store->Insert(Make("a", 2003)), absl::StatusCode::kAlreadyExists,
                "institutions/a");
  EXPECT_STATUS(store->Get("institutions/zz"), absl::StatusCode::kNotFound, "institutions/zz");
  // The failed insert left the store usable and the first record intact.
  ASSERT_OK_AND_ASSIGN(Institution a, store->Get("institutions/a"));
  EXPECT_EQ(a.founded().year(), 2002);
  EXPECT_OK(store->Insert(Make("b")));
}

TEST_P(InstitutionStoreConformance, FullTextIndexFollowsReplacedAndRemovedRecords) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->SyncPlugin("p", "1", "fp1", {Make("a", 2000, "alpha words")}));
  InstitutionQuery q;
  q.fts_query = ToFtsQuery("alpha");
  EXPECT_EQ(Count(*store, q), 1);
  ASSERT_OK(store->SyncPlugin("p", "2", "fp2", {Make("a", 2000, "beta words")}));
  EXPECT_EQ(Count(*store, q), 0);
  q.fts_query = ToFtsQuery("beta");
  EXPECT_EQ(Count(*store, q), 1);
  ASSERT_OK(store->RemovePluginsExcept({}));
  EXPECT_EQ(Count(*store, q), 0);
}

TEST_P(InstitutionStoreConformance, TextQueryMatchesPrefixesOfEveryWordFoldingCaseAndAccents) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_OK(store->Insert(Make("ci", 2004, "Confucius Institute at Baku State University")));
  ASSERT_OK(store->Insert(Make("ada", 2006, "Türk Dünyası Ağdam Diplomatik Akademiyası")));
  ASSERT_OK(store->Insert(Make("socar", 1992, "State Oil Company")));
  auto names = [&](const std::string& text) {
    InstitutionQuery q;
    q.fts_query = ToFtsQuery(text);
    return AllPages(*store, q, 10);
  };
  EXPECT_THAT(names("confu"), ElementsAre("institutions/ci"));
  EXPECT_THAT(names("CONFUCIUS inst"), ElementsAre("institutions/ci"));
  EXPECT_THAT(names("state"), ElementsAre("institutions/socar", "institutions/ci"));
  EXPECT_THAT(names("state oil"), ElementsAre("institutions/socar"));
  // Diacritics fold on both sides: ü → u, ğ → g.
  EXPECT_THAT(names("turk dunya"), ElementsAre("institutions/ada"));
  EXPECT_THAT(names("AGDAM"), ElementsAre("institutions/ada"));
  EXPECT_THAT(names("Ağd diplomatik"), ElementsAre("institutions/ada"));
  EXPECT_THAT(names("ada"), ElementsAre("institutions/ada"));  // the display name counts
  EXPECT_THAT(names("nothing-here"), ElementsAre());
  // Operator characters typed by users are words, never syntax.
  EXPECT_THAT(names("state:* & | ! ( ' \""), ElementsAre("institutions/socar", "institutions/ci"));
}

TEST_P(InstitutionStoreConformance, FiltersAgree) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  auto make = [](const std::string& id, const std::string& kind, const std::string& host,
                 const std::string& city, std::vector<std::string> countries, int y, int m = 0,
                 int d = 0) {
    Institution i = Make(id);
    i.set_kind(kind);
    i.set_host_country(host);
    i.set_city(city);
    i.clear_countries();
    for (auto& c : countries) i.add_countries(c);
    if (y) {
      i.mutable_founded()->set_year(y);
      i.mutable_founded()->set_month(m);
      i.mutable_founded()->set_day(d);
    }
    return i;
  };
  ASSERT_OK(store->Insert(make("a", "education", "AZE", "Baku", {"CHN"}, 2011, 3, 15)));
  ASSERT_OK(store->Insert(make("b", "education.confucius", "CHN", "Beijing", {"AZE"}, 2011)));
  ASSERT_OK(store->Insert(make("c", "education-other", "AZE", "Ganja", {"TUR"}, 2012, 12)));
  ASSERT_OK(store->Insert(make("d", "economy.bank", "CHN", "Beijing", {"AZE", "TUR"}, 0)));
  ASSERT_OK(store->Insert(make("e", "economy", "TUR", "Ankara", {}, 1999, 1, 1)));
  auto list = [&](InstitutionQuery q) { return AllPages(*store, q, 2); };

  InstitutionQuery kinds;
  kinds.kinds = {"education"};  // itself and dotted children, not "education-other"
  EXPECT_THAT(list(kinds), ElementsAre("institutions/b", "institutions/a"));
  kinds.kinds = {"education.confucius", "economy"};
  EXPECT_THAT(list(kinds), ElementsAre("institutions/e", "institutions/b", "institutions/d"));

  InstitutionQuery countries;  // every one among members or host
  countries.countries = {"AZE", "CHN"};
  EXPECT_THAT(list(countries), ElementsAre("institutions/b", "institutions/a", "institutions/d"));
  countries.countries = {"AZE", "TUR"};
  EXPECT_THAT(list(countries), ElementsAre("institutions/c", "institutions/d"));

  InstitutionQuery host;
  host.host_country = "CHN";
  EXPECT_THAT(list(host), ElementsAre("institutions/b", "institutions/d"));
  InstitutionQuery city;
  city.city_lower = "beijing";
  EXPECT_THAT(list(city), ElementsAre("institutions/b", "institutions/d"));

  // Partial dates overlap: "2011" spans the whole year, "December 2012"
  // the month; undated records never match a founding range.
  InstitutionQuery founded;
  founded.founded = DaySpan{DayNumber(2011, 6, 1), DayNumber(2011, 6, 30)};
  EXPECT_THAT(list(founded), ElementsAre("institutions/b"));
  founded.founded = DaySpan{DayNumber(2011, 3, 15), DayNumber(2011, 3, 15)};
  EXPECT_THAT(list(founded), ElementsAre("institutions/b", "institutions/a"));
  founded.founded = DaySpan{DayNumber(2012, 12, 31), kMaxDay};
  EXPECT_THAT(list(founded), ElementsAre("institutions/c"));
  founded.founded = DaySpan{kMinDay, DayNumber(1999, 1, 1)};
  EXPECT_THAT(list(founded), ElementsAre("institutions/e"));

  InstitutionQuery combined;
  combined.kinds = {"education"};
  combined.host_country = "AZE";
  combined.founded = DaySpan{DayNumber(2010, 1, 1), DayNumber(2013, 1, 1)};
  ASSERT_OK_AND_ASSIGN(auto page, store->List([&] {
    auto q = combined;
    q.limit = 10;
    return q;
  }()));
  EXPECT_THAT(Names(page), ElementsAre("institutions/a"));
  EXPECT_EQ(page.total_size, 1);

  // Unfiltered: by founding (year before month before day on the same
  // first day), undated last, then name.
  EXPECT_THAT(list(InstitutionQuery{}),
              ElementsAre("institutions/e", "institutions/b", "institutions/a", "institutions/c",
                          "institutions/d"));
}

TEST_P(InstitutionStoreConformance, PagesAreKeysetStableUnderInserts) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  for (const char* id : {"b", "d", "f"}) ASSERT_OK(store->Insert(Make(id)));  // undated: by name
  ASSERT_OK(store->Insert(Make("z", 1999)));
  InstitutionQuery q;
  q.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto page, store->List(q));
  EXPECT_THAT(Names(page), ElementsAre("institutions/z", "institutions/b"));
  EXPECT_EQ(page.total_size, 4);
  ASSERT_TRUE(page.next.has_value());
  // A record inserted before the cursor does not shift the next page.
  ASSERT_OK(store->Insert(Make("a")));
  q.after = page.next;
  ASSERT_OK_AND_ASSIGN(page, store->List(q));
  EXPECT_THAT(Names(page), ElementsAre("institutions/d", "institutions/f"));
  EXPECT_EQ(page.total_size, 5);
  q.after = page.next;
  ASSERT_FALSE(q.after.has_value());  // the last page holds exactly the limit
}

TEST_P(InstitutionStoreConformance, NamesOrderBytewise) {
  // Page tokens carry names; both engines must order them the same way
  // (bytewise), whatever the database's collation.
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  for (const char* id : {"b", "B", "a-z", "a_z", "az", "Z", "é"}) ASSERT_OK(store->Insert(Make(id)));
  EXPECT_THAT(AllPages(*store, InstitutionQuery{}, 3),
              ElementsAre("institutions/B", "institutions/Z", "institutions/a-z",
                          "institutions/a_z", "institutions/az", "institutions/b",
                          "institutions/é"));
}

TEST_P(InstitutionStoreConformance, StoresOpenedTogetherLoadPluginsOnce) {
  // Replicas starting together: each opens (migrates) and loads the same
  // plugin at once; exactly one loads it, the others find it loaded.
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<InstitutionStore>> stores(kReplicas);
  std::vector<absl::StatusOr<SyncOutcome>> outcomes(kReplicas, absl::UnknownError("not run"));
  std::vector<Institution> records;
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
  for (auto& s : stores) EXPECT_EQ(Count(*s), 50);
  // Writes through one are seen through the others.
  ASSERT_OK(stores[0]->Insert(Make("api", 2020)));
  for (auto& s : stores) EXPECT_OK(s->Get("institutions/api"));
  EXPECT_STATUS(stores[1]->Insert(Make("api", 2021)), absl::StatusCode::kAlreadyExists, "api");
}

INSTANTIATE_TEST_SUITE_P(Engines, InstitutionStoreConformance,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace dyad::institutions

// What only the SQLite InstitutionStore has: its filters use indexes (its
// query plans), and a database of its first schema version migrates. The
// behaviour every engine shares is in institution_store_conformance_test.cc.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/sqlite/database.h"
#include "institution_store.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::institutions {
namespace {

using dyad::institutions::v1::Institution;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

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

std::vector<std::string> Names(const InstitutionPage& page) {
  std::vector<std::string> out;
  for (const auto& body : page.bodies) {
    dyad::institutions::v1::Institution i;
    EXPECT_TRUE(i.ParseFromString(body));
    out.push_back(i.name());
  }
  return out;
}

class InstitutionStoreTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }

  int64_t Count(InstitutionStore& store, InstitutionQuery q = {}) {
    q.limit = 1;
    auto page = store.List(q);
    return page.ok() ? page->total_size : -1;
  }

  std::string path_ = ::testing::TempDir() + "/institution_store_test_" + std::to_string(getpid()) +
                      "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
};

TEST_F(InstitutionStoreTest, FiltersUseIndexes) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(":memory:"));
  auto plan = [&](const InstitutionQuery& q) {
    auto p = store->ExplainList(q);
    return p.ok() ? *p : p.status().ToString();
  };
  InstitutionQuery all;
  // Page order comes from the founding index: no sort step.
  EXPECT_THAT(plan(all), HasSubstr("institutions_by_founding"));
  EXPECT_THAT(plan(all), Not(HasSubstr("TEMP B-TREE")));
  InstitutionQuery host;
  host.host_country = "AZE";
  EXPECT_THAT(plan(host), HasSubstr("USING INDEX institutions_by_host (host_country=?"));
  EXPECT_THAT(plan(host), Not(HasSubstr("TEMP B-TREE")));
  InstitutionQuery city;
  city.city_lower = "baku";
  EXPECT_THAT(plan(city), HasSubstr("USING INDEX institutions_by_city (city_lower=?"));
  InstitutionQuery kinds;
  kinds.kinds = {"education"};
  EXPECT_THAT(plan(kinds), HasSubstr("INDEX institutions_by_kind (kind>? AND kind<?)"));
  InstitutionQuery countries;
  countries.countries = {"AZE", "CHN"};
  EXPECT_THAT(plan(countries), HasSubstr("SEARCH c USING PRIMARY KEY (country=?)"));
  InstitutionQuery founded;
  founded.founded = DaySpan{DayNumber(2011, 1, 1), DayNumber(2013, 12, 31)};
  // The page is one index range between the range's bounds (the lower bound
  // doubles as the keyset cursor), and so is the count.
  EXPECT_THAT(plan(founded),
              HasSubstr("institutions_by_founding ((sort_key,name)>(?,?) AND sort_key<?)"));
  EXPECT_THAT(plan(founded), HasSubstr("institutions_by_founding (sort_key>? AND sort_key<?)"));
  InstitutionQuery text;
  text.fts_query = "\"confucius\"*";
  EXPECT_THAT(plan(text), HasSubstr("VIRTUAL TABLE INDEX"));
  for (const auto* q : {&all, &host, &city, &kinds, &countries, &founded, &text}) {
    EXPECT_THAT(plan(*q) + "\n", Not(HasSubstr("SCAN i\n"))) << plan(*q);
  }
}

TEST_F(InstitutionStoreTest, MigratesAVersion1Database) {
  std::ifstream in(dyad::testing::SourcePath("tests/fixtures/institutions/schema_v1.sql"));
  ASSERT_TRUE(in) << "golden dump missing";
  std::stringstream dump;
  dump << in.rdbuf();
  {
    ASSERT_OK_AND_ASSIGN(auto db, sql::Database::Open(path_));
    ASSERT_OK(db->Execute(dump.str()));
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(path_));
  // The record written through the API by version 1 is intact and found by
  // every filter, through the new indexes too.
  ASSERT_OK_AND_ASSIGN(Institution api, store->Get("institutions/api-written-v1"));
  EXPECT_EQ(api.display_name(), "Written through the API by version 1");
  EXPECT_EQ(api.founded().month(), 7);
  InstitutionQuery q;
  q.host_country = "AZE";
  q.city_lower = "baku";
  q.countries = {"CHN"};
  q.fts_query = "\"upgrade\"*";
  q.founded = DaySpan{DayNumber(2019, 7, 15), DayNumber(2019, 7, 15)};
  ASSERT_OK_AND_ASSIGN(auto page, store->List(q));
  EXPECT_THAT(Names(page), ElementsAre("institutions/api-written-v1"));
  EXPECT_THAT(*store->ExplainList(q), HasSubstr("institutions_by_"));
  // Plugin records and their state came along: same version and content is
  // unchanged, and removing the plugin leaves the API record.
  ASSERT_OK_AND_ASSIGN(page, store->List(InstitutionQuery{}));
  EXPECT_THAT(Names(page), ElementsAre("institutions/aiib", "institutions/api-written-v1",
                                       "institutions/socar"));
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({}));
  EXPECT_EQ(removed, std::vector<std::string>{"economy"});
  EXPECT_EQ(Count(*store), 1);
  // Reopening a migrated database is a no-op.
  store.reset();
  ASSERT_OK_AND_ASSIGN(store, OpenSqliteInstitutionStore(path_));
  EXPECT_EQ(Count(*store), 1);
}

}  // namespace
}  // namespace dyad::institutions

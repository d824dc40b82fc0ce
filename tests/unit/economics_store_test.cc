// The SQLite observation store: idempotent plugin loads, API records that
// survive plugin changes and restarts, series in either country order, and
// ordering and cursors of the list path.
#include <unistd.h>

#include <cstdio>

#include "observation_store.h"
#include "testing/status_matchers.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Observation;
using ::testing::ElementsAre;

Observation Obs(const std::string& id, const std::string& indicator, const std::string& reporter,
                const std::string& partner, int year, double value) {
  Observation o;
  o.set_name("observations/" + id);
  o.set_indicator(indicator);
  o.set_reporter(reporter);
  o.set_partner(partner);
  if (year > 0) o.mutable_period()->set_year(year);
  o.mutable_value()->set_value(value);
  o.mutable_value()->set_unit("USD");
  auto* c = o.add_citations();
  c->set_source_id("s");
  c->set_locator("p1");
  return o;
}

std::vector<std::string> Names(const std::vector<Observation>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.push_back(o.name());
  return out;
}

class EconomicsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, OpenSqliteObservationStore(":memory:"));
  }
  std::unique_ptr<ObservationStore> store_;
};

TEST_F(EconomicsStoreTest, SyncIsIdempotentAndLeavesApiRecordsAlone) {
  std::vector<Observation> v1 = {Obs("p-a", "t", "AZE", "CHN", 2018, 1),
                                 Obs("p-b", "t", "AZE", "CHN", 2019, 2)};
  ASSERT_OK_AND_ASSIGN(auto o1, store_->SyncPlugin("plug", "1.0.0", "fp1", v1));
  EXPECT_EQ(o1, SyncOutcome::kLoaded);
  ASSERT_OK(store_->Insert(Obs("api", "t", "AZE", "CHN", 2019, 3)));
  ASSERT_OK_AND_ASSIGN(auto o2, store_->SyncPlugin("plug", "1.0.0", "fp1", v1));
  EXPECT_EQ(o2, SyncOutcome::kUnchanged);
  // New content (same version): replaced.
  std::vector<Observation> v2 = {Obs("p-c", "t", "AZE", "CHN", 2020, 4)};
  ASSERT_OK_AND_ASSIGN(auto o3, store_->SyncPlugin("plug", "1.0.0", "fp2", v2));
  EXPECT_EQ(o3, SyncOutcome::kReplaced);
  ASSERT_OK_AND_ASSIGN(auto series, store_->ListSeries("t", "AZE", "CHN", false));
  EXPECT_THAT(Names(series), ElementsAre("observations/api", "observations/p-c"));
  // A plugin record may not take an API record's name.
  EXPECT_STATUS(store_->SyncPlugin("plug", "2.0.0", "fp3", {Obs("api", "t", "AZE", "CHN", 2020, 1)}),
                absl::StatusCode::kFailedPrecondition, "observations/api");
  // Removing the plugin deletes its records only.
  ASSERT_OK_AND_ASSIGN(auto removed, store_->RemovePluginsExcept({}));
  EXPECT_THAT(removed, ElementsAre("plug"));
  ASSERT_OK_AND_ASSIGN(series, store_->ListSeries("t", "AZE", "CHN", false));
  EXPECT_THAT(Names(series), ElementsAre("observations/api"));
  EXPECT_STATUS(store_->Insert(Obs("api", "t", "AZE", "CHN", 2019, 3)),
                absl::StatusCode::kAlreadyExists, "observations/api");
  EXPECT_STATUS(store_->Get("observations/p-c"), absl::StatusCode::kNotFound, "p-c");
  ASSERT_OK_AND_ASSIGN(Observation back, store_->Get("observations/api"));
  EXPECT_EQ(back.value().value(), 3);
}

TEST_F(EconomicsStoreTest, SeriesInOneOrBothOrdersSortedByPeriodThenName) {
  Observation to_date = Obs("z-stock", "t", "CHN", "AZE", 0, 9);
  to_date.mutable_as_of()->set_year(2015);
  for (const auto& o : {Obs("b-2019", "t", "AZE", "CHN", 2019, 1), Obs("a-2019", "t", "CHN", "AZE", 2019, 2),
                        Obs("c-2018", "t", "AZE", "CHN", 2018, 3), to_date,
                        Obs("other", "t", "AZE", "KAZ", 2018, 4), Obs("u", "u", "AZE", "CHN", 2018, 5)}) {
    ASSERT_OK(store_->Insert(o));
  }
  ASSERT_OK_AND_ASSIGN(auto both, store_->ListSeries("t", "AZE", "CHN", true));
  EXPECT_THAT(Names(both), ElementsAre("observations/c-2018", "observations/a-2019",
                                       "observations/b-2019", "observations/z-stock"));
  ASSERT_OK_AND_ASSIGN(auto one, store_->ListSeries("t", "AZE", "CHN", false));
  EXPECT_THAT(Names(one), ElementsAre("observations/c-2018", "observations/b-2019"));
}

TEST_F(EconomicsStoreTest, ToDateFiguresSortAfterDatedOnes) {
  Observation stock = Obs("s", "t", "AZE", "CHN", 0, 1);
  stock.mutable_as_of()->set_year(1995);
  EXPECT_GT(ObservationSortKey(stock), ObservationSortKey(Obs("d", "t", "AZE", "CHN", 9999, 1)));
  Observation later = stock;
  later.mutable_as_of()->set_year(1996);
  EXPECT_GT(ObservationSortKey(later), ObservationSortKey(stock));
}

TEST_F(EconomicsStoreTest, ListWalksTheCursorInOrder) {
  for (const auto& o : {Obs("x1", "b", "AZE", "CHN", 2019, 1), Obs("x2", "a", "AZE", "CHN", 2020, 1),
                        Obs("x3", "a", "AZE", "CHN", 2019, 1), Obs("x4", "a", "KAZ", "CHN", 2019, 1)}) {
    ASSERT_OK(store_->Insert(o));
  }
  ObservationQuery q;
  q.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto p1, store_->List(q));
  EXPECT_EQ(p1.total_size, 4);
  ASSERT_EQ(p1.observations.size(), 2u);
  EXPECT_EQ(p1.observations[0].name(), "observations/x3");
  EXPECT_EQ(p1.observations[1].name(), "observations/x4");
  ASSERT_TRUE(p1.next.has_value());
  q.after = p1.next;
  ASSERT_OK_AND_ASSIGN(auto p2, store_->List(q));
  ASSERT_EQ(p2.observations.size(), 2u);
  EXPECT_EQ(p2.observations[0].name(), "observations/x2");
  EXPECT_EQ(p2.observations[1].name(), "observations/x1");
  EXPECT_FALSE(p2.next.has_value());
  // By country and indicator.
  q = ObservationQuery();
  q.countries = {"AZE"};
  q.indicator = "a";
  ASSERT_OK_AND_ASSIGN(auto p3, store_->List(q));
  EXPECT_EQ(p3.total_size, 2);
  q.countries = {"CHN", "KAZ"};
  ASSERT_OK_AND_ASSIGN(auto p4, store_->List(q));
  ASSERT_EQ(p4.observations.size(), 1u);
  EXPECT_EQ(p4.observations[0].name(), "observations/x4");
}

TEST(EconomicsStoreFileTest, WritesSurviveReopening) {
  const std::string path =
      ::testing::TempDir() + "/economics_store_" + std::to_string(getpid()) + ".db";
  std::remove(path.c_str());
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteObservationStore(path));
    ASSERT_OK(store->Insert(Obs("kept", "t", "AZE", "CHN", 2019, 7)));
    ASSERT_OK(store->SyncPlugin("plug", "1", "fp", {Obs("p", "t", "AZE", "CHN", 2018, 1)}));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteObservationStore(path));
    ASSERT_OK_AND_ASSIGN(Observation o, store->Get("observations/kept"));
    EXPECT_EQ(o.value().value(), 7);
    ASSERT_OK_AND_ASSIGN(auto outcome, store->SyncPlugin("plug", "1", "fp", {}));
    EXPECT_EQ(outcome, SyncOutcome::kUnchanged);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
}  // namespace dyad::economics

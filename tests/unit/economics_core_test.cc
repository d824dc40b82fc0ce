// EconomicsCore without gRPC, over the economics fixture plugin (and the
// real economy plugin for derived indicators): indicators, reconciled
// series, stocks "to date", filters, paging, writes and their validation.
#include "economics_core.h"

#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::GetSeriesRequest;
using dyad::economics::v1::ListObservationsRequest;
using dyad::economics::v1::ListObservationsResponse;
using dyad::economics::v1::Observation;
using dyad::economics::v1::RecordObservationRequest;
using dyad::economics::v1::Series;
using dyad::economics::v1::SeriesPoint;
using dyad::type::v1::Quantity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Names(const ListObservationsResponse& r) {
  std::vector<std::string> out;
  for (const auto& o : r.observations()) out.push_back(o.name());
  return out;
}

std::vector<std::string> Names(const SeriesPoint& p) {
  std::vector<std::string> out;
  for (const auto& o : p.observations()) out.push_back(o.name());
  return out;
}

std::vector<int> Years(const Series& s) {
  std::vector<int> out;
  for (const auto& p : s.points()) out.push_back(p.period().year());
  return out;
}

GetSeriesRequest SeriesReq(const std::string& indicator, const std::string& reporter,
                           const std::string& partner) {
  GetSeriesRequest r;
  r.set_indicator(indicator);
  r.set_reporter(reporter);
  r.set_partner(partner);
  return r;
}

class EconomicsCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/economics/fixture_economics.so")};
    auto set = PluginSet::Load(o);
    ASSERT_OK(set);
    plugins_ = std::move(*set);
    auto store = OpenSqliteObservationStore(":memory:");
    ASSERT_OK(store);
    core_ = std::make_unique<EconomicsCore>(std::move(*store), plugins_.get());
    ASSERT_OK_AND_ASSIGN(auto lines, core_->LoadPluginRecords());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_THAT(lines[0], HasSubstr("observations=15 records=loaded"));
  }

  Observation NewObservation() {
    Observation o;
    o.set_indicator("test.flow");
    o.set_reporter("AZE");
    o.set_partner("CHN");
    o.mutable_period()->set_year(2014);
    Quantity* q = o.mutable_value();
    q->set_value(52000000);
    q->set_unit("USD");
    q->set_qualifier(Quantity::QUALIFIER_APPROXIMATE);
    q->set_precision(1000000);
    q->set_as_written("about 52 million");
    auto* c = o.add_citations();
    c->set_source_id("econ-fixture");
    c->set_locator("p20");
    return o;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EconomicsCore> core_;
};

TEST_F(EconomicsCoreTest, ListsIndicatorsByIdWithPlugin) {
  auto r = core_->ListIndicators();
  std::vector<std::string> ids;
  for (const auto& i : r.indicators()) {
    ids.push_back(i.id());
    EXPECT_EQ(i.plugin(), "fixture_economics");
  }
  EXPECT_THAT(ids, ElementsAre("test.derived", "test.exports", "test.flow", "test.share",
                               "test.stock"));
  EXPECT_TRUE(r.indicators(0).derived());
  EXPECT_THAT(r.indicators(0).inputs(), ElementsAre("test.flow"));
  EXPECT_EQ(core_->ListSources().sources(0).id(), "econ-fixture");
}

TEST_F(EconomicsCoreTest, SeriesGroupsByPeriodAndReconciles) {
  ASSERT_OK_AND_ASSIGN(Series s, core_->GetSeries(SeriesReq("test.flow", "AZE", "CHN")));
  EXPECT_EQ(s.indicator(), "test.flow");
  EXPECT_EQ(s.reporter(), "AZE");
  EXPECT_EQ(s.partner(), "CHN");
  EXPECT_EQ(s.unit(), "USD");
  EXPECT_FALSE(s.derived());
  ASSERT_THAT(Years(s), ElementsAre(2010, 2011, 2012, 2013, 2014));

  const SeriesPoint& p2010 = s.points(0);
  EXPECT_EQ(p2010.rule(), "single-source");
  EXPECT_FALSE(p2010.disputed());
  EXPECT_FALSE(p2010.has_change_percent());
  EXPECT_DOUBLE_EQ(p2010.value().value(), 100e6);

  // Both country orders belong to the series; the narrowest figure wins.
  const SeriesPoint& p2011 = s.points(1);
  EXPECT_THAT(Names(p2011), ElementsAre("observations/flow-2011-a", "observations/flow-2011-b"));
  EXPECT_EQ(p2011.rule(), "most-precise-consistent");
  EXPECT_FALSE(p2011.disputed());
  EXPECT_DOUBLE_EQ(p2011.value().value(), 1310e6);
  EXPECT_EQ(p2011.value().as_written(), "1,310 million");
  ASSERT_TRUE(p2011.has_change_percent());
  EXPECT_DOUBLE_EQ(p2011.change_percent(), 1210.0);

  // [800, 900) and [900, 1000): disputed; equal widths, first by name.
  const SeriesPoint& p2012 = s.points(2);
  EXPECT_THAT(Names(p2012), ElementsAre("observations/flow-2012-a", "observations/flow-2012-b"));
  EXPECT_TRUE(p2012.disputed());
  EXPECT_EQ(p2012.rule(), "most-precise-disputed");
  EXPECT_DOUBLE_EQ(p2012.value().value(), 800e6);
  EXPECT_EQ(p2012.value().qualifier(), Quantity::QUALIFIER_AT_LEAST);
  for (const auto& o : p2012.observations()) {
    EXPECT_EQ(o.plugin(), "fixture_economics");
    EXPECT_GE(o.citations_size(), 1);
  }

  // A previous value of 0 gives no change.
  EXPECT_TRUE(s.points(3).has_change_percent());
  EXPECT_DOUBLE_EQ(s.points(3).change_percent(), -100.0);
  EXPECT_FALSE(s.points(4).has_change_percent());
}

TEST_F(EconomicsCoreTest, UndirectedSeriesAnswersInEitherOrder) {
  ASSERT_OK_AND_ASSIGN(Series ab, core_->GetSeries(SeriesReq("test.flow", "AZE", "CHN")));
  ASSERT_OK_AND_ASSIGN(Series ba, core_->GetSeries(SeriesReq("test.flow", "CHN", "AZE")));
  EXPECT_EQ(ba.reporter(), "CHN");
  EXPECT_EQ(ba.partner(), "AZE");
  ASSERT_EQ(ab.points_size(), ba.points_size());
  for (int i = 0; i < ab.points_size(); ++i) {
    EXPECT_EQ(ab.points(i).SerializeAsString(), ba.points(i).SerializeAsString()) << i;
  }
  // Another dyad is its own series.
  ASSERT_OK_AND_ASSIGN(Series kaz, core_->GetSeries(SeriesReq("test.flow", "KAZ", "CHN")));
  ASSERT_THAT(Years(kaz), ElementsAre(2011));
  EXPECT_THAT(Names(kaz.points(0)), ElementsAre("observations/flow-kaz-2011"));
}

TEST_F(EconomicsCoreTest, DirectedSeriesKeepsTheOrder) {
  ASSERT_OK_AND_ASSIGN(Series ab, core_->GetSeries(SeriesReq("test.exports", "AZE", "CHN")));
  ASSERT_EQ(ab.points_size(), 1);
  EXPECT_DOUBLE_EQ(ab.points(0).value().value(), 500e6);
  ASSERT_OK_AND_ASSIGN(Series ba, core_->GetSeries(SeriesReq("test.exports", "CHN", "AZE")));
  ASSERT_EQ(ba.points_size(), 1);
  EXPECT_DOUBLE_EQ(ba.points(0).value().value(), 700e6);
  // A figure about the reporter alone: empty partner.
  ASSERT_OK_AND_ASSIGN(Series share, core_->GetSeries(SeriesReq("test.share", "AZE", "")));
  ASSERT_EQ(share.points_size(), 1);
  EXPECT_DOUBLE_EQ(share.points(0).value().value(), 0.25);
  ASSERT_OK_AND_ASSIGN(Series none, core_->GetSeries(SeriesReq("test.share", "AZE", "CHN")));
  EXPECT_EQ(none.points_size(), 0);
}

TEST_F(EconomicsCoreTest, StocksToDateAreOnePointAfterTheDatedOnes) {
  ASSERT_OK_AND_ASSIGN(Series s, core_->GetSeries(SeriesReq("test.stock", "CHN", "AZE")));
  ASSERT_EQ(s.points_size(), 2);
  EXPECT_EQ(s.points(0).period().year(), 2017);
  const SeriesPoint& to_date = s.points(1);
  EXPECT_EQ(to_date.period().year(), 0);
  EXPECT_EQ(to_date.as_of().year(), 2021);  // the latest as_of
  EXPECT_EQ(to_date.as_of().month(), 6);
  EXPECT_EQ(to_date.as_of().day(), 7);
  EXPECT_THAT(Names(to_date), ElementsAre("observations/stock-almost", "observations/stock-over-800",
                                          "observations/stock-over-900"));
  // (700, 800], [800, 900), [900, 1000): no common point.
  EXPECT_TRUE(to_date.disputed());
  EXPECT_EQ(to_date.rule(), "most-precise-disputed");
  EXPECT_DOUBLE_EQ(to_date.value().value(), 800e6);
  EXPECT_EQ(to_date.value().qualifier(), Quantity::QUALIFIER_AT_MOST);
  EXPECT_FALSE(to_date.has_change_percent());
  // Directed: the other order has nothing.
  ASSERT_OK_AND_ASSIGN(Series other, core_->GetSeries(SeriesReq("test.stock", "AZE", "CHN")));
  EXPECT_EQ(other.points_size(), 0);
}

TEST_F(EconomicsCoreTest, PeriodFilterKeepsOverlappingPointsAndTheirChange) {
  GetSeriesRequest req = SeriesReq("test.flow", "AZE", "CHN");
  req.mutable_period()->mutable_start()->set_year(2011);
  req.mutable_period()->mutable_start()->set_month(6);
  req.mutable_period()->mutable_end()->set_year(2012);
  ASSERT_OK_AND_ASSIGN(Series s, core_->GetSeries(req));
  ASSERT_THAT(Years(s), ElementsAre(2011, 2012));
  // The change is against the series' previous point, even outside the period.
  ASSERT_TRUE(s.points(0).has_change_percent());
  EXPECT_DOUBLE_EQ(s.points(0).change_percent(), 1210.0);

  // The stock "to date" matches by its as_of (June 2021).
  req = SeriesReq("test.stock", "CHN", "AZE");
  req.mutable_period()->mutable_start()->set_year(2021);
  ASSERT_OK_AND_ASSIGN(s, core_->GetSeries(req));
  ASSERT_EQ(s.points_size(), 1);
  EXPECT_EQ(s.points(0).as_of().year(), 2021);
  req.mutable_period()->mutable_start()->set_year(2017);
  req.mutable_period()->mutable_end()->set_year(2020);
  ASSERT_OK_AND_ASSIGN(s, core_->GetSeries(req));
  ASSERT_THAT(Years(s), ElementsAre(2017));
}

TEST_F(EconomicsCoreTest, SeriesErrorsNameTheFieldOrTheIndicator) {
  EXPECT_STATUS(core_->GetSeries(SeriesReq("no.such", "AZE", "CHN")), absl::StatusCode::kNotFound,
                "no.such");
  EXPECT_STATUS(core_->GetSeries(SeriesReq("", "AZE", "CHN")), absl::StatusCode::kInvalidArgument,
                "indicator");
  EXPECT_STATUS(core_->GetSeries(SeriesReq("test.flow", "", "CHN")),
                absl::StatusCode::kInvalidArgument, "reporter");
  EXPECT_STATUS(core_->GetSeries(SeriesReq("test.flow", "aze", "CHN")),
                absl::StatusCode::kInvalidArgument, "reporter");
  EXPECT_STATUS(core_->GetSeries(SeriesReq("test.flow", "AZE", "XXX")),
                absl::StatusCode::kInvalidArgument, "partner");
  GetSeriesRequest req = SeriesReq("test.flow", "AZE", "CHN");
  req.mutable_period()->mutable_start()->set_year(2015);
  req.mutable_period()->mutable_end()->set_year(2014);
  EXPECT_STATUS(core_->GetSeries(req), absl::StatusCode::kInvalidArgument, "period.end");
  req.mutable_period()->mutable_end()->set_month(13);
  EXPECT_STATUS(core_->GetSeries(req), absl::StatusCode::kInvalidArgument, "period.end.month");
}

TEST_F(EconomicsCoreTest, DerivedIndicatorWithoutHookIsFailedPrecondition) {
  auto s = core_->GetSeries(SeriesReq("test.derived", "AZE", "CHN"));
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "fixture_economics");
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "test.derived");
  EXPECT_STATUS(s, absl::StatusCode::kFailedPrecondition, "HOOK_DERIVE");
}

TEST_F(EconomicsCoreTest, ListObservationsOrdersByIndicatorPeriodName) {
  ListObservationsRequest req;
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListObservations(req));
  EXPECT_EQ(r.total_size(), 15);
  EXPECT_TRUE(r.next_page_token().empty());
  EXPECT_THAT(Names(r),
              ElementsAre("observations/exports-aze-chn-2011", "observations/exports-chn-aze-2011",
                          "observations/flow-2010-a", "observations/flow-2011-a",
                          "observations/flow-2011-b", "observations/flow-kaz-2011",
                          "observations/flow-2012-a", "observations/flow-2012-b",
                          "observations/flow-2013-a", "observations/flow-2014-a",
                          "observations/share-aze-2016", "observations/stock-2017",
                          "observations/stock-almost", "observations/stock-over-800",
                          "observations/stock-over-900"));
  req.set_indicator("test.stock");
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_EQ(r.total_size(), 4);
  req.set_indicator("no.such");
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_EQ(r.total_size(), 0);
}

TEST_F(EconomicsCoreTest, ListObservationsFiltersByEveryCountryAndPeriod) {
  ListObservationsRequest req;
  req.add_countries("KAZ");
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListObservations(req));
  EXPECT_THAT(Names(r), ElementsAre("observations/flow-kaz-2011"));
  req.add_countries("CHN");
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_THAT(Names(r), ElementsAre("observations/flow-kaz-2011"));
  req.add_countries("AZE");  // no figure has three countries
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_EQ(r.total_size(), 0);
  EXPECT_EQ(r.observations_size(), 0);

  req = ListObservationsRequest();
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_indicator("test.flow");
  req.mutable_period()->mutable_start()->set_year(2011);
  req.mutable_period()->mutable_start()->set_month(3);
  req.mutable_period()->mutable_end()->set_year(2011);
  req.mutable_period()->mutable_end()->set_month(3);
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_THAT(Names(r), ElementsAre("observations/flow-2011-a", "observations/flow-2011-b"));

  // Figures "to date" match by as_of.
  req = ListObservationsRequest();
  req.mutable_period()->mutable_start()->set_year(2020);
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_THAT(Names(r), ElementsAre("observations/stock-over-800", "observations/stock-over-900"));
  // Only AZE: reporter or partner.
  req = ListObservationsRequest();
  req.add_countries("AZE");
  req.set_indicator("test.exports");
  ASSERT_OK_AND_ASSIGN(r, core_->ListObservations(req));
  EXPECT_EQ(r.total_size(), 2);
}

TEST_F(EconomicsCoreTest, ListObservationsPagesWithKeysetTokens) {
  for (bool by_country : {false, true}) {
    ListObservationsRequest req;
    if (by_country) req.add_countries("AZE");
    req.set_page_size(4);
    std::vector<std::string> all;
    int pages = 0;
    int64_t total = -1;
    for (;;) {
      ASSERT_OK_AND_ASSIGN(auto r, core_->ListObservations(req));
      if (total < 0) total = r.total_size();
      EXPECT_EQ(r.total_size(), total);
      EXPECT_LE(r.observations_size(), 4);
      for (const auto& o : r.observations()) all.push_back(o.name());
      ++pages;
      if (r.next_page_token().empty()) break;
      req.set_page_token(r.next_page_token());
      ASSERT_LT(pages, 10);
    }
    EXPECT_EQ(static_cast<int64_t>(all.size()), total) << by_country;
    EXPECT_EQ(total, by_country ? 14 : 15);
    // No repeats and in order across page (and indicator) boundaries.
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
    ListObservationsRequest one_page;
    if (by_country) one_page.add_countries("AZE");
    ASSERT_OK_AND_ASSIGN(auto whole, core_->ListObservations(one_page));
    EXPECT_EQ(Names(whole), all);
  }
}

TEST_F(EconomicsCoreTest, ListObservationsBadInputNamesTheField) {
  ListObservationsRequest req;
  req.set_page_size(-1);
  EXPECT_STATUS(core_->ListObservations(req), absl::StatusCode::kInvalidArgument, "page_size");
  req = ListObservationsRequest();
  req.set_page_token("garbage!");
  EXPECT_STATUS(core_->ListObservations(req), absl::StatusCode::kInvalidArgument, "page_token");
  req = ListObservationsRequest();
  req.add_countries("ZZZ");
  EXPECT_STATUS(core_->ListObservations(req), absl::StatusCode::kInvalidArgument, "countries[0]");
  req = ListObservationsRequest();
  req.mutable_period()->mutable_start()->set_year(2015);
  req.mutable_period()->mutable_start()->set_day(3);
  EXPECT_STATUS(core_->ListObservations(req), absl::StatusCode::kInvalidArgument, "period.start");
  // A token only works with the filters it came from.
  req = ListObservationsRequest();
  req.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(auto p1, core_->ListObservations(req));
  req.set_indicator("test.flow");
  req.set_page_token(p1.next_page_token());
  EXPECT_STATUS(core_->ListObservations(req), absl::StatusCode::kInvalidArgument, "page_token");
  // Large pages are clamped, not refused.
  req = ListObservationsRequest();
  req.set_page_size(100000);
  ASSERT_OK_AND_ASSIGN(auto big, core_->ListObservations(req));
  EXPECT_EQ(big.observations_size(), 15);
}

TEST_F(EconomicsCoreTest, RecordValidatesStoresAndJoinsTheSeries) {
  RecordObservationRequest req;
  *req.mutable_observation() = NewObservation();
  req.mutable_observation()->set_plugin("forged");
  req.mutable_observation()->set_name("observations/forged");
  ASSERT_OK_AND_ASSIGN(Observation o, core_->RecordObservation(req));
  EXPECT_TRUE(absl::StartsWith(o.name(), "observations/test-flow-aze-chn-2014-")) << o.name();
  EXPECT_EQ(o.plugin(), "");

  req.set_observation_id("chosen-id");
  ASSERT_OK_AND_ASSIGN(o, core_->RecordObservation(req));
  EXPECT_EQ(o.name(), "observations/chosen-id");
  EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kAlreadyExists,
                "observations/chosen-id");
  req.set_observation_id("flow-2010-a");  // taken by a plugin record
  EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kAlreadyExists, "flow-2010-a");

  // The 2014 point now reconciles the plugin figure with the two API ones:
  // "about 52 million" is 51..53 M and misses 49.5..50.5 M.
  ASSERT_OK_AND_ASSIGN(Series s, core_->GetSeries(SeriesReq("test.flow", "CHN", "AZE")));
  const SeriesPoint& p2014 = s.points(4);
  EXPECT_EQ(p2014.period().year(), 2014);
  EXPECT_EQ(p2014.observations_size(), 3);
  EXPECT_TRUE(p2014.disputed());
  EXPECT_DOUBLE_EQ(p2014.value().value(), 50e6);

  ListObservationsRequest list;
  list.set_indicator("test.flow");
  list.mutable_period()->mutable_start()->set_year(2014);
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListObservations(list));
  EXPECT_EQ(r.total_size(), 3);
}

TEST_F(EconomicsCoreTest, RecordRejectsBadObservationsNamingTheField) {
  struct Case {
    std::function<void(Observation&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](Observation& o) { o.clear_indicator(); }, "observation.indicator"},
      {[](Observation& o) { o.set_indicator("no.such"); }, "observation.indicator"},
      {[](Observation& o) { o.set_indicator("test.derived"); }, "observation.indicator"},
      {[](Observation& o) { o.clear_reporter(); }, "observation.reporter"},
      {[](Observation& o) { o.set_reporter("XYZ"); }, "observation.reporter"},
      {[](Observation& o) { o.set_partner("xyz"); }, "observation.partner"},
      {[](Observation& o) { o.set_partner("AZE"); }, "observation.partner"},
      {[](Observation& o) { o.clear_period(); }, "observation.period"},
      {[](Observation& o) { o.mutable_period()->set_month(13); }, "observation.period.month"},
      {[](Observation& o) { o.mutable_as_of()->set_day(5); }, "observation.as_of"},
      {[](Observation& o) { o.clear_value(); }, "observation.value"},
      {[](Observation& o) { o.mutable_value()->set_value(std::nan("")); }, "observation.value.value"},
      {[](Observation& o) { o.mutable_value()->set_value(HUGE_VAL); }, "observation.value.value"},
      {[](Observation& o) { o.mutable_value()->set_precision(-1); }, "observation.value.precision"},
      {[](Observation& o) { o.mutable_value()->set_unit("EUR"); }, "observation.value.unit"},
      {[](Observation& o) { o.mutable_value()->clear_unit(); }, "observation.value.unit"},
      {[](Observation& o) {
         o.mutable_value()->set_qualifier(Quantity::QUALIFIER_RANGE);
         o.mutable_value()->set_upper(1);
       },
       "observation.value.upper"},
      {[](Observation& o) { o.clear_citations(); }, "observation.citations"},
      {[](Observation& o) { o.mutable_citations(0)->clear_source_id(); },
       "observation.citations[0].source_id"},
      {[](Observation& o) { o.mutable_citations(0)->clear_locator(); },
       "observation.citations[0].locator"},
  };
  for (const auto& c : cases) {
    RecordObservationRequest req;
    *req.mutable_observation() = NewObservation();
    c.mutate(*req.mutable_observation());
    EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kInvalidArgument, c.field);
  }
  RecordObservationRequest req;
  EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kInvalidArgument, "observation:");
  *req.mutable_observation() = NewObservation();
  for (const char* bad : {"Bad-Id", "-lead", "a_b", "x/y"}) {
    req.set_observation_id(bad);
    EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kInvalidArgument,
                  "observation_id");
  }
  req.set_observation_id(std::string(64, 'a'));
  EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kInvalidArgument,
                "observation_id");
  // A stock "to date" is fine without a period.
  req.set_observation_id("");
  req.mutable_observation()->clear_period();
  req.mutable_observation()->mutable_as_of()->set_year(2022);
  EXPECT_OK(core_->RecordObservation(req));
}

TEST_F(EconomicsCoreTest, ReloadingTheSamePluginsChangesNothing) {
  ASSERT_OK_AND_ASSIGN(auto lines, core_->LoadPluginRecords());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("records=unchanged"));
}

// Derived indicators through the real economy plugin's HOOK_DERIVE (with the
// deployed plugin set, since economy cites the diplomacy plugin's sources).
class EconomicsDerivedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.dir = dyad::testing::BuildPath("plugins");
    auto set = PluginSet::Load(o);
    ASSERT_OK(set);
    plugins_ = std::move(*set);
    auto store = OpenSqliteObservationStore(":memory:");
    ASSERT_OK(store);
    core_ = std::make_unique<EconomicsCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EconomicsCore> core_;
};

TEST_F(EconomicsDerivedTest, BalanceIsExportsMinusImportsWhereBothExist) {
  ASSERT_OK_AND_ASSIGN(Series s, core_->GetSeries(SeriesReq("trade.balance", "AZE", "CHN")));
  EXPECT_TRUE(s.derived());
  EXPECT_EQ(s.unit(), "USD");
  ASSERT_THAT(Years(s), ElementsAre(2019));
  const SeriesPoint& p = s.points(0);
  EXPECT_TRUE(p.derived());
  EXPECT_EQ(p.rule(), "derived:economy");
  EXPECT_DOUBLE_EQ(p.value().value(), 752e6 - 1432e6);
  EXPECT_EQ(p.value().unit(), "USD");
  EXPECT_EQ(p.observations_size(), 0);
  EXPECT_FALSE(p.disputed());
  EXPECT_FALSE(p.has_change_percent());
  EXPECT_THAT(p.derivation(), HasSubstr("exports minus imports"));
  // The derived point cites the sourced figures it was computed from.
  ASSERT_GE(p.citations_size(), 1);
  EXPECT_EQ(p.citations(0).source_id(), "jafarli");
  // Directed: China's exports to Azerbaijan are not in the sources.
  ASSERT_OK_AND_ASSIGN(Series other, core_->GetSeries(SeriesReq("trade.balance", "CHN", "AZE")));
  EXPECT_EQ(other.points_size(), 0);
}

TEST_F(EconomicsDerivedTest, TurnoverGrowthOnlyBetweenConsecutiveYears) {
  ASSERT_OK_AND_ASSIGN(Series turnover, core_->GetSeries(SeriesReq("trade.turnover", "AZE", "CHN")));
  std::map<int, double> value;
  for (const auto& p : turnover.points()) value[p.period().year()] = p.value().value();
  ASSERT_OK_AND_ASSIGN(Series s, core_->GetSeries(SeriesReq("trade.turnover_growth_computed",
                                                            "CHN", "AZE")));
  EXPECT_TRUE(s.derived());
  EXPECT_EQ(s.unit(), "percent");
  // 2007 and 2015 have no year before them in the data, nor has 2024.
  ASSERT_THAT(Years(s), ElementsAre(2016, 2017, 2018, 2019, 2020));
  for (const auto& p : s.points()) {
    const int y = p.period().year();
    EXPECT_NEAR(p.value().value(), (value[y] - value[y - 1]) / value[y - 1] * 100, 1e-9) << y;
    EXPECT_TRUE(p.derived());
    EXPECT_EQ(p.rule(), "derived:economy");
    EXPECT_EQ(p.observations_size(), 0);
  }
  // 2019 over 2018: the sources say 66.7 percent.
  EXPECT_NEAR(s.points(3).value().value(), 66.7, 0.05);
  // change_percent of derived points is computed as for sourced ones.
  EXPECT_FALSE(s.points(0).has_change_percent());
  ASSERT_TRUE(s.points(1).has_change_percent());
  EXPECT_NEAR(s.points(1).change_percent(),
              (s.points(1).value().value() - s.points(0).value().value()) /
                  std::fabs(s.points(0).value().value()) * 100,
              1e-9);
  // The period filter applies after computing: 2016 still needs 2015.
  GetSeriesRequest req = SeriesReq("trade.turnover_growth_computed", "AZE", "CHN");
  req.mutable_period()->mutable_start()->set_year(2016);
  req.mutable_period()->mutable_end()->set_year(2016);
  ASSERT_OK_AND_ASSIGN(s, core_->GetSeries(req));
  ASSERT_THAT(Years(s), ElementsAre(2016));
}

TEST_F(EconomicsDerivedTest, DerivedIndicatorsRefuseRecordedFigures) {
  RecordObservationRequest req;
  Observation* o = req.mutable_observation();
  o->set_indicator("trade.balance");
  o->set_reporter("AZE");
  o->set_partner("CHN");
  o->mutable_period()->set_year(2019);
  o->mutable_value()->set_value(1);
  o->mutable_value()->set_unit("USD");
  auto* c = o->add_citations();
  c->set_source_id("jafarli");
  c->set_locator("p8");
  EXPECT_STATUS(core_->RecordObservation(req), absl::StatusCode::kInvalidArgument, "derived");
}

}  // namespace
}  // namespace dyad::economics

namespace dyad::economics {
namespace {

// ListSeries: every series of a dyad's figures of a period, in one call,
// each exactly what GetSeries gives for it.
TEST_F(EconomicsDerivedTest, ListSeriesIsEverySeriesOfThePeriodAsGetSeriesGivesIt) {
  dyad::economics::v1::ListSeriesRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.mutable_period()->mutable_start()->set_year(2019);
  req.mutable_period()->mutable_end()->set_year(2019);
  req.mutable_points_period()->mutable_start()->set_year(2018);
  req.mutable_points_period()->mutable_end()->set_year(2019);
  ASSERT_OK_AND_ASSIGN(auto without, core_->ListSeries(req));
  req.set_with_derived(true);
  ASSERT_OK_AND_ASSIGN(auto resp, core_->ListSeries(req));
  ASSERT_FALSE(without.series().empty());
  EXPECT_GT(resp.series_size(), without.series_size());  // trade.balance, derived
  std::set<std::string> indicators;
  for (const auto& i : resp.indicators()) indicators.insert(i.id());
  bool balance = false;
  for (const auto& s : resp.series()) {
    EXPECT_TRUE(indicators.count(s.indicator())) << s.indicator();
    balance = balance || s.indicator() == "trade.balance";
    auto one = SeriesReq(s.indicator(), s.reporter(), s.partner());
    *one.mutable_period() = req.points_period();
    ASSERT_OK_AND_ASSIGN(Series alone, core_->GetSeries(one));
    EXPECT_EQ(s.SerializeAsString(), alone.SerializeAsString()) << s.indicator();
  }
  EXPECT_TRUE(balance);
  // The cached answer is the same bytes.
  ASSERT_OK_AND_ASSIGN(auto bytes, core_->ListSeriesSerialized(req));
  ASSERT_OK_AND_ASSIGN(auto again, core_->ListSeriesSerialized(req));
  EXPECT_EQ(*bytes, resp.SerializeAsString());
  EXPECT_EQ(*again, *bytes);

  dyad::economics::v1::ListSeriesRequest bad;
  EXPECT_THAT(core_->ListSeries(bad).status().message(), HasSubstr("countries"));
  for (const char* c : {"AZE", "CHN", "KAZ"}) bad.add_countries(c);
  auto three = core_->ListSeries(bad);
  EXPECT_EQ(three.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(three.status().message(), HasSubstr("countries"));
}

}  // namespace
}  // namespace dyad::economics

// EconomicsCore's import path without gRPC: idempotent upserts, corrected
// rows, indicator and unit checks, all-or-nothing batches, commodity figures
// kept out of total series, and the origin filter of ListObservations.
#include <unistd.h>

#include "common/sqlite/database.h"
#include "economics_core.h"
#include "testing/status_matchers.h"
#include "testing/trade_fixture.h"

namespace dyad::economics {
namespace {

using namespace dyad::economics::v1;  // NOLINT
using ::testing::HasSubstr;
using dyad::testing::Comtrade;
using dyad::testing::TradePlugins;

class EconomicsImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(plugins_, TradePlugins());
    auto store = OpenSqliteObservationStore(path_);
    ASSERT_OK(store);
    core_ = std::make_unique<EconomicsCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
  }
  void TearDown() override {
    core_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }

  ImportObservationsResponse Import(const std::vector<Observation>& rows) {
    ImportObservationsRequest req;
    for (const auto& o : rows) *req.add_observations() = o;
    ImportObservationsResponse summary;
    int64_t index = 0;
    absl::Status s = core_->ImportObservations(req, &index, &summary);
    EXPECT_TRUE(s.ok()) << s;
    return summary;
  }

  std::vector<Observation> Rows() {
    return {Comtrade("TOTAL|2017|GEO|ARM|X", 2017, 500e6),
            Comtrade("TOTAL|2018|GEO|ARM|X", 2018, 550e6),
            Comtrade("HS27|2018|GEO|ARM|X", 2018, 90e6, "HS:27")};
  }

  GetSeriesRequest Series(const std::string& commodity = "") {
    GetSeriesRequest r;
    r.set_indicator("trade.exports");
    r.set_reporter("GEO");
    r.set_partner("ARM");
    r.set_commodity(commodity);
    return r;
  }

  std::string path_ = ::testing::TempDir() + "/economics_import_test_" + std::to_string(getpid()) + ".db";
  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EconomicsCore> core_;
};

TEST_F(EconomicsImportTest, SameRowsTwiceChangeNothingAndCorrectionsUpdate) {
  ImportObservationsResponse first = Import(Rows());
  EXPECT_EQ(first.created(), 3);
  EXPECT_EQ(first.rejected(), 0);
  ImportObservationsResponse again = Import(Rows());
  EXPECT_EQ(again.unchanged(), 3);
  EXPECT_EQ(again.created() + again.updated(), 0);
  std::vector<Observation> corrected = Rows();
  corrected[1].mutable_value()->set_value(560e6);
  ImportObservationsResponse fixed = Import(corrected);
  EXPECT_EQ(fixed.updated(), 1);
  EXPECT_EQ(fixed.unchanged(), 2);
  ASSERT_OK_AND_ASSIGN(auto series, core_->GetSeries(Series()));
  ASSERT_EQ(series.points_size(), 3);  // 2016 curated, 2017, 2018
  EXPECT_DOUBLE_EQ(series.points(2).value().value(), 560e6);
  ASSERT_EQ(series.points(2).observations_size(), 1);
  const Observation& o = series.points(2).observations(0);
  EXPECT_EQ(o.name(), "observations/comtrade-total-2018-geo-arm-x");
  EXPECT_EQ(o.origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
  EXPECT_EQ(o.value().unit(), "USD");  // from the indicator
}

TEST_F(EconomicsImportTest, CommodityFiguresStayOutOfTotalSeries) {
  Import(Rows());
  ASSERT_OK_AND_ASSIGN(auto totals, core_->GetSeries(Series()));
  for (const auto& p : totals.points()) {
    for (const auto& o : p.observations()) EXPECT_EQ(o.commodity(), "") << o.name();
  }
  EXPECT_DOUBLE_EQ(totals.points(2).value().value(), 550e6);
  EXPECT_FALSE(totals.points(2).disputed());
  ASSERT_OK_AND_ASSIGN(auto fuel, core_->GetSeries(Series("HS:27")));
  ASSERT_EQ(fuel.points_size(), 1);
  EXPECT_EQ(fuel.commodity(), "HS:27");
  EXPECT_DOUBLE_EQ(fuel.points(0).value().value(), 90e6);
  ListObservationsRequest l;
  l.add_countries("GEO");
  ASSERT_OK_AND_ASSIGN(auto listed, core_->ListObservations(l));
  EXPECT_EQ(listed.total_size(), 3);  // curated 2016 + two totals
  l.set_commodity("HS:27");
  ASSERT_OK_AND_ASSIGN(auto listed_fuel, core_->ListObservations(l));
  ASSERT_EQ(listed_fuel.total_size(), 1);
  EXPECT_EQ(listed_fuel.observations(0).commodity(), "HS:27");
}

TEST_F(EconomicsImportTest, ListObservationsFiltersByOrigin) {
  Import(Rows());
  ListObservationsRequest l;
  l.set_indicator("trade.exports");
  l.set_origin(dyad::type::v1::ORIGIN_CURATED);
  ASSERT_OK_AND_ASSIGN(auto curated, core_->ListObservations(l));
  ASSERT_EQ(curated.total_size(), 1);
  EXPECT_EQ(curated.observations(0).name(), "observations/curated-exports-2016");
  l.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  l.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(auto coded, core_->ListObservations(l));
  EXPECT_EQ(coded.total_size(), 2);
  ASSERT_FALSE(coded.next_page_token().empty());
  ListObservationsRequest other = l;
  other.set_origin(dyad::type::v1::ORIGIN_UNSPECIFIED);
  other.set_page_token(coded.next_page_token());
  EXPECT_STATUS(core_->ListObservations(other), absl::StatusCode::kInvalidArgument, "page_token");
}

// GetSeries.origin: only the figures of one origin are reconciled, so a
// series of curated figures is not mixed with imported ones (and the
// change against the year before compares like with like).
TEST_F(EconomicsImportTest, SeriesFiltersByOrigin) {
  std::vector<Observation> rows = Rows();
  rows.push_back(Comtrade("TOTAL|2016|GEO|ARM|X", 2016, 120));
  Import(rows);
  ASSERT_OK_AND_ASSIGN(auto both, core_->GetSeries(Series()));
  ASSERT_EQ(both.points_size(), 3);
  EXPECT_EQ(both.points(0).observations_size(), 2);  // 2016: curated 100 and imported 120
  GetSeriesRequest r = Series();
  r.set_origin(dyad::type::v1::ORIGIN_CURATED);
  ASSERT_OK_AND_ASSIGN(auto curated, core_->GetSeries(r));
  ASSERT_EQ(curated.points_size(), 1);
  ASSERT_EQ(curated.points(0).observations_size(), 1);
  EXPECT_EQ(curated.points(0).observations(0).name(), "observations/curated-exports-2016");
  EXPECT_DOUBLE_EQ(curated.points(0).value().value(), 100);
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  ASSERT_OK_AND_ASSIGN(auto coded, core_->GetSeries(r));
  ASSERT_EQ(coded.points_size(), 3);
  EXPECT_DOUBLE_EQ(coded.points(0).value().value(), 120);
  EXPECT_EQ(coded.points(0).rule(), "single-source");
  ASSERT_TRUE(coded.points(1).has_change_percent());
  EXPECT_DOUBLE_EQ(coded.points(1).change_percent(), (500e6 - 120) / 120 * 100);
  r.set_origin(static_cast<dyad::type::v1::Origin>(9));
  EXPECT_STATUS(core_->GetSeries(r), absl::StatusCode::kInvalidArgument, "origin");
}

TEST_F(EconomicsImportTest, BadFiguresAreRejectedWithTheirRow) {
  std::vector<Observation> rows = Rows();
  Observation unknown = Comtrade("A", 2018, 1);
  unknown.set_indicator("trade.tonnes");
  rows.push_back(unknown);
  Observation wrong_unit = Comtrade("B", 2018, 1);
  wrong_unit.mutable_value()->set_unit("EUR");
  rows.push_back(wrong_unit);
  Observation no_row = Comtrade("C", 2018, 1);
  no_row.mutable_citations(0)->clear_row();
  rows.push_back(no_row);
  Observation bad_country = Comtrade("D", 2018, 1);
  bad_country.set_partner("XX");
  rows.push_back(bad_country);
  ImportObservationsResponse s = Import(rows);
  EXPECT_EQ(s.received(), 7);
  EXPECT_EQ(s.created(), 3);
  EXPECT_EQ(s.rejected(), 4);
  ASSERT_EQ(s.rejections_size(), 4);
  EXPECT_EQ(s.rejections(0).index(), 3);
  EXPECT_EQ(s.rejections(0).row().upstream_id(), "A");
  EXPECT_EQ(s.rejections(0).row().file(), "comtrade_geo_2016.csv");
  EXPECT_THAT(s.rejections(0).reason(), HasSubstr("unknown indicator \"trade.tonnes\""));
  EXPECT_THAT(s.rejections(1).reason(), HasSubstr("value.unit"));
  EXPECT_THAT(s.rejections(2).reason(), HasSubstr("citations"));
  EXPECT_THAT(s.rejections(3).reason(), HasSubstr("partner"));
}

// Money and counts are not negative, nor absurdly large; a net flow that its
// plugin declares allows_negative may be below zero.
TEST_F(EconomicsImportTest, ValuesAreCheckedAgainstTheIndicatorsSign) {
  Observation negative_exports = Comtrade("N", 2018, -5);
  Observation huge = Comtrade("H", 2018, -1e308);
  Observation fdi_outflow = Comtrade("F", 2018, -2.5e8);
  fdi_outflow.set_indicator("wdi.fdi");
  fdi_outflow.clear_partner();
  ImportObservationsResponse s = Import({negative_exports, huge, fdi_outflow});
  EXPECT_EQ(s.created(), 1);
  EXPECT_EQ(s.rejected(), 2);
  ASSERT_EQ(s.rejections_size(), 2);
  EXPECT_THAT(s.rejections(0).reason(), HasSubstr("value.value"));
  EXPECT_THAT(s.rejections(1).reason(), HasSubstr("value.value"));
}

TEST_F(EconomicsImportTest, BatchFailingInStorageLeavesNothingWritten) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, sql::Database::Open(path_));
    ASSERT_OK(db->Execute(
        "CREATE TRIGGER fail_one BEFORE INSERT ON observations WHEN new.commodity = 'HS:27' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"));
  }
  ImportObservationsRequest req;
  for (const auto& o : Rows()) *req.add_observations() = o;
  ImportObservationsResponse summary;
  int64_t index = 0;
  EXPECT_STATUS(core_->ImportObservations(req, &index, &summary),
                absl::StatusCode::kFailedPrecondition, "injected failure");
  EXPECT_EQ(summary.received(), 0);
  ListObservationsRequest l;
  l.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  ASSERT_OK_AND_ASSIGN(auto listed, core_->ListObservations(l));
  EXPECT_EQ(listed.total_size(), 0);
}

}  // namespace
}  // namespace dyad::economics

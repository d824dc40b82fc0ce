// dyad-economics started as a user would, with the real plugins: the
// curated turnover series, stocks "to date", derived indicators through the
// economy plugin's hook, health, durable writes across restarts and plugin
// changes, graceful shutdown, and one-line start-up failures.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include <grpcpp/grpcpp.h>

#include "dyad/economics/v1/economics.grpc.pb.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::economics::v1;  // NOLINT
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kService[] = "dyad.economics.v1.EconomicsService";

class EconomicsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/economics_e2e_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str()), 0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  // Starts dyad-economics and waits for its serving line.
  absl::StatusOr<ChildProcess> Start(const std::string& plugins, const std::string& db) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-economics"), "--port=0",
                                     "--host=127.0.0.1", "--plugins=" + plugins, "--db=" + db,
                                     "--write_token_file=" + dir_ + "/token",
                                     "--shutdown_grace=5s"};
    auto p = ChildProcess::Start(argv);
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    port_ = dyad::testing::ParseServingPort(*out);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = EconomicsService::NewStub(channel_);
    return p;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(bool with_token = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (with_token) ctx->AddMetadata("authorization", "Bearer e2e-token");
    return ctx;
  }

  absl::StatusOr<Series> GetSeries(const std::string& indicator, const std::string& reporter,
                                   const std::string& partner) {
    GetSeriesRequest req;
    req.set_indicator(indicator);
    req.set_reporter(reporter);
    req.set_partner(partner);
    Series s;
    grpc::Status status = stub_->GetSeries(Ctx().get(), req, &s);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return s;
  }

  static std::vector<int> Years(const Series& s) {
    std::vector<int> out;
    for (const auto& p : s.points()) out.push_back(p.period().year());
    return out;
  }

  std::string dir_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EconomicsService::Stub> stub_;
};

TEST_F(EconomicsE2eTest, TurnoverSeriesFromTheCuratedData) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(BuildPath("plugins"), ":memory:"));
  EXPECT_THAT(p.Output(), HasSubstr("economy@"));
  EXPECT_THAT(p.Output(), HasSubstr("service=dyad.economics.v1.EconomicsService"));
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(channel_, kService));
  EXPECT_EQ(health, 1);  // SERVING

  ASSERT_OK_AND_ASSIGN(Series s, GetSeries("trade.turnover", "AZE", "CHN"));
  EXPECT_EQ(s.unit(), "USD");
  // Every year the documents give a turnover for, and no "to date" point.
  ASSERT_THAT(Years(s), ElementsAre(2007, 2015, 2016, 2017, 2018, 2019, 2020, 2024));
  std::map<int, const SeriesPoint*> by_year;
  for (const auto& pt : s.points()) {
    by_year[pt.period().year()] = &pt;
    EXPECT_FALSE(pt.derived());
    for (const auto& o : pt.observations()) {
      EXPECT_GE(o.citations_size(), 1) << o.name();
      EXPECT_EQ(o.plugin(), "economy");
    }
  }
  // Several sources each in 2017, 2018, 2019, all within rounding.
  for (int year : {2017, 2018, 2019}) {
    const SeriesPoint& pt = *by_year[year];
    EXPECT_GE(pt.observations_size(), 2) << year;
    EXPECT_FALSE(pt.disputed()) << year;
    EXPECT_EQ(pt.rule(), "most-precise-consistent") << year;
  }
  EXPECT_DOUBLE_EQ(by_year[2017]->value().value(), 1298e6);
  EXPECT_DOUBLE_EQ(by_year[2018]->value().value(), 1310e6);
  EXPECT_EQ(by_year[2018]->observations_size(), 3);
  EXPECT_DOUBLE_EQ(by_year[2019]->value().value(), 2184e6);
  EXPECT_DOUBLE_EQ(by_year[2024]->value().value(), 3744e6);
  EXPECT_EQ(by_year[2007]->rule(), "single-source");
  EXPECT_FALSE(by_year[2007]->has_change_percent());
  ASSERT_TRUE(by_year[2019]->has_change_percent());
  EXPECT_NEAR(by_year[2019]->change_percent(), 66.7, 0.05);  // as jafarli states it

  // Undirected: China/Azerbaijan gives the same points.
  ASSERT_OK_AND_ASSIGN(Series back, GetSeries("trade.turnover", "CHN", "AZE"));
  EXPECT_EQ(back.reporter(), "CHN");
  ASSERT_EQ(back.points_size(), s.points_size());
  for (int i = 0; i < s.points_size(); ++i) {
    EXPECT_EQ(back.points(i).SerializeAsString(), s.points(i).SerializeAsString()) << i;
  }

  ASSERT_OK_AND_ASSIGN(int code, p.Stop(SIGTERM, absl::Seconds(20)));
  EXPECT_EQ(code, 0) << p.Output();
  EXPECT_THAT(p.Output(), HasSubstr("shutting down signal=SIGTERM"));
}

TEST_F(EconomicsE2eTest, StocksToDateAndDerivedIndicators) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(BuildPath("plugins"), ":memory:"));
  // China's investment in Azerbaijan "to date": the sources cannot all be
  // right (almost 800 million, more than 800 million, over 900 million).
  ASSERT_OK_AND_ASSIGN(Series stock, GetSeries("investment.stock", "CHN", "AZE"));
  ASSERT_EQ(stock.points_size(), 1);
  const SeriesPoint& pt = stock.points(0);
  EXPECT_EQ(pt.period().year(), 0);
  EXPECT_EQ(pt.as_of().year(), 2022);
  EXPECT_TRUE(pt.disputed());
  EXPECT_EQ(pt.rule(), "most-precise-disputed");
  EXPECT_EQ(pt.observations_size(), 4);
  EXPECT_FALSE(pt.has_change_percent());
  // Directed: Azerbaijan's investment in China is another series, consistent.
  ASSERT_OK_AND_ASSIGN(Series aze, GetSeries("investment.stock", "AZE", "CHN"));
  ASSERT_EQ(aze.points_size(), 1);
  EXPECT_FALSE(aze.points(0).disputed());
  EXPECT_DOUBLE_EQ(aze.points(0).value().value(), 1.7e9);

  // trade.balance = exports - imports, through the economy plugin's hook.
  ASSERT_OK_AND_ASSIGN(Series balance, GetSeries("trade.balance", "AZE", "CHN"));
  EXPECT_TRUE(balance.derived());
  ASSERT_THAT(Years(balance), ElementsAre(2019));
  EXPECT_DOUBLE_EQ(balance.points(0).value().value(), -680e6);
  EXPECT_TRUE(balance.points(0).derived());
  EXPECT_EQ(balance.points(0).rule(), "derived:economy");
  EXPECT_EQ(balance.points(0).observations_size(), 0);
  EXPECT_FALSE(balance.points(0).derivation().empty());

  ASSERT_OK_AND_ASSIGN(Series growth, GetSeries("trade.turnover_growth_computed", "AZE", "CHN"));
  ASSERT_THAT(Years(growth), ElementsAre(2016, 2017, 2018, 2019, 2020));

  ListIndicatorsResponse indicators;
  ASSERT_TRUE(stub_->ListIndicators(Ctx().get(), ListIndicatorsRequest(), &indicators).ok());
  std::vector<std::string> ids;
  for (const auto& i : indicators.indicators()) ids.push_back(i.id());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_THAT(ids, ::testing::IsSupersetOf({"trade.turnover", "trade.exports", "trade.imports",
                                            "investment.stock", "investment.companies",
                                            "trade.share_of_total", "trade.balance"}));
  ListSourcesResponse sources;
  ASSERT_TRUE(stub_->ListSources(Ctx().get(), ListSourcesRequest(), &sources).ok());
  EXPECT_GE(sources.sources_size(), 5);
}

TEST_F(EconomicsE2eTest, WritesSurviveRestartAndPluginChanges) {
  const std::string db = dir_ + "/economics.db";
  const std::string plugins = dir_ + "/plugins";
  ASSERT_EQ(system(("mkdir -p " + plugins + " && cp " +
                    BuildPath("fixtures/economics/fixture_economics.so") + " " + plugins + "/")
                       .c_str()),
            0);
  std::string name;
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(plugins, db));
    EXPECT_THAT(p.Output(), HasSubstr("records=loaded"));
    RecordObservationRequest req;
    Observation* o = req.mutable_observation();
    o->set_indicator("test.flow");
    o->set_reporter("AZE");
    o->set_partner("CHN");
    o->mutable_period()->set_year(2021);
    o->mutable_value()->set_value(2e9);
    o->mutable_value()->set_unit("USD");
    o->mutable_value()->set_precision(1e8);
    auto* c = o->add_citations();
    c->set_source_id("econ-fixture");
    c->set_locator("p1");
    Observation out;
    grpc::Status s = stub_->RecordObservation(Ctx().get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    s = stub_->RecordObservation(Ctx(true).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    name = out.name();
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
  }
  {
    // Same plugin again: nothing to do.
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(plugins, db));
    EXPECT_THAT(p.Output(), HasSubstr("records=unchanged"));
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
  }
  {
    // Version 2: the plugin's records are replaced, the API record stays.
    ASSERT_EQ(system(("cp " + BuildPath("fixtures/economics_v2/fixture_economics.so") + " " +
                      plugins + "/").c_str()),
              0);
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(plugins, db));
    EXPECT_THAT(p.Output(), HasSubstr("records=replaced"));
    ListObservationsRequest list;
    list.set_indicator("test.flow");
    list.mutable_period()->mutable_start()->set_year(2021);
    ListObservationsResponse resp;
    ASSERT_TRUE(stub_->ListObservations(Ctx().get(), list, &resp).ok());
    ASSERT_EQ(resp.observations_size(), 1);
    EXPECT_EQ(resp.observations(0).name(), name);
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
  }
  // The plugin removed: its records go, the API record stays.
  ASSERT_EQ(system(("rm " + plugins + "/fixture_economics.so").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(plugins, db));
  EXPECT_THAT(p.Output(), HasSubstr("plugin=fixture_economics records=removed"));
  ListObservationsRequest list;
  ListObservationsResponse resp;
  ASSERT_TRUE(stub_->ListObservations(Ctx().get(), list, &resp).ok());
  ASSERT_EQ(resp.total_size(), 1);
  EXPECT_EQ(resp.observations(0).name(), name);
}

TEST_F(EconomicsE2eTest, StartupFailuresAreOneLineAndExitNonZero) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{"--plugins=" + dir_ + "/missing", "--db=:memory:"}, "cannot open plugin directory"},
      {{"--plugins=" + BuildPath("fixtures/abi"), "--db=:memory:"}, "plugin fixture_abi: ABI version"},
      {{"--plugins=" + BuildPath("plugins")}, "--db is required"},
      {{"--plugins=" + BuildPath("plugins"), "--db=" + dir_ + "/no/such/dir/x.db"}, "x.db"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-economics"), "--host=127.0.0.1"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ASSERT_OK_AND_ASSIGN(ChildProcess p, ChildProcess::Start(argv));
    ASSERT_OK_AND_ASSIGN(int code, p.Wait(absl::Seconds(20)));
    const std::string out = p.Output();
    EXPECT_EQ(code, 1) << out;
    EXPECT_THAT(out, HasSubstr(c.expect));
    EXPECT_THAT(out, HasSubstr("startup failed"));
  }
}

}  // namespace
}  // namespace dyad

// The real RelationsGateway over FAKE backends (tests/testing/fake_backends.h)
// on free loopback ports: every method, and each failure mode — a stopped
// backend (part UNAVAILABLE, call OK), a hanging backend (the call returns by
// its deadline with that part DEADLINE_EXCEEDED), the gateway's own backend
// timeout, a client that cancels, and retries of UNAVAILABLE.
#include "gateway_service.h"
#include "release_watch.h"

#include <future>
#include <set>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/admission.h"
#include "common/server.h"
#include "testing/fake_backends.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

using dyad::testing::FakeBackends;
using dyad::testing::FakeControl;
using dyad::testing::FixedSeriesKey;
using dyad::testing::kExports2019;
using dyad::testing::kImports2019;
using dyad::testing::kInvestmentStock;
using dyad::testing::kTurnover2018;
using dyad::testing::kTurnover2019;
using dyad::testing::kTurnoverChange2019;
using namespace dyad::gateway::v1;  // NOLINT

// A gateway server over given backend targets.
class TestGateway {
 public:
  TestGateway(const BackendTargets& targets, absl::Duration backend_timeout,
              AnswerCache* cache = nullptr, int max_in_flight = 256) {
    auto b = Backends::Connect(targets, grpc::InsecureChannelCredentials());
    EXPECT_OK(b);
    backends_ = std::move(*b);
    service_ = std::make_unique<RelationsGatewayImpl>(backends_.get(), backend_timeout, cache);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    config.max_in_flight = max_in_flight;
    EXPECT_OK(runner_.Start(config, {service_.get()}, {"dyad.gateway.v1.RelationsGateway"}));
    stub_ = RelationsGateway::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.port()), grpc::InsecureChannelCredentials()));
  }
  ~TestGateway() { runner_.Shutdown(); }
  RelationsGateway::Stub& stub() { return *stub_; }
  int port() const { return runner_.port(); }

 private:
  std::unique_ptr<Backends> backends_;
  std::unique_ptr<RelationsGatewayImpl> service_;
  ServerRunner runner_;
  std::unique_ptr<RelationsGateway::Stub> stub_;
};

std::unique_ptr<grpc::ClientContext> Ctx(absl::Duration d = absl::Seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + d));
  return ctx;
}

std::map<std::string, std::string> Codes(const google::protobuf::RepeatedPtrField<Part>& parts) {
  std::map<std::string, std::string> m;
  for (const auto& p : parts) m[p.part()] = p.code();
  return m;
}

const std::map<std::string, std::string> kAllOk = {
    {"events", "OK"}, {"economics", "OK"}, {"institutions", "OK"}};

GetYearInReviewRequest Year2019() {
  GetYearInReviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_year(2019);
  return req;
}

class GatewayServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { gateway_ = std::make_unique<TestGateway>(Targets(), absl::Seconds(5)); }
  void TearDown() override { gateway_.reset(); }

  BackendTargets Targets() {
    return {fakes_.events_server->target(), fakes_.economics_server->target(),
            fakes_.institutions_server->target()};
  }
  RelationsGateway::Stub& stub() { return gateway_->stub(); }

  // Waits until no fake call hangs (each hung call ended by cancellation).
  static bool NoneHanging(const FakeControl& c, absl::Duration within = absl::Seconds(5)) {
    const absl::Time until = absl::Now() + within;
    while (c.hanging() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
    return c.hanging() == 0;
  }

  FakeBackends fakes_;
  std::unique_ptr<TestGateway> gateway_;
};

TEST_F(GatewayServiceTest, YearInReviewComposesAllThreeBackends) {
  GetYearInReviewResponse resp;
  grpc::Status s = stub().GetYearInReview(Ctx().get(), Year2019(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  EXPECT_EQ(resp.year(), 2019);
  std::set<std::string> events;
  for (const auto& e : resp.events()) events.insert(e.name());
  EXPECT_EQ(events, (std::set<std::string>{"events/commission-2019", "events/forum-deals-2019",
                                           "events/forum-2019", "events/phone-2019"}));
  ASSERT_EQ(resp.institutions_founded_size(), 1);
  EXPECT_EQ(resp.institutions_founded(0).name(), "institutions/trade-house-2019");
  std::map<std::string, const IndicatorValue*> values;
  for (const auto& v : resp.indicators()) values[v.indicator().id()] = &v;
  ASSERT_TRUE(values.count("trade.turnover"));
  const IndicatorValue& t = *values["trade.turnover"];
  EXPECT_EQ(t.point().period().year(), 2019);
  EXPECT_EQ(t.previous().period().year(), 2018);
  ASSERT_TRUE(t.point().has_change_percent());
  // The hand-written series' figures (tests/testing/fake_backends.cc): the
  // gateway picks the year's point and the year before's, nothing else.
  EXPECT_DOUBLE_EQ(t.point().value().value(), kTurnover2019);
  EXPECT_DOUBLE_EQ(t.previous().value().value(), kTurnover2018);
  EXPECT_DOUBLE_EQ(t.point().change_percent(), kTurnoverChange2019);
  EXPECT_EQ(t.point().rule(), "most-precise-consistent");
  EXPECT_EQ(t.indicator().display_name(), "Trade turnover");
  EXPECT_EQ(t.point().observations_size(), 2);  // both sources' figures, with citations
  ASSERT_TRUE(values.count("trade.exports"));
  EXPECT_DOUBLE_EQ(values["trade.exports"]->point().value().value(), kExports2019);
  EXPECT_FALSE(values["trade.exports"]->point().has_change_percent());  // no 2018 figure
  ASSERT_TRUE(values.count("trade.imports"));
  EXPECT_DOUBLE_EQ(values["trade.imports"]->point().value().value(), kImports2019);
  EXPECT_FALSE(values.count("investment.stock"));  // a stock "to date" is not a 2019 figure
}

TEST_F(GatewayServiceTest, OverviewMilestonesFiguresAndCounts) {
  GetOverviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  GetOverviewResponse resp;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  ASSERT_EQ(resp.milestones_size(), 3);
  EXPECT_EQ(resp.milestones(0).kind(), "diplomacy.recognition");
  EXPECT_EQ(resp.milestones(1).kind(), "diplomacy.relations.established");
  EXPECT_EQ(resp.milestones(2).kind(), "diplomacy.partnership.raised");
  bool turnover = false, stock = false;
  for (const auto& f : resp.headline_figures()) {
    if (f.indicator().id() == "trade.turnover") {
      turnover = true;
      EXPECT_EQ(f.point().period().year(), 2019);
      EXPECT_DOUBLE_EQ(f.point().value().value(), kTurnover2019);
      EXPECT_GE(f.point().observations(0).citations_size(), 1);
    }
    if (f.indicator().id() == "investment.stock") {
      stock = true;
      EXPECT_EQ(f.reporter(), "CHN");  // investment of China in Azerbaijan
      EXPECT_EQ(f.partner(), "AZE");
      EXPECT_DOUBLE_EQ(f.point().value().value(), kInvestmentStock);
      EXPECT_TRUE(f.point().disputed());
    }
  }
  EXPECT_TRUE(turnover);
  EXPECT_TRUE(stock);
  std::map<std::string, int> domains;
  for (const auto& c : resp.events_by_domain()) domains[c.key()] = c.count();
  EXPECT_EQ(domains["economy"], 4);  // events naming both countries only
  EXPECT_EQ(resp.institutions_by_kind_size(), 4);
}

TEST_F(GatewayServiceTest, TimelinePagesAcrossBackendsWithoutGapsOrRepeats) {
  GetTimelineRequest one;
  one.add_countries("AZE");
  one.add_countries("CHN");
  one.set_page_size(500);
  GetTimelineResponse whole;
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), one, &whole).ok());
  EXPECT_EQ(Codes(whole.parts()), kAllOk);
  EXPECT_TRUE(whole.next_page_token().empty());
  std::set<int> kinds;
  for (const auto& e : whole.entries()) kinds.insert(e.record_case());
  EXPECT_EQ(kinds.size(), 3u);
  // Undated institutions and stocks "to date" have no place in time.
  for (const auto& e : whole.entries()) EXPECT_GT(e.date().year(), 0) << e.title();

  for (int size : {1, 2, 3, 5}) {
    GetTimelineRequest req = one;
    req.set_page_size(size);
    std::vector<std::string> titles;
    const int events_calls = fakes_.events.control.calls("ListEvents");
    int pages = 0;
    for (; pages < 200; ++pages) {
      GetTimelineResponse resp;
      ASSERT_TRUE(stub().GetTimeline(Ctx().get(), req, &resp).ok());
      EXPECT_LE(resp.entries_size(), size);
      for (const auto& e : resp.entries()) titles.push_back(e.title());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    ASSERT_EQ(static_cast<int>(titles.size()), whole.entries_size()) << size;
    for (size_t i = 0; i < titles.size(); ++i) {
      EXPECT_EQ(titles[i], whole.entries(static_cast<int>(i)).title()) << size << " " << i;
    }
    // One events page per timeline page at most: positions, not rereads.
    EXPECT_LE(fakes_.events.control.calls("ListEvents") - events_calls, pages + 1);
  }
}

TEST_F(GatewayServiceTest, TimelineBlamesOnlyTheBackendThatHangs) {
  // Each backend hung in turn: its part alone is DEADLINE_EXCEEDED, the
  // others' reads ran in parallel and are OK (economics used to start only
  // after the events page and inherit its lateness). The backend calls get
  // the gateway's 1s timeout; the client's deadline leaves ample time to
  // compose even on a loaded machine.
  TestGateway quick(Targets(), absl::Seconds(1));
  for (FakeControl* hung : {&fakes_.events.control, &fakes_.economics.control,
                            &fakes_.institutions.control}) {
    const std::string name = hung == &fakes_.events.control      ? "events"
                             : hung == &fakes_.economics.control ? "economics"
                                                                 : "institutions";
    hung->set_mode(FakeControl::Mode::kHang);
    GetTimelineRequest req;
    req.add_countries("AZE");
    req.add_countries("CHN");
    req.set_page_size(500);
    GetTimelineResponse resp;
    grpc::Status s = quick.stub().GetTimeline(Ctx(absl::Seconds(10)).get(), req, &resp);
    ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    std::map<std::string, std::string> want = kAllOk;
    want[name] = "DEADLINE_EXCEEDED";
    EXPECT_EQ(Codes(resp.parts()), want) << name << " hung";
    std::set<int> kinds;
    for (const auto& e : resp.entries()) kinds.insert(e.record_case());
    EXPECT_EQ(kinds.size(), 2u) << name << " hung: the two others' rows are on the page";
    hung->set_mode(FakeControl::Mode::kServe);
    EXPECT_TRUE(NoneHanging(*hung)) << name;
  }
}

TEST_F(GatewayServiceTest, TimelineFiltersAndRejectsBadInput) {
  GetTimelineRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.add_domains("economy");
  req.mutable_period()->mutable_start()->set_year(2018);
  req.mutable_period()->mutable_end()->set_year(2019);
  GetTimelineResponse resp;
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), req, &resp).ok());
  std::vector<std::string> names;
  for (const auto& e : resp.entries()) {
    EXPECT_EQ(e.domain(), "economy") << e.title();
    names.push_back(e.has_event() ? e.event().name()
                                  : e.has_institution() ? e.institution().name()
                                                        : e.observation().name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "events/jv-2018", "observations/turnover-2018",
                       "observations/exports-2019", "observations/growth-2019",
                       "observations/imports-2019", "observations/turnover-2019",
                       "observations/turnover-2019-rounded", "events/forum-deals-2019",
                       "institutions/trade-house-2019"}));

  GetTimelineRequest bad = req;
  bad.set_page_size(-1);
  grpc::Status s = stub().GetTimeline(Ctx().get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page_size"));
  // A huge domains list (it is copied into every backend call of every
  // page) is refused before any backend is called.
  bad = req;
  for (int i = 0; i < 17; ++i) bad.add_domains(absl::StrCat("d", i));
  s = stub().GetTimeline(Ctx().get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("domains: at most 16"));
  bad = req;
  bad.set_page_token("not a token");
  s = stub().GetTimeline(Ctx().get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page_token"));
  // A token only works with the filters it came from.
  GetTimelineRequest first = req;
  first.set_page_size(1);
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), first, &resp).ok());
  ASSERT_FALSE(resp.next_page_token().empty());
  bad = first;
  bad.clear_domains();
  bad.set_page_token(resp.next_page_token());
  s = stub().GetTimeline(Ctx().get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("other filters"));
}

TEST_F(GatewayServiceTest, ExplainChangeRanksTheForumAndItsDeals) {
  ExplainChangeRequest req;
  req.set_indicator("trade.turnover");
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_year(2019);
  ExplainChangeResponse resp;
  grpc::Status s = stub().ExplainChange(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  ASSERT_TRUE(resp.has_change_percent());
  EXPECT_DOUBLE_EQ(resp.change_percent(), kTurnoverChange2019);
  EXPECT_EQ(resp.current().period().year(), 2019);
  EXPECT_EQ(resp.previous().period().year(), 2018);
  EXPECT_DOUBLE_EQ(resp.current().value().value(), kTurnover2019);
  EXPECT_DOUBLE_EQ(resp.previous().value().value(), kTurnover2018);
  EXPECT_EQ(resp.window().start().year(), 2018);
  EXPECT_EQ(resp.window().end().year(), 2019);
  ASSERT_GE(resp.factors_size(), 3);
  EXPECT_EQ(resp.factors(0).event().name(), "events/forum-deals-2019");
  EXPECT_EQ(resp.factors(1).event().name(), "events/forum-2019");
  for (const auto& f : resp.factors()) {
    EXPECT_FALSE(f.reason().empty());
    EXPECT_GE(f.citations_size(), 1);
    const int year = f.has_event() ? f.event().date().year() : f.institution().founded().year();
    EXPECT_TRUE(year == 2018 || year == 2019) << f.reason();
  }
  req.set_indicator("no.such.indicator");
  s = stub().ExplainChange(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  req.set_indicator("trade.turnover");
  req.set_year(10000);
  s = stub().ExplainChange(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("year"));
}

// A domain the gateway has never heard of: its plugin declares how much its
// kind weighs (EventKind.ranking_weight, ranking_reason) and ExplainChange
// ranks its event by that, with no gateway change.
TEST_F(GatewayServiceTest, AToyDomainPluginsKindsAreRankedAsItDeclares) {
  auto launch = fakes_.events.events.front();
  launch.set_name("events/toy-launch-2019");
  launch.set_kind("space.launch.joint");
  launch.set_domain("space");
  launch.set_title("A joint satellite launch");
  launch.clear_date();
  launch.mutable_date()->set_year(2019);
  launch.mutable_date()->set_month(6);
  fakes_.events.events.push_back(launch);
  dyad::events::v1::EventKind kind;
  kind.set_id("space.launch.joint");
  kind.set_domain("space");
  kind.set_plugin("toy_space");
  fakes_.events.kinds.push_back(kind);
  ExplainChangeRequest req;
  req.set_indicator("trade.turnover");
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_year(2019);
  auto reason_of_launch = [&]() -> std::string {
    ExplainChangeResponse resp;
    grpc::Status s = stub().ExplainChange(Ctx().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(Codes(resp.parts()), kAllOk);
    for (const auto& f : resp.factors()) {
      if (f.event().name() == "events/toy-launch-2019") return f.reason();
    }
    return "";
  };
  // Undeclared: any other dated event.
  EXPECT_THAT(reason_of_launch(), ::testing::HasSubstr("another dated event (space.launch.joint) (+0.5)"));
  // Declared by its plugin.
  fakes_.events.kinds.back().set_ranking_weight(4);
  fakes_.events.kinds.back().set_ranking_reason("a joint satellite launch");
  EXPECT_THAT(reason_of_launch(),
              ::testing::HasSubstr("a joint satellite launch (space.launch.joint) (+4)"));
}

TEST_F(GatewayServiceTest, SearchMergesTheThreeBackendsBestFirst) {
  SearchRequest req;
  req.set_query("turnover");
  SearchResponse resp;
  ASSERT_TRUE(stub().Search(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  std::set<std::string> parts;
  for (const auto& h : resp.hits()) parts.insert(h.part());
  EXPECT_TRUE(parts.count("economics"));  // the turnover figures
  for (int i = 1; i < resp.hits_size(); ++i) {
    EXPECT_GE(resp.hits(i - 1).score(), resp.hits(i).score());
  }
  req.set_query("belt road forum");
  ASSERT_TRUE(stub().Search(Ctx().get(), req, &resp).ok());
  ASSERT_GE(resp.hits_size(), 2);
  EXPECT_EQ(resp.hits(0).part(), "events");
  EXPECT_GE(resp.hits(0).citations_size(), 1);
  req.set_query("confucius");
  req.set_page_size(1);
  ASSERT_TRUE(stub().Search(Ctx().get(), req, &resp).ok());
  ASSERT_EQ(resp.hits_size(), 1);
  EXPECT_EQ(resp.hits(0).name(), "institutions/confucius-bsu");

  for (const char* bad : {"", "  ?! "}) {
    req.set_query(bad);
    grpc::Status s = stub().Search(Ctx().get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("query"));
  }
  req.set_query("forum");
  req.set_page_size(-1);
  EXPECT_EQ(stub().Search(Ctx().get(), req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GatewayServiceTest, DiscrepanciesAndConsistencyChecks) {
  ListDiscrepanciesRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  ListDiscrepanciesResponse resp;
  ASSERT_TRUE(stub().ListDiscrepancies(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  std::map<std::string, std::set<int>> kinds;  // of the conflicts
  for (const auto& d : resp.discrepancies()) {
    EXPECT_NE(d.discrepancy_class(), Discrepancy::CLASS_UNSPECIFIED) << d.subject();
    EXPECT_FALSE(d.rule().empty()) << d.subject();
    if (d.discrepancy_class() == Discrepancy::CLASS_CONFLICT) kinds[d.subject()].insert(d.kind());
    for (const auto& c : d.claims()) EXPECT_GE(c.citations_size(), 1) << d.subject();
  }
  EXPECT_EQ(kinds["visit-2015"], std::set<int>{Discrepancy::KIND_DATE});
  // The bank's record names only AZE: it still belongs to the dyad's fact.
  EXPECT_EQ(kinds["loan-600m"], std::set<int>{Discrepancy::KIND_ATTRIBUTION});
  EXPECT_EQ(kinds["centre"], std::set<int>{Discrepancy::KIND_DATE});
  EXPECT_EQ(kinds["investment.stock CHN→AZE to 2022"], std::set<int>{Discrepancy::KIND_FIGURE});
  EXPECT_EQ(kinds.size(), 4u);
  ASSERT_EQ(resp.checks_size(), 2);
  for (const auto& c : resp.checks()) {
    EXPECT_TRUE(c.consistent()) << c.description();
    EXPECT_EQ(c.subject(), "AZE-CHN 2019");
  }
  // 752 + 1,432 = 2,184 million (each to the million): the sum's range.
  EXPECT_THAT(resp.checks(0).description(), ::testing::HasSubstr("meets turnover"));
  std::set<std::string> locators;
  for (const auto& c : resp.checks(0).claims()) locators.insert(c.citations(0).locator());
  EXPECT_EQ(locators, (std::set<std::string>{"exports-2019", "imports-2019", "turnover-2019",
                                             "turnover-2019-rounded"}));
  // Figures first.
  EXPECT_EQ(resp.discrepancies(0).kind(), Discrepancy::KIND_FIGURE);
}

// ListDiscrepancies filters by class; the class filter is validated.
TEST_F(GatewayServiceTest, DiscrepanciesFilterByClass) {
  ListDiscrepanciesRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  ListDiscrepanciesResponse all;
  ASSERT_TRUE(stub().ListDiscrepancies(Ctx().get(), req, &all).ok());
  std::map<int, int> by_class;
  for (const auto& d : all.discrepancies()) ++by_class[d.discrepancy_class()];
  ASSERT_GE(by_class[Discrepancy::CLASS_CONFLICT], 4);
  for (int cls : {Discrepancy::CLASS_CONFLICT, Discrepancy::CLASS_WITHIN_WORDING,
                  Discrepancy::CLASS_NEIGHBOURING_PERIOD}) {
    ListDiscrepanciesRequest one = req;
    one.add_classes(static_cast<Discrepancy::Class>(cls));
    ListDiscrepanciesResponse resp;
    ASSERT_TRUE(stub().ListDiscrepancies(Ctx().get(), one, &resp).ok());
    EXPECT_EQ(resp.discrepancies_size(), by_class[cls]) << cls;
    for (const auto& d : resp.discrepancies()) EXPECT_EQ(d.discrepancy_class(), cls);
    // The checks run whatever the filter.
    EXPECT_EQ(resp.checks_size(), all.checks_size());
  }
  for (int bad : {0, 99}) {
    ListDiscrepanciesRequest one = req;
    one.add_classes(static_cast<Discrepancy::Class>(bad));
    ListDiscrepanciesResponse resp;
    grpc::Status s = stub().ListDiscrepancies(Ctx().get(), one, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("classes"));
  }
}

// The consistency checks are the gateway's own arithmetic over the series the
// backend sends: a hand-written turnover of 3,000 million for 2019 (against
// exports 752 and imports 1,432 million, and a stated growth of 66.7% on
// 1,310 million) fails both checks, with the figures named.
TEST_F(GatewayServiceTest, ConsistencyChecksComputeFromTheSeriesServed) {
  for (const auto& key : {FixedSeriesKey("trade.turnover", "AZE", "CHN"),
                          FixedSeriesKey("trade.turnover", "CHN", "AZE")}) {
    auto& series = fakes_.economics.fixed_series.at(key);
    auto* p = series.mutable_points(1);
    ASSERT_EQ(p->period().year(), 2019);
    p->mutable_observations()->DeleteSubrange(1, 1);
    p->mutable_observations(0)->mutable_value()->set_value(3000e6);
    p->mutable_value()->set_value(3000e6);
    p->set_rule("single-source");
  }
  ListDiscrepanciesRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  ListDiscrepanciesResponse resp;
  ASSERT_TRUE(stub().ListDiscrepancies(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  ASSERT_EQ(resp.checks_size(), 2);
  std::map<std::string, const ConsistencyCheck*> checks;
  for (const auto& c : resp.checks()) checks[c.name()] = &c;
  ASSERT_TRUE(checks.count("exports + imports = turnover"));
  ASSERT_TRUE(checks.count("stated growth = growth of the turnover series"));
  const ConsistencyCheck& sum = *checks["exports + imports = turnover"];
  EXPECT_FALSE(sum.consistent());
  EXPECT_THAT(sum.description(), ::testing::HasSubstr("does not meet"));
  const ConsistencyCheck& growth = *checks["stated growth = growth of the turnover series"];
  EXPECT_FALSE(growth.consistent());
  EXPECT_THAT(growth.description(), ::testing::HasSubstr("inconsistent"));
  int failed = 0;
  for (const auto& d : resp.discrepancies()) {
    if (d.kind() == Discrepancy::KIND_CONSISTENCY) ++failed;
  }
  EXPECT_EQ(failed, 2);
}

TEST_F(GatewayServiceTest, SourcesMergeAndOneBackendIsEnough) {
  ListSourcesResponse resp;
  ASSERT_TRUE(stub().ListSources(Ctx().get(), ListSourcesRequest(), &resp).ok());
  std::vector<std::string> ids;
  for (const auto& s : resp.sources()) ids.push_back(s.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"comtrade", "gdelt-2.0", "s-econ", "s-events", "s-inst",
                                           "s-other"}));
  fakes_.events_server->Stop();
  fakes_.institutions_server->Stop();
  ASSERT_TRUE(stub().ListSources(Ctx().get(), ListSourcesRequest(), &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), (std::map<std::string, std::string>{
                                     {"events", "UNAVAILABLE"},
                                     {"economics", "OK"},
                                     {"institutions", "UNAVAILABLE"}}));
  EXPECT_EQ(resp.sources_size(), 3);
}

TEST_F(GatewayServiceTest, InvalidInputNamesTheField) {
  GetYearInReviewResponse resp;
  GetYearInReviewRequest req = Year2019();
  req.set_countries(1, "China");
  grpc::Status s = stub().GetYearInReview(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("countries[1]"));
  for (int year : {0, -5, 10000}) {
    req = Year2019();
    req.set_year(year);
    s = stub().GetYearInReview(Ctx().get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("year"));
  }
  GetOverviewRequest o;
  o.add_countries("AZE");
  GetOverviewResponse ov;
  s = stub().GetOverview(Ctx().get(), o, &ov);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("countries"));
  ListDiscrepanciesRequest d;
  d.add_countries("aze");
  ListDiscrepanciesResponse dr;
  s = stub().ListDiscrepancies(Ctx().get(), d, &dr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("countries[0]"));
  // Nothing reached a backend.
  EXPECT_EQ(fakes_.events.control.total_calls(), 0);
}

TEST_F(GatewayServiceTest, StoppedBackendGivesAPartialAnswer) {
  fakes_.economics_server->Stop();
  const absl::Time start = absl::Now();
  GetYearInReviewResponse resp;
  grpc::Status s = stub().GetYearInReview(Ctx(absl::Seconds(5)).get(), Year2019(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(Codes(resp.parts()), (std::map<std::string, std::string>{
                                     {"events", "OK"},
                                     {"economics", "UNAVAILABLE"},
                                     {"institutions", "OK"}}));
  EXPECT_EQ(resp.events_size(), 4);
  EXPECT_EQ(resp.institutions_founded_size(), 1);
  EXPECT_EQ(resp.indicators_size(), 0);
  // The part says what failed in the gateway's words: no backend address,
  // no backend text (gRPC's own names the address it could not reach).
  for (const auto& p : resp.parts()) {
    if (p.part() == "economics") {
      EXPECT_EQ(p.message(), "economics backend unavailable");
    } else {
      EXPECT_EQ(p.message(), "");
    }
  }
  // Every method answers with what the others gave.
  ExplainChangeRequest x;
  x.set_indicator("trade.turnover");
  x.add_countries("AZE");
  x.add_countries("CHN");
  x.set_year(2019);
  ExplainChangeResponse xr;
  ASSERT_TRUE(stub().ExplainChange(Ctx().get(), x, &xr).ok());
  EXPECT_EQ(Codes(xr.parts())["economics"], "UNAVAILABLE");
  EXPECT_FALSE(xr.has_change_percent());
  ASSERT_GE(xr.factors_size(), 1);
  EXPECT_EQ(xr.factors(0).event().name(), "events/forum-deals-2019");
  GetTimelineRequest t;
  t.add_countries("AZE");
  t.add_countries("CHN");
  t.set_page_size(500);
  GetTimelineResponse tr;
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), t, &tr).ok());
  EXPECT_EQ(Codes(tr.parts())["economics"], "UNAVAILABLE");
  for (const auto& e : tr.entries()) EXPECT_FALSE(e.has_observation());
  EXPECT_GT(tr.entries_size(), 0);
}

TEST_F(GatewayServiceTest, BackendInternalsNeverReachTheClient) {
  fakes_.events.control.set_mode(FakeControl::Mode::kInternal);
  fakes_.institutions_server->Stop();
  GetOverviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  GetOverviewResponse resp;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), (std::map<std::string, std::string>{
                                     {"events", "INTERNAL"},
                                     {"economics", "OK"},
                                     {"institutions", "UNAVAILABLE"}}));
  const std::string answer = resp.DebugString();
  for (const std::string& leak : std::vector<std::string>{
           "SELECT", "sqlite", "events.db", "10.9.8.7", "127.0.0.1",
           std::to_string(fakes_.institutions_server->port())}) {
    EXPECT_EQ(answer.find(leak), std::string::npos) << leak << " in\n" << answer;
  }
  std::map<std::string, std::string> messages;
  for (const auto& p : resp.parts()) messages[p.part()] = p.message();
  EXPECT_EQ(messages["events"], "events backend failed (INTERNAL)");
  EXPECT_EQ(messages["institutions"], "institutions backend unavailable");
}

TEST_F(GatewayServiceTest, CallsBeyondMaxInFlightAreRefusedTheRestSucceed) {
  constexpr int kMax = 3;
  // Events hangs, so admitted calls stay in flight until the gateway's 2s
  // backend timeout (the client's deadline leaves ample time to compose).
  TestGateway small(Targets(), absl::Seconds(2), nullptr, kMax);
  fakes_.events.control.set_mode(FakeControl::Mode::kHang);
  GetOverviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    GetOverviewResponse resp;
    std::promise<grpc::Status> done;
  };
  std::vector<std::unique_ptr<Call>> admitted;
  for (int i = 0; i < kMax; ++i) {
    auto c = std::make_unique<Call>();
    c->ctx = Ctx(absl::Seconds(10));
    small.stub().async()->GetOverview(c->ctx.get(), &req, &c->resp,
                                      [c = c.get()](grpc::Status s) { c->done.set_value(s); });
    admitted.push_back(std::move(c));
  }
  // Each overview of a dyad makes four events reads (milestones, counts by
  // kind, the kinds, counts by month), all hanging.
  constexpr int kEventReads = 4;
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while ((fakes_.events.control.hanging() < kEventReads * kMax ||
          fakes_.economics.control.calls("ListIndicators") < kMax) &&
         absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(fakes_.events.control.hanging(), kEventReads * kMax);
  ASSERT_EQ(fakes_.economics.control.calls("ListIndicators"), kMax);
  // Beyond the limit, concurrent calls are refused at once, before any
  // backend is called.
  const int indicator_reads = fakes_.economics.control.calls("ListIndicators");
  std::vector<std::thread> extra;
  std::atomic<int> refused{0};
  for (int i = 0; i < 4; ++i) {
    extra.emplace_back([&] {
      GetOverviewResponse r;
      grpc::Status s = small.stub().GetOverview(Ctx(absl::Seconds(5)).get(), req, &r);
      if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          s.error_message().find("--max_in_flight") != std::string::npos) {
        ++refused;
      }
    });
  }
  for (auto& t : extra) t.join();
  EXPECT_EQ(refused.load(), 4);
  EXPECT_EQ(fakes_.economics.control.calls("ListIndicators"), indicator_reads);
  EXPECT_EQ(fakes_.events.control.calls("ListEvents"), kMax);
  // The admitted calls succeed (events late, the rest composed).
  for (auto& c : admitted) {
    grpc::Status s = c->done.get_future().get();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(Codes(c->resp.parts())["events"], "DEADLINE_EXCEEDED");
    EXPECT_EQ(Codes(c->resp.parts())["economics"], "OK");
  }
  // Once they are over, calls are admitted again.
  fakes_.events.control.set_mode(FakeControl::Mode::kServe);
  EXPECT_TRUE(NoneHanging(fakes_.events.control));
  const absl::Time idle_until = absl::Now() + absl::Seconds(5);
  while (CallsInFlight() > 0 && absl::Now() < idle_until) absl::SleepFor(absl::Milliseconds(5));
  GetOverviewResponse after;
  grpc::Status s = small.stub().GetOverview(Ctx().get(), req, &after);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Codes(after.parts()), kAllOk);
}

TEST_F(GatewayServiceTest, AllBackendsDownIsStillAnAnswer) {
  fakes_.events_server->Stop();
  fakes_.economics_server->Stop();
  fakes_.institutions_server->Stop();
  GetOverviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  GetOverviewResponse resp;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &resp).ok());
  for (const auto& [part, code] : Codes(resp.parts())) EXPECT_EQ(code, "UNAVAILABLE") << part;
  EXPECT_EQ(resp.milestones_size(), 0);
}

TEST_F(GatewayServiceTest, HangingBackendReturnsByTheDeadline) {
  fakes_.economics.control.set_mode(FakeControl::Mode::kHang);
  const absl::Time start = absl::Now();
  GetYearInReviewResponse resp;
  grpc::Status s = stub().GetYearInReview(Ctx(absl::Milliseconds(1500)).get(), Year2019(), &resp);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(took, absl::Milliseconds(1500));
  EXPECT_GT(took, absl::Milliseconds(1000));
  EXPECT_EQ(Codes(resp.parts()), (std::map<std::string, std::string>{
                                     {"events", "OK"},
                                     {"economics", "DEADLINE_EXCEEDED"},
                                     {"institutions", "OK"}}));
  EXPECT_EQ(resp.events_size(), 4);
  // The fake's hung calls ended when the gateway's calls passed their
  // deadline: nothing is left hanging.
  EXPECT_TRUE(NoneHanging(fakes_.economics.control));
  EXPECT_GE(fakes_.economics.control.cancelled(), 1);
}

TEST_F(GatewayServiceTest, BackendTimeoutAppliesWhenTheClientSetsNoDeadline) {
  TestGateway quick(Targets(), absl::Milliseconds(300));
  fakes_.institutions.control.set_mode(FakeControl::Mode::kHang);
  grpc::ClientContext ctx;  // no deadline
  const GetYearInReviewRequest req = Year2019();
  GetYearInReviewResponse resp;
  std::promise<grpc::Status> done;
  const absl::Time start = absl::Now();
  quick.stub().async()->GetYearInReview(&ctx, &req, &resp,
                                        [&](grpc::Status s) { done.set_value(std::move(s)); });
  auto f = done.get_future();
  if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ctx.TryCancel();
    f.wait();
    FAIL() << "no answer within 5s";
  }
  grpc::Status s = f.get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(Codes(resp.parts())["institutions"], "DEADLINE_EXCEEDED");
  EXPECT_TRUE(NoneHanging(fakes_.institutions.control));
}

TEST_F(GatewayServiceTest, ClientCancellationCancelsTheBackendCalls) {
  fakes_.events.control.set_mode(FakeControl::Mode::kHang);
  auto ctx = Ctx(absl::Seconds(30));
  GetYearInReviewRequest req = Year2019();
  GetYearInReviewResponse resp;
  std::promise<grpc::Status> done;
  stub().async()->GetYearInReview(ctx.get(), &req, &resp,
                                  [&](grpc::Status s) { done.set_value(std::move(s)); });
  // The year's events and their counts by month: two events reads.
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (fakes_.events.control.hanging() < 2 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(fakes_.events.control.hanging(), 2);
  const absl::Time cancelled_at = absl::Now();
  ctx->TryCancel();
  EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::CANCELLED);
  // The gateway passed the cancellation on, long before its 5s backend
  // timeout.
  EXPECT_TRUE(NoneHanging(fakes_.events.control, absl::Seconds(2)));
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(2));
}

TEST_F(GatewayServiceTest, UnavailableIsRetriedOnce) {
  fakes_.economics.control.FailNext(1);
  ListSourcesResponse resp;
  ASSERT_TRUE(stub().ListSources(Ctx().get(), ListSourcesRequest(), &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  EXPECT_EQ(fakes_.economics.control.calls("ListSources"), 2);  // failed, then retried
  EXPECT_EQ(fakes_.events.control.calls("ListSources"), 1);

  // Twice in a row is a failed part: at most two attempts (maxAttempts 2).
  fakes_.economics.control.set_mode(FakeControl::Mode::kUnavailable);
  ASSERT_TRUE(stub().ListSources(Ctx().get(), ListSourcesRequest(), &resp).ok());
  EXPECT_EQ(Codes(resp.parts())["economics"], "UNAVAILABLE");
  EXPECT_EQ(fakes_.economics.control.calls("ListSources"), 4);
}

TEST_F(GatewayServiceTest, AnswerCacheServesWholeAnswersAgainAndNeverPartialOnes) {
  AnswerCache cache(absl::Seconds(60), 1 << 20);
  TestGateway cached(Targets(), absl::Seconds(5), &cache);
  GetYearInReviewResponse first;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), Year2019(), &first).ok());
  EXPECT_EQ(Codes(first.parts()), kAllOk);
  const int calls = fakes_.events.control.total_calls() + fakes_.economics.control.total_calls() +
                    fakes_.institutions.control.total_calls();
  ASSERT_GT(calls, 0);
  // The same question again: the same answer, and no backend is asked.
  GetYearInReviewResponse again;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), Year2019(), &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(fakes_.events.control.total_calls() + fakes_.economics.control.total_calls() +
                fakes_.institutions.control.total_calls(),
            calls);
  EXPECT_EQ(cache.size(), 1u);

  // Another question is composed afresh; a partial answer is not kept.
  fakes_.economics.control.set_mode(FakeControl::Mode::kUnavailable);
  GetYearInReviewRequest y2018 = Year2019();
  y2018.set_year(2018);
  for (int i = 0; i < 2; ++i) {
    GetYearInReviewResponse partial;
    ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), y2018, &partial).ok());
    EXPECT_EQ(Codes(partial.parts())["economics"], "UNAVAILABLE");
  }
  // 2019 once; 2018 twice, each tried twice (UNAVAILABLE is retried once).
  EXPECT_EQ(fakes_.economics.control.calls("ListSeries"), 1 + 2 * 2);
  EXPECT_EQ(cache.size(), 1u);
}

// Issue 17: each part names its backend's release, and a cached answer is
// dropped once a backend's release moves (docs/releases.md).
TEST_F(GatewayServiceTest, AnswerCacheFollowsBackendReleasesAndPartsNameThem) {
  dyad::type::v1::Release r1;
  r1.set_id("7-0123abcd");
  r1.set_seq(7);
  ReleaseWatch::Set("events", r1);
  AnswerCache cache(absl::Seconds(60), 1 << 20);
  TestGateway cached(Targets(), absl::Seconds(5), &cache);
  GetYearInReviewResponse first;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), Year2019(), &first).ok());
  ASSERT_EQ(first.parts_size(), 3);
  EXPECT_EQ(first.parts(0).part(), "events");
  EXPECT_EQ(first.parts(0).release().id(), "7-0123abcd");
  EXPECT_FALSE(first.parts(1).has_release());  // economics names none (yet)
  const int calls = fakes_.events.control.total_calls();
  GetYearInReviewResponse again;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), Year2019(), &again).ok());
  EXPECT_EQ(fakes_.events.control.total_calls(), calls);  // served from the cache
  // The events backend's data moved: composed afresh, naming the new release.
  dyad::type::v1::Release r2 = r1;
  r2.set_id("8-0123abcd");
  r2.set_seq(8);
  ReleaseWatch::Set("events", r2);
  GetYearInReviewResponse after;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), Year2019(), &after).ok());
  EXPECT_GT(fakes_.events.control.total_calls(), calls);
  EXPECT_EQ(after.parts(0).release().id(), "8-0123abcd");
  ReleaseWatch::Set("events", std::nullopt);
}

TEST_F(GatewayServiceTest, UndecodableRequestIsInvalidArgument) {
  // Bytes that are no GetYearInReviewRequest (field 2 with a truncated
  // varint), sent raw through a generic stub.
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  const std::string garbage("\x10\xff\xff", 3);
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/dyad.gateway.v1.RelationsGateway/GetYearInReview",
                    grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status s = done.get_future().get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("dyad.gateway.v1.GetYearInReviewRequest"));
  EXPECT_EQ(fakes_.events.control.total_calls(), 0);
}

// ---- Issue 11: origins, event counts, imported data ----

constexpr auto kCurated = dyad::type::v1::ORIGIN_CURATED;
constexpr auto kCoded = dyad::type::v1::ORIGIN_MACHINE_CODED;

template <typename Req>
Req LastRequest(const FakeControl& c, const std::string& method) {
  Req r;
  EXPECT_TRUE(r.ParseFromString(c.last_request(method))) << method;
  return r;
}

TEST_F(GatewayServiceTest, AnUnknownOriginIsInvalidOnEveryRequest) {
  const auto bad = static_cast<dyad::type::v1::Origin>(7);
  auto check = [&](const grpc::Status& s, const char* method) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("origin: unknown value 7")) << method;
  };
  GetOverviewRequest o;
  o.add_countries("AZE");
  o.add_countries("CHN");
  o.set_origin(bad);
  GetOverviewResponse or_;
  check(stub().GetOverview(Ctx().get(), o, &or_), "GetOverview");
  GetTimelineRequest t;
  t.add_countries("AZE");
  t.set_origin(bad);
  GetTimelineResponse tr;
  check(stub().GetTimeline(Ctx().get(), t, &tr), "GetTimeline");
  GetYearInReviewRequest y = Year2019();
  y.set_origin(bad);
  GetYearInReviewResponse yr;
  check(stub().GetYearInReview(Ctx().get(), y, &yr), "GetYearInReview");
  ExplainChangeRequest x;
  x.set_indicator("trade.turnover");
  x.add_countries("AZE");
  x.add_countries("CHN");
  x.set_year(2019);
  x.set_origin(bad);
  ExplainChangeResponse xr;
  check(stub().ExplainChange(Ctx().get(), x, &xr), "ExplainChange");
  SearchRequest q;
  q.set_query("visit");
  q.set_origin(bad);
  SearchResponse qr;
  check(stub().Search(Ctx().get(), q, &qr), "Search");
  ListDiscrepanciesRequest d;
  d.set_origin(bad);
  ListDiscrepanciesResponse dr;
  check(stub().ListDiscrepancies(Ctx().get(), d, &dr), "ListDiscrepancies");
  EXPECT_EQ(fakes_.events.control.total_calls() + fakes_.economics.control.total_calls() +
                fakes_.institutions.control.total_calls(),
            0);
}

TEST_F(GatewayServiceTest, TheOriginReachesEveryReadAndMachineCodedLeavesInstitutionsOut) {
  GetYearInReviewRequest req = Year2019();
  req.set_origin(kCurated);
  GetYearInReviewResponse curated;
  ASSERT_TRUE(stub().GetYearInReview(Ctx().get(), req, &curated).ok());
  EXPECT_EQ(Codes(curated.parts()), kAllOk);
  EXPECT_EQ(curated.events_size(), 4);  // the fake's AZE–CHN records are curated
  EXPECT_EQ(LastRequest<dyad::events::v1::ListEventsRequest>(fakes_.events.control, "ListEvents")
                .origin(),
            kCurated);
  const auto counts =
      LastRequest<dyad::events::v1::CountEventsRequest>(fakes_.events.control, "CountEvents");
  EXPECT_EQ(counts.origin(), kCurated);
  EXPECT_EQ(counts.granularity(), dyad::events::v1::GRANULARITY_MONTH);
  EXPECT_EQ(counts.period().start().year(), 2019);
  EXPECT_EQ(counts.period().end().year(), 2019);
  // One economics read for every series of the year (ListSeries), which
  // finds and reconciles curated figures only.
  EXPECT_EQ(LastRequest<dyad::economics::v1::ListSeriesRequest>(fakes_.economics.control,
                                                                "ListSeries")
                .origin(),
            kCurated);
  EXPECT_EQ(curated.institutions_founded_size(), 1);
  // The year's curated events by month: April (forum and deals), September
  // (the call), and the commission known only to the year.
  ASSERT_TRUE(curated.has_intensity());
  EXPECT_EQ(curated.intensity().granularity(), dyad::events::v1::GRANULARITY_MONTH);
  EXPECT_EQ(curated.intensity().total(), 4);
  std::vector<std::string> labels;
  for (const auto& b : curated.intensity().buckets()) {
    labels.push_back(absl::StrCat(b.label(), ":", b.count()));
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"2019:1", "2019-04:2", "2019-09:1"}));

  // Only machine-coded records: AZE–CHN has none here, and institutions
  // (all curated) are not even asked for.
  const int institution_calls = fakes_.institutions.control.total_calls();
  req.set_origin(kCoded);
  GetYearInReviewResponse coded;
  ASSERT_TRUE(stub().GetYearInReview(Ctx().get(), req, &coded).ok());
  EXPECT_EQ(Codes(coded.parts()), kAllOk);
  EXPECT_EQ(coded.events_size(), 0);
  EXPECT_EQ(coded.institutions_founded_size(), 0);
  EXPECT_EQ(coded.indicators_size(), 0);
  EXPECT_EQ(coded.intensity().total(), 0);
  EXPECT_EQ(coded.intensity().buckets_size(), 0);
  EXPECT_EQ(fakes_.institutions.control.total_calls(), institution_calls);

  GetOverviewRequest o;
  o.add_countries("AZE");
  o.add_countries("CHN");
  o.set_origin(kCoded);
  GetOverviewResponse ov;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), o, &ov).ok());
  EXPECT_EQ(Codes(ov.parts()), kAllOk);
  EXPECT_EQ(ov.milestones_size(), 0);
  EXPECT_EQ(ov.events_by_domain_size(), 0);
  EXPECT_EQ(ov.institutions_by_kind_size(), 0);
  EXPECT_EQ(ov.headline_figures_size(), 0);
  EXPECT_EQ(fakes_.institutions.control.total_calls(), institution_calls);

  GetTimelineRequest t;
  t.add_countries("AZE");
  t.add_countries("CHN");
  t.set_page_size(500);
  t.set_origin(kCurated);
  GetTimelineResponse all_curated;
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), t, &all_curated).ok());
  t.clear_origin();
  GetTimelineResponse any;
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), t, &any).ok());
  EXPECT_EQ(all_curated.entries_size(), any.entries_size());
  // A page token is bound to the origin it was issued for.
  t.set_page_size(1);
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), t, &any).ok());
  ASSERT_FALSE(any.next_page_token().empty());
  t.set_page_token(any.next_page_token());
  t.set_origin(kCurated);
  EXPECT_EQ(stub().GetTimeline(Ctx().get(), t, &any).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GatewayServiceTest, TheAnswerCacheKeepsEachOriginApart) {
  AnswerCache cache(absl::Seconds(60), 1 << 20);
  TestGateway cached(Targets(), absl::Seconds(5), &cache);
  auto calls = [&] {
    return fakes_.events.control.total_calls() + fakes_.economics.control.total_calls() +
           fakes_.institutions.control.total_calls();
  };
  GetYearInReviewRequest req = Year2019();
  req.set_origin(kCurated);
  GetYearInReviewResponse curated;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), req, &curated).ok());
  const int after_first = calls();
  req.set_origin(kCoded);
  GetYearInReviewResponse coded;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), req, &coded).ok());
  EXPECT_GT(calls(), after_first) << "another origin is another question";
  EXPECT_NE(coded.events_size(), curated.events_size());
  EXPECT_EQ(cache.size(), 2u);
  const int after_second = calls();
  req.set_origin(kCurated);
  GetYearInReviewResponse again;
  ASSERT_TRUE(cached.stub().GetYearInReview(Ctx().get(), req, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), curated.SerializeAsString());
  EXPECT_EQ(calls(), after_second);
}

TEST_F(GatewayServiceTest, EventsDownLeavesTheIntensityOutAndSaysSo) {
  fakes_.events_server->Stop();
  GetOverviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  GetOverviewResponse resp;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), (std::map<std::string, std::string>{
                                     {"events", "UNAVAILABLE"},
                                     {"economics", "OK"},
                                     {"institutions", "OK"}}));
  EXPECT_FALSE(resp.has_intensity());
  EXPECT_EQ(resp.events_by_domain_size(), 0);
  EXPECT_GT(resp.headline_figures_size(), 0);
}

// The counts alone failing: the events read still serve (milestones, the
// year's events), the counts are left out rather than guessed, and the
// events part says what failed.
TEST_F(GatewayServiceTest, FailedCountsArePartialNotGuessed) {
  fakes_.events.control.FailMethod("CountEvents");
  GetOverviewRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  GetOverviewResponse ov;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &ov).ok());
  EXPECT_EQ(Codes(ov.parts())["events"], "UNAVAILABLE");
  EXPECT_EQ(Codes(ov.parts())["economics"], "OK");
  EXPECT_EQ(ov.milestones_size(), 3);
  EXPECT_EQ(ov.events_by_domain_size(), 0);
  EXPECT_EQ(ov.events_by_kind_size(), 0);
  EXPECT_FALSE(ov.has_intensity());
  GetYearInReviewResponse yr;
  ASSERT_TRUE(stub().GetYearInReview(Ctx().get(), Year2019(), &yr).ok());
  EXPECT_EQ(Codes(yr.parts())["events"], "UNAVAILABLE");
  EXPECT_EQ(yr.events_size(), 4);
  EXPECT_FALSE(yr.has_intensity());
  ExplainChangeRequest x;
  x.set_indicator("trade.turnover");
  x.add_countries("AZE");
  x.add_countries("CHN");
  x.set_year(2019);
  ExplainChangeResponse xr;
  ASSERT_TRUE(stub().ExplainChange(Ctx().get(), x, &xr).ok());
  EXPECT_EQ(Codes(xr.parts())["events"], "UNAVAILABLE");
  ASSERT_GE(xr.factors_size(), 1);
  EXPECT_EQ(xr.factors(0).event().name(), "events/forum-deals-2019");
}

// GEO–TUR has only machine-coded records (GDELT-shaped events, Comtrade-
// shaped figures): every answer works for it, nothing assumes AZE–CHN.
TEST_F(GatewayServiceTest, ADyadWithOnlyImportedDataGetsEveryAnswer) {
  using dyad::testing::kGeoExportsToTur2019;
  using dyad::testing::kGeoExportsToTur2020;
  using dyad::testing::kGeoImportsFromTur2020;
  using dyad::testing::kGeoTurEvents2018;
  using dyad::testing::kGeoTurEvents2019;
  using dyad::testing::kGeoTurEvents2020;
  using dyad::testing::kTurExportsToGeo2020;
  using dyad::testing::kTurImportsFromGeo2020;
  constexpr int kAll = kGeoTurEvents2018 + kGeoTurEvents2019 + kGeoTurEvents2020;

  GetOverviewRequest o;
  o.add_countries("GEO");
  o.add_countries("TUR");
  GetOverviewResponse ov;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), o, &ov).ok());
  EXPECT_EQ(Codes(ov.parts()), kAllOk);
  EXPECT_EQ(ov.milestones_size(), 0);
  ASSERT_EQ(ov.events_by_domain_size(), 1);
  EXPECT_EQ(ov.events_by_domain(0).key(), "cameo");
  EXPECT_EQ(ov.events_by_domain(0).count(), kAll);
  std::map<std::string, int> kinds;
  for (const auto& c : ov.events_by_kind()) kinds[c.key()] = c.count();
  // Every third event of each year a fight: 3 + 4 + 10.
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"cameo.04.042", kAll - 17}, {"cameo.19.190", 17}}));
  // 2018..2020: three calendar years, so by month.
  ASSERT_TRUE(ov.has_intensity());
  EXPECT_EQ(ov.intensity().granularity(), dyad::events::v1::GRANULARITY_MONTH);
  EXPECT_EQ(ov.intensity().total(), kAll);
  ASSERT_EQ(ov.intensity().buckets_size(), 10 + 12 + 12);
  EXPECT_EQ(ov.intensity().buckets(0).label(), "2018-01");
  const auto& march2020 = ov.intensity().buckets(10 + 12 + 2);
  EXPECT_EQ(march2020.label(), "2020-03");
  EXPECT_EQ(march2020.count(), 3);  // the 3rd, 15th and 27th events of 2020: all fights
  EXPECT_DOUBLE_EQ(march2020.goldstein_sum(), -30);
  EXPECT_DOUBLE_EQ(march2020.goldstein_mean(), -10);
  EXPECT_DOUBLE_EQ(march2020.mean_tone(), -4);
  std::map<std::string, double> headline;
  for (const auto& f : ov.headline_figures()) {
    headline[absl::StrCat(f.indicator().id(), " ", f.reporter(), " ", f.partner())] =
        f.point().value().value();
    EXPECT_EQ(f.point().period().year(), 2020);
    EXPECT_EQ(f.point().observations(0).citations(0).source_id(), "comtrade");
  }
  EXPECT_EQ(headline, (std::map<std::string, double>{
                          {"trade.exports GEO TUR", kGeoExportsToTur2020},
                          {"trade.exports TUR GEO", kTurExportsToGeo2020},
                          {"trade.imports GEO TUR", kGeoImportsFromTur2020},
                          {"trade.imports TUR GEO", kTurImportsFromGeo2020}}));

  GetYearInReviewRequest y;
  y.add_countries("GEO");
  y.add_countries("TUR");
  y.set_year(2020);
  GetYearInReviewResponse yr;
  ASSERT_TRUE(stub().GetYearInReview(Ctx().get(), y, &yr).ok());
  EXPECT_EQ(Codes(yr.parts()), kAllOk);
  EXPECT_EQ(yr.machine_coded_events_total(), kGeoTurEvents2020);
  ASSERT_EQ(yr.events_size(), 20);
  for (const auto& e : yr.events()) {
    EXPECT_GT(e.coded().num_mentions(), kGeoTurEvents2020 - 20) << "the most mentioned";
  }
  EXPECT_EQ(yr.intensity().buckets_size(), 12);
  EXPECT_EQ(yr.intensity().total(), kGeoTurEvents2020);
  std::map<std::string, const IndicatorValue*> values;
  for (const auto& v : yr.indicators()) {
    values[absl::StrCat(v.indicator().id(), " ", v.point().observations(0).reporter())] = &v;
  }
  ASSERT_EQ(values.size(), 4u);
  const IndicatorValue& exports = *values.at("trade.exports GEO");
  EXPECT_DOUBLE_EQ(exports.point().value().value(), kGeoExportsToTur2020);
  EXPECT_DOUBLE_EQ(exports.previous().value().value(), kGeoExportsToTur2019);

  ExplainChangeRequest x;
  x.set_indicator("trade.exports");
  x.add_countries("GEO");
  x.add_countries("TUR");
  x.set_year(2020);
  ExplainChangeResponse xr;
  ASSERT_TRUE(stub().ExplainChange(Ctx().get(), x, &xr).ok());
  EXPECT_EQ(Codes(xr.parts()), kAllOk);
  ASSERT_TRUE(xr.has_change_percent());
  EXPECT_DOUBLE_EQ(xr.change_percent(), (kGeoExportsToTur2020 / kGeoExportsToTur2019 - 1) * 100);
  // 30 events in 2020 against 11 a year in 2018–2019: the spike leads, the
  // events (all machine-coded) follow, ten at most.
  ASSERT_EQ(xr.factors_size(), 1 + 10);
  const CandidateFactor& spike = xr.factors(0);
  ASSERT_TRUE(spike.has_activity());
  EXPECT_EQ(spike.activity().year(), 2020);
  EXPECT_EQ(spike.activity().count(), kGeoTurEvents2020);
  EXPECT_DOUBLE_EQ(spike.activity().baseline_mean(), 11);
  EXPECT_DOUBLE_EQ(spike.activity().ratio(), 30.0 / 11);
  EXPECT_DOUBLE_EQ(spike.score(), 4.45);  // 3 + log2(2.73)
  EXPECT_THAT(spike.reason(), ::testing::HasSubstr("30 events of GEO–TUR counted in 2020, 2.73 "
                                                   "times the mean of 11 a year in 2018–2019"));
  ASSERT_EQ(spike.citations_size(), 1);
  EXPECT_EQ(spike.citations(0).source_id(), "gdelt-2.0");
  for (int i = 1; i < xr.factors_size(); ++i) {
    EXPECT_EQ(xr.factors(i).event().origin(), kCoded);
    EXPECT_GE(xr.factors(i).citations_size(), 1);
  }

  GetTimelineRequest t;
  t.add_countries("GEO");
  t.add_countries("TUR");
  t.set_page_size(500);
  GetTimelineResponse tr;
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), t, &tr).ok());
  EXPECT_EQ(Codes(tr.parts()), kAllOk);
  EXPECT_EQ(tr.entries_size(), kAll + 5);  // the events and the five total figures
  t.set_origin(kCurated);
  ASSERT_TRUE(stub().GetTimeline(Ctx().get(), t, &tr).ok());
  EXPECT_EQ(tr.entries_size(), 0);

  ListDiscrepanciesRequest d;
  d.add_countries("GEO");
  d.add_countries("TUR");
  ListDiscrepanciesResponse dr;
  ASSERT_TRUE(stub().ListDiscrepancies(Ctx().get(), d, &dr).ok());
  EXPECT_EQ(Codes(dr.parts()), kAllOk);
  // Totals only (the commodity's figures are not read), the gap beyond the
  // CIF/FOB margin first.
  ASSERT_EQ(dr.discrepancies_size(), 2);
  EXPECT_EQ(dr.discrepancies(0).subject(), "trade TUR→GEO 2020");
  EXPECT_DOUBLE_EQ(dr.discrepancies(0).mirror().ratio(), kGeoImportsFromTur2020 / kTurExportsToGeo2020);
  EXPECT_FALSE(dr.discrepancies(0).mirror().within_usual_margin());
  EXPECT_EQ(dr.discrepancies(1).subject(), "trade GEO→TUR 2020");
  EXPECT_TRUE(dr.discrepancies(1).mirror().within_usual_margin());
  for (const auto& disc : dr.discrepancies()) {
    EXPECT_EQ(disc.kind(), Discrepancy::KIND_MIRROR);
    ASSERT_EQ(disc.claims_size(), 2);
    for (const auto& c : disc.claims()) EXPECT_EQ(c.citations(0).source_id(), "comtrade");
  }
  // Fact keys are curated: the events read for them are the curated ones.
  EXPECT_EQ(LastRequest<dyad::events::v1::ListEventsRequest>(fakes_.events.control, "ListEvents")
                .origin(),
            kCurated);
}

// A country named twice is one country to the counts, as it is to the
// lists (CountEvents refuses a repeated country); three are not counted.
TEST_F(GatewayServiceTest, RepeatedOrManyCountriesAndTheCounts) {
  GetOverviewRequest req;
  req.add_countries("GEO");
  req.add_countries("GEO");
  GetOverviewResponse ov;
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &ov).ok());
  EXPECT_EQ(Codes(ov.parts()), kAllOk);
  EXPECT_EQ(ov.intensity().total(), dyad::testing::kGeoTurEvents2018 +
                                        dyad::testing::kGeoTurEvents2019 +
                                        dyad::testing::kGeoTurEvents2020);
  EXPECT_EQ(LastRequest<dyad::events::v1::CountEventsRequest>(fakes_.events.control, "CountEvents")
                .countries_size(),
            1);
  req.add_countries("TUR");  // three entries, two distinct
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &ov).ok());
  EXPECT_EQ(Codes(ov.parts()), kAllOk);
  EXPECT_TRUE(ov.has_intensity());
  req.set_countries(1, "ARM");  // three distinct: counted by the gateway, no series
  ASSERT_TRUE(stub().GetOverview(Ctx().get(), req, &ov).ok());
  EXPECT_EQ(Codes(ov.parts()), kAllOk);
  EXPECT_FALSE(ov.has_intensity());
  EXPECT_EQ(ov.events_by_domain_size(), 0);  // no event names all three
}

TEST_F(GatewayServiceTest, SearchPutsCuratedHitsBeforeImportedOnes) {
  SearchRequest req;
  req.set_query("visit");
  SearchResponse resp;
  ASSERT_TRUE(stub().Search(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(Codes(resp.parts()), kAllOk);
  ASSERT_EQ(resp.hits_size(), 20);
  // The state visits (curated, two records of one fact), then imported rows.
  EXPECT_EQ(resp.hits(0).origin(), kCurated);
  EXPECT_EQ(resp.hits(1).origin(), kCurated);
  EXPECT_THAT(resp.hits(0).title(), ::testing::HasSubstr("State visit"));
  for (int i = 2; i < resp.hits_size(); ++i) EXPECT_EQ(resp.hits(i).origin(), kCoded) << i;
  req.set_origin(kCoded);
  ASSERT_TRUE(stub().Search(Ctx().get(), req, &resp).ok());
  ASSERT_GT(resp.hits_size(), 0);
  for (const auto& h : resp.hits()) EXPECT_EQ(h.origin(), kCoded);
}

TEST(AnswerCacheTest, ExpiresBoundsItselfAndIsOffByDefault) {
  GetYearInReviewResponse answer;
  answer.set_year(2019);
  for (const char* p : {"events", "economics", "institutions"}) {
    auto* part = answer.add_parts();
    part->set_part(p);
    part->set_code("OK");
  }
  // Keys of one size: GetYearInReview for years 2000..2099.
  auto key = [](int year) {
    GetYearInReviewRequest r = Year2019();
    r.set_year(year);
    return AnswerCache::Key("GetYearInReview", r);
  };
  const size_t one = key(2000).size() + answer.ByteSizeLong();
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  auto Bytes = [](const GetYearInReviewResponse& a) {
    return std::make_shared<const std::string>(a.SerializeAsString());
  };

  AnswerCache off(absl::ZeroDuration(), 1 << 20);
  EXPECT_FALSE(off.enabled());
  off.Remember(key(2000), Bytes(answer), answer.parts(), t0);
  EXPECT_EQ(off.Lookup(key(2000), t0), nullptr);

  // Room for eight answers.
  AnswerCache cache(absl::Seconds(2), 8 * one);
  EXPECT_NE(AnswerCache::Key("GetOverview", Year2019()), key(2019));  // the method is in the key
  cache.Remember(key(2000), Bytes(answer), answer.parts(), t0);
  ASSERT_NE(cache.Lookup(key(2000), t0 + absl::Seconds(1)), nullptr);
  EXPECT_EQ(*cache.Lookup(key(2000), t0 + absl::Seconds(1)), answer.SerializeAsString());
  EXPECT_EQ(cache.bytes(), one);
  cache.Remember(key(2000), Bytes(answer), answer.parts(), t0);  // again: counted once
  EXPECT_EQ(cache.bytes(), one);
  EXPECT_EQ(cache.Lookup(key(2000), t0 + absl::Seconds(2)), nullptr);  // expired
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);

  // Full: expired answers go first, else everything.
  cache.Remember(key(2000), Bytes(answer), answer.parts(), t0);
  for (int y = 2001; y < 2008; ++y) cache.Remember(key(y), Bytes(answer), answer.parts(), t0 + absl::Seconds(1));
  EXPECT_EQ(cache.size(), 8u);
  cache.Remember(key(2008), Bytes(answer), answer.parts(), t0 + absl::Seconds(2));  // 2000 has expired
  EXPECT_EQ(cache.size(), 8u);
  EXPECT_EQ(cache.Lookup(key(2000), t0 + absl::Seconds(2)), nullptr);
  EXPECT_NE(cache.Lookup(key(2001), t0 + absl::Seconds(2)), nullptr);
  cache.Remember(key(2009), Bytes(answer), answer.parts(), t0 + absl::Seconds(2));  // none expired
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), one);

  // Only whole answers, and none over an eighth of the room.
  AnswerCache small(absl::Seconds(2), 8 * one - 1);
  small.Remember(key(2000), Bytes(answer), answer.parts(), t0);
  EXPECT_EQ(small.size(), 0u);
  answer.mutable_parts(1)->set_code("UNAVAILABLE");
  cache.Remember(key(2010), Bytes(answer), answer.parts(), t0);
  EXPECT_EQ(cache.Lookup(key(2010), t0), nullptr);
}

TEST(BackendServiceConfigTest, RoundRobinAndOneRetryOfReadsOnUnavailable) {
  const std::string c = BackendServiceConfig();
  EXPECT_THAT(c, ::testing::HasSubstr(R"("round_robin")"));
  EXPECT_THAT(c, ::testing::HasSubstr(R"("maxAttempts": 2)"));
  EXPECT_THAT(c, ::testing::HasSubstr(R"("retryableStatusCodes": ["UNAVAILABLE"])"));
  EXPECT_THAT(c, ::testing::Not(::testing::HasSubstr("Create")));  // writes are never retried
  // An empty target is refused, naming the flag.
  auto b = Backends::Connect({"", "127.0.0.1:1", "127.0.0.1:2"}, grpc::InsecureChannelCredentials());
  EXPECT_STATUS(b, absl::StatusCode::kInvalidArgument, "events");
}

}  // namespace
}  // namespace dyad::gateway

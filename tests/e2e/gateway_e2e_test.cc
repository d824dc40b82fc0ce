// The gateway over the three real backends, started as a user would, and its
// failure modes: a backend stopped (UNAVAILABLE part) and a backend that
// never answers (DEADLINE_EXCEEDED part, the call still returns in time).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using dyad::testing::StartServer;
using namespace dyad::gateway::v1;  // NOLINT

absl::StatusOr<dyad::testing::Server> StartBackend(const std::string& name) {
  return StartServer({BuildPath("bin/dyad-" + name), "--db=:memory:",
                      "--plugins=" + BuildPath("plugins")});
}

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

// A TCP port that accepts connections (the kernel completes the handshake)
// but never speaks HTTP/2: calls to it hang until their deadline.
class HangingPort {
 public:
  HangingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(fd_, 64);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~HangingPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class GatewayE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* name : {"events", "economics", "institutions"}) {
      auto s = StartBackend(name);
      ASSERT_OK(s);
      ports_[name] = s->port;
      backends_.push_back(new ChildProcess(std::move(s->process)));
    }
    auto g = StartGateway(Addr(ports_["events"]), Addr(ports_["economics"]),
                          Addr(ports_["institutions"]));
    ASSERT_OK(g);
    gateway_port_ = g->port;
    gateway_ = new ChildProcess(std::move(g->process));
  }
  static void TearDownTestSuite() {
    if (gateway_ != nullptr) (void)gateway_->Stop(SIGTERM, absl::Seconds(20));
    delete gateway_;
    for (auto* b : backends_) {
      (void)b->Stop(SIGTERM, absl::Seconds(20));
      delete b;
    }
    backends_.clear();
  }

  static absl::StatusOr<dyad::testing::Server> StartGateway(const std::string& ev,
                                                                   const std::string& ec,
                                                                   const std::string& in) {
    return StartServer({BuildPath("bin/dyad-gateway"), "--events=" + ev, "--economics=" + ec,
                        "--institutions=" + in, "--backend_timeout=3s"});
  }

  static std::unique_ptr<RelationsGateway::Stub> Stub(int port) {
    return RelationsGateway::NewStub(grpc::CreateChannel(Addr(port), grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<grpc::ClientContext> Ctx(absl::Duration d = absl::Seconds(10)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + d));
    return ctx;
  }
  static std::string PartCode(const google::protobuf::RepeatedPtrField<Part>& parts,
                              const std::string& name) {
    for (const auto& p : parts) {
      if (p.part() == name) return p.code();
    }
    return "missing";
  }
  static GetYearInReviewRequest Year2019() {
    GetYearInReviewRequest req;
    req.add_countries("AZE");
    req.add_countries("CHN");
    req.set_year(2019);
    return req;
  }

  static std::map<std::string, int> ports_;
  static std::vector<ChildProcess*> backends_;
  static ChildProcess* gateway_;
  static int gateway_port_;
};
std::map<std::string, int> GatewayE2eTest::ports_;
std::vector<ChildProcess*> GatewayE2eTest::backends_;
ChildProcess* GatewayE2eTest::gateway_ = nullptr;
int GatewayE2eTest::gateway_port_ = 0;

TEST_F(GatewayE2eTest, YearInReview2019) {
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(
                                       grpc::CreateChannel(Addr(gateway_port_), grpc::InsecureChannelCredentials()),
                                       "dyad.gateway.v1.RelationsGateway"));
  EXPECT_EQ(health, 1);
  GetYearInReviewResponse resp;
  grpc::Status s = Stub(gateway_port_)->GetYearInReview(Ctx().get(), Year2019(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (const char* p : {"events", "economics", "institutions"}) EXPECT_EQ(PartCode(resp.parts(), p), "OK");
  bool forum = false;
  for (const auto& e : resp.events()) {
    forum = forum || (e.kind() == "diplomacy.summit.attended" && e.date().month() == 4);
  }
  EXPECT_TRUE(forum) << "the April 2019 Belt and Road Forum visit";
  bool turnover = false;
  for (const auto& v : resp.indicators()) {
    if (v.indicator().id() != "trade.turnover") continue;
    turnover = true;
    EXPECT_EQ(v.point().period().year(), 2019);
    EXPECT_EQ(v.previous().period().year(), 2018);
    ASSERT_TRUE(v.point().has_change_percent());
    EXPECT_NEAR(v.point().change_percent(), 66.7, 0.1);
  }
  EXPECT_TRUE(turnover);
}

TEST_F(GatewayE2eTest, ExplainChangePutsTheForumDealsOnTop) {
  ExplainChangeRequest req;
  req.set_indicator("trade.turnover");
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_year(2019);
  ExplainChangeResponse resp;
  grpc::Status s = Stub(gateway_port_)->ExplainChange(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NEAR(resp.change_percent(), 66.7, 0.1);
  ASSERT_GE(resp.factors_size(), 5);
  EXPECT_EQ(resp.window().start().year(), 2018);
  EXPECT_EQ(resp.window().end().year(), 2019);
  // The forum's signed deals first, the forum itself among the top five.
  const auto& top = resp.factors(0);
  EXPECT_EQ(top.event().kind(), "economy.deal.signed");
  EXPECT_EQ(top.event().date().month(), 4);
  EXPECT_THAT(top.reason(), ::testing::HasSubstr("821"));
  bool forum_in_top5 = false;
  for (int i = 0; i < 5; ++i) {
    const auto& f = resp.factors(i);
    forum_in_top5 = forum_in_top5 || (f.has_event() && f.event().kind() == "diplomacy.summit.attended" &&
                                      f.event().date().month() == 4);
  }
  EXPECT_TRUE(forum_in_top5) << "the April 2019 Belt and Road Forum";
  for (const auto& f : resp.factors()) {
    EXPECT_FALSE(f.reason().empty());
    EXPECT_GE(f.citations_size(), 1);
  }
  for (int i = 0; i < std::min(5, resp.factors_size()); ++i) {
    const auto& f = resp.factors(i);
    std::cout << "factor " << f.score() << " "
              << (f.has_event() ? f.event().title() : f.institution().display_name()) << "\n";
  }
  req.set_indicator("no.such.indicator");
  EXPECT_EQ(Stub(gateway_port_)->ExplainChange(Ctx().get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GatewayE2eTest, DiscrepanciesAndConsistencyChecks) {
  ListDiscrepanciesRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  ListDiscrepanciesResponse resp;
  grpc::Status s = Stub(gateway_port_)->ListDiscrepancies(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::set<std::string> subjects;
  for (const auto& d : resp.discrepancies()) {
    subjects.insert(d.subject());
    for (const auto& c : d.claims()) EXPECT_GE(c.citations_size(), 1) << d.subject();
  }
  EXPECT_TRUE(subjects.count("tanap-loan-600m"));  // who lent
  bool stock = false;
  for (const auto& x : subjects) stock = stock || x.rfind("investment.stock CHN", 0) == 0;
  EXPECT_TRUE(stock);  // Chinese investment stock: over 800 million vs 1.7 billion
  std::map<int, int> by_kind;
  for (const auto& d : resp.discrepancies()) ++by_kind[d.kind()];
  EXPECT_GE(by_kind[Discrepancy::KIND_FIGURE], 1);
  EXPECT_GE(by_kind[Discrepancy::KIND_ATTRIBUTION], 1);
  for (const auto& [kind, n] : by_kind) {
    std::cout << "discrepancies " << Discrepancy::Kind_Name(static_cast<Discrepancy::Kind>(kind))
              << " " << n << "\n";
  }
  // The disagreements curation links by fact key, each with its class and
  // the rule that decided it, and each side citing its own source.
  std::map<std::string, std::set<std::string>> linked;
  for (const auto& d : resp.discrepancies()) {
    EXPECT_NE(d.discrepancy_class(), Discrepancy::CLASS_UNSPECIFIED) << d.subject();
    EXPECT_FALSE(d.rule().empty()) << d.subject();
    linked[d.subject()].insert(absl::StrCat(Discrepancy::Kind_Name(d.kind()), "/",
                                            Discrepancy::Class_Name(d.discrepancy_class()), "/",
                                            d.rule()));
    std::set<std::string> sources;
    for (const auto& c : d.claims()) sources.insert(c.citations(0).source_id());
    if (d.subject() == "chn-aze-visitor-1996") {
      EXPECT_EQ(sources, (std::set<std::string>{"jafarli", "khalturina"}));
    }
    if (d.subject() == "aze-chn-trade-houses-before-qingdao") {
      EXPECT_EQ(sources, (std::set<std::string>{"jafarli", "ismayilova"}));
    }
    if (d.subject() == "chn-aze-latest-military-aid-document") {
      EXPECT_EQ(sources, (std::set<std::string>{"jafarli", "valiyev"}));
    }
  }
  // Who came from China in 1996: a foreign minister, or Jiang Zemin.
  EXPECT_TRUE(linked["chn-aze-visitor-1996"].count(
      "KIND_ATTRIBUTION/CLASS_CONFLICT/named-actors-differ"));
  // Trade houses open before the April 2021 Qingdao opening: three or more, or two.
  EXPECT_EQ(linked["aze-chn-trade-houses-before-qingdao"],
            std::set<std::string>{"KIND_FIGURE/CLASS_CONFLICT/fact-key:intervals-disjoint"});
  // The latest military-aid document: April 2018, or 2019.
  EXPECT_TRUE(linked["chn-aze-latest-military-aid-document"].count(
      "KIND_DATE/CLASS_CONFLICT/date-spans-disjoint"));
  // Within wording: 2,184 million and $2.2 billion for 2019.
  EXPECT_TRUE(linked["trade.turnover AZE→CHN 2019"].count(
      "KIND_FIGURE/CLASS_WITHIN_WORDING/intervals-meet"));
  // Neighbouring periods: a share for 2019 and the same share "now" in 2021.
  bool share = false;
  for (const auto& [subject, items] : linked) {
    share = share || (subject.rfind("trade.regional_share CHN→AZE 2019 / to ", 0) == 0 &&
                      items.count("KIND_FIGURE/CLASS_NEIGHBOURING_PERIOD/as-of-near-period"));
  }
  EXPECT_TRUE(share);
  // Filtered by class.
  ListDiscrepanciesRequest conflicts = req;
  conflicts.add_classes(Discrepancy::CLASS_CONFLICT);
  ListDiscrepanciesResponse only;
  ASSERT_TRUE(Stub(gateway_port_)->ListDiscrepancies(Ctx().get(), conflicts, &only).ok());
  ASSERT_GT(only.discrepancies_size(), 0);
  EXPECT_LT(only.discrepancies_size(), resp.discrepancies_size());
  for (const auto& d : only.discrepancies()) {
    EXPECT_EQ(d.discrepancy_class(), Discrepancy::CLASS_CONFLICT) << d.subject();
  }
  // exports + imports vs turnover 2019, and the stated 66.7% growth.
  ASSERT_GE(resp.checks_size(), 2);
  for (const auto& c : resp.checks()) {
    EXPECT_TRUE(c.consistent()) << c.description();
    EXPECT_GE(c.claims_size(), 3);
    for (const auto& claim : c.claims()) EXPECT_GE(claim.citations_size(), 1) << c.name();
  }
}

TEST_F(GatewayE2eTest, TimelinePagesAcrossBackendsWithoutGapsOrRepeats) {
  GetTimelineRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_page_size(7);
  std::vector<TimelineEntry> all;
  std::set<std::string> kinds;
  for (int page = 0; page < 100; ++page) {
    GetTimelineResponse resp;
    grpc::Status s = Stub(gateway_port_)->GetTimeline(Ctx().get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& e : resp.entries()) all.push_back(e);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  // One page with everything gives the same stream.
  GetTimelineRequest one;
  one.add_countries("AZE");
  one.add_countries("CHN");
  one.set_page_size(500);
  GetTimelineResponse whole;
  ASSERT_TRUE(Stub(gateway_port_)->GetTimeline(Ctx().get(), one, &whole).ok());
  ASSERT_EQ(static_cast<int>(all.size()), whole.entries_size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].title(), whole.entries(static_cast<int>(i)).title()) << i;
    kinds.insert(std::to_string(all[i].record_case()));
  }
  EXPECT_EQ(kinds.size(), 3u);  // events, institutions and figures
  req.set_page_token("not-a-token");
  GetTimelineResponse bad;
  EXPECT_EQ(Stub(gateway_port_)->GetTimeline(Ctx().get(), req, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GatewayE2eTest, OverviewSearchAndSources) {
  GetOverviewRequest o;
  o.add_countries("AZE");
  o.add_countries("CHN");
  GetOverviewResponse ov;
  ASSERT_TRUE(Stub(gateway_port_)->GetOverview(Ctx().get(), o, &ov).ok());
  std::set<std::string> milestones;
  for (const auto& m : ov.milestones()) milestones.insert(m.kind());
  EXPECT_TRUE(milestones.count("diplomacy.recognition"));
  EXPECT_TRUE(milestones.count("diplomacy.relations.established"));
  EXPECT_GE(ov.headline_figures_size(), 1);
  EXPECT_GE(ov.events_by_domain_size(), 2);

  SearchRequest q;
  q.set_query("railway");
  SearchResponse hits;
  ASSERT_TRUE(Stub(gateway_port_)->Search(Ctx().get(), q, &hits).ok());
  ASSERT_GE(hits.hits_size(), 1);
  for (int i = 1; i < hits.hits_size(); ++i) EXPECT_GE(hits.hits(i - 1).score(), hits.hits(i).score());

  ListSourcesResponse sources;
  ASSERT_TRUE(Stub(gateway_port_)->ListSources(Ctx().get(), ListSourcesRequest(), &sources).ok());
  // Five seed documents, plus the datasets (gdelt-1.0, gdelt-2.0, icews,
  // comtrade, wdi) of the cameo and world_data plugins.
  EXPECT_EQ(sources.sources_size(), 10);
}

TEST_F(GatewayE2eTest, BadInputIsInvalidArgumentNamingTheField) {
  GetYearInReviewRequest req = Year2019();
  req.set_year(0);
  GetYearInReviewResponse resp;
  grpc::Status s = Stub(gateway_port_)->GetYearInReview(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("year"));
  req = Year2019();
  req.add_countries("XXX");
  s = Stub(gateway_port_)->GetYearInReview(Ctx().get(), req, &resp);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("countries[2]"));
  SearchRequest q;
  SearchResponse hits;
  s = Stub(gateway_port_)->Search(Ctx().get(), q, &hits);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("query"));
}

// The CLI's gateway commands, as a user runs them.
std::pair<int, std::string> RunCli(std::vector<std::string> args) {
  auto p = ChildProcess::Start(args);
  if (!p.ok()) return {-1, std::string(p.status().message())};
  auto code = p->Wait(absl::Seconds(30));
  return {code.ok() ? *code : -1, p->Output()};
}

TEST_F(GatewayE2eTest, CliGatewayCommands) {
  const std::string cli = BuildPath("bin/dyad");
  const std::string target = Addr(gateway_port_);
  using ::testing::HasSubstr;
  auto [code, out] = RunCli({cli, "--target", target, "year", "2019"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("2019 in review"));
  EXPECT_THAT(out, HasSubstr("24 April 2019"));
  EXPECT_THAT(out, HasSubstr("Belt and Road Forum"));
  EXPECT_THAT(out, HasSubstr("jafarli:p11"));
  EXPECT_THAT(out, ::testing::ContainsRegex(
                       "Trade turnover +2.184 billion USD +1.31 billion USD +\\+66.7%"));
  std::tie(code, out) = RunCli({cli, "--target", target, "explain", "trade.turnover", "2019"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("Trade turnover 2018 → 2019: 1.31 billion USD → 2.184 billion USD "
                             "(+66.7%)"));
  EXPECT_THAT(out, HasSubstr("Candidate factors"));
  // The first factor row: the forum's deals worth $821 million.
  const size_t table = out.find("\n-----");
  ASSERT_NE(table, std::string::npos) << out;
  const size_t first = out.find('\n', table + 1) + 1;
  EXPECT_THAT(out.substr(first, out.find('\n', first) - first),
              ::testing::AllOf(HasSubstr("April 2019"), HasSubstr("$821 million")))
      << out;
  std::tie(code, out) = RunCli({cli, "--target", target, "--json", "discrepancies"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"checks\""));
  EXPECT_THAT(out, HasSubstr("\"name\": \"exports + imports = turnover\""));
  EXPECT_THAT(out, HasSubstr("\"subject\": \"investment.stock CHN→AZE"));
  EXPECT_THAT(out, HasSubstr("\"subject\": \"tanap-loan-600m\""));
  std::tie(code, out) = RunCli({cli, "--target", target, "overview"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("Relations AZE–CHN"));
  EXPECT_THAT(out, ::testing::ContainsRegex("27 December 1991 +China recognizes Azerbaijan"));
  EXPECT_THAT(out, ::testing::ContainsRegex("2 April 1992 +Azerbaijan and China establish "
                                            "diplomatic relations"));
  EXPECT_THAT(out, HasSubstr("Trade turnover"));
  EXPECT_THAT(out, HasSubstr("Events by domain: "));
  std::tie(code, out) = RunCli({cli, "--target", target, "timeline"});
  EXPECT_EQ(code, 0) << out;
  // Oldest first: recognition in December 1991 opens the relations.
  const size_t row = out.find('\n', out.find("\n-----") + 1) + 1;
  EXPECT_THAT(out.substr(row, out.find('\n', row) - row),
              ::testing::AllOf(HasSubstr("27 December 1991"),
                               HasSubstr("China recognizes Azerbaijan"), HasSubstr("jafarli:p3")))
      << out;
  std::tie(code, out) = RunCli({cli, "--target", target, "sources"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::ContainsRegex("jafarli +Azerbaijan-China relations +Shahin Jafarli"));
  for (const char* id : {"azemedia", "ismayilova", "khalturina", "valiyev"}) {
    EXPECT_THAT(out, HasSubstr(std::string("\n") + id + " ")) << id;
  }
  std::tie(code, out) = RunCli({cli, "--target", target, "search", "railway"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("events/baku-tbilisi-kars-railway-completed-2017"));
  EXPECT_THAT(out, HasSubstr("institutions/baku-tbilisi-kars-railway"));
  std::tie(code, out) = RunCli({cli, "--target", target, "year", "20x9"});
  EXPECT_EQ(code, 2) << out;
}

TEST_F(GatewayE2eTest, StoppedBackendGivesAPartialAnswer) {
  // A second gateway whose economics backend is started and then stopped.
  ASSERT_OK_AND_ASSIGN(auto econ, StartBackend("economics"));
  ASSERT_OK_AND_ASSIGN(auto g, StartGateway(Addr(ports_["events"]), Addr(econ.port),
                                            Addr(ports_["institutions"])));
  ASSERT_OK(econ.process.Stop(SIGTERM, absl::Seconds(20)));
  const absl::Time start = absl::Now();
  GetYearInReviewResponse resp;
  grpc::Status s = Stub(g.port)->GetYearInReview(Ctx(absl::Seconds(5)).get(), Year2019(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(PartCode(resp.parts(), "economics"), "UNAVAILABLE");
  EXPECT_EQ(PartCode(resp.parts(), "events"), "OK");
  EXPECT_EQ(PartCode(resp.parts(), "institutions"), "OK");
  EXPECT_GT(resp.events_size(), 0);
  EXPECT_EQ(resp.indicators_size(), 0);
  // The CLI warns about the partial answer, and fails it with --strict.
  auto [code, out] = RunCli({BuildPath("bin/dyad"), "--target", Addr(g.port), "year", "2019"});
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, ::testing::HasSubstr("warning: partial answer: economics UNAVAILABLE"));
  std::tie(code, out) = RunCli({BuildPath("bin/dyad"), "--target", Addr(g.port), "--strict", "year", "2019"});
  EXPECT_EQ(code, 3) << out;
  (void)g.process.Stop(SIGTERM, absl::Seconds(20));
}

// --answer_cache_ttl: within the TTL the same question is answered from the
// cache (still whole after its events backend is stopped); after the TTL it
// is composed afresh (the events part now UNAVAILABLE). Without the flag
// nothing is cached.
TEST_F(GatewayE2eTest, AnswerCacheTtlServesTheSameAnswerUntilItExpires) {
  ASSERT_OK_AND_ASSIGN(auto events, StartBackend("events"));
  ASSERT_OK_AND_ASSIGN(
      auto cached,
      StartServer({BuildPath("bin/dyad-gateway"), "--events=" + Addr(events.port),
                   "--economics=" + Addr(ports_["economics"]),
                   "--institutions=" + Addr(ports_["institutions"]), "--backend_timeout=3s",
                   "--answer_cache_ttl=3s"}));
  EXPECT_THAT(cached.process.Output(), ::testing::HasSubstr("answer_cache_ttl=3s"));
  ASSERT_OK_AND_ASSIGN(auto uncached, StartGateway(Addr(events.port), Addr(ports_["economics"]),
                                                   Addr(ports_["institutions"])));
  const absl::Time composed = absl::Now();
  GetYearInReviewResponse first;
  ASSERT_TRUE(Stub(cached.port)->GetYearInReview(Ctx().get(), Year2019(), &first).ok());
  ASSERT_EQ(PartCode(first.parts(), "events"), "OK");
  ASSERT_GT(first.events_size(), 0);
  ASSERT_OK(events.process.Stop(SIGTERM, absl::Seconds(20)));

  GetYearInReviewResponse again;
  ASSERT_TRUE(Stub(cached.port)->GetYearInReview(Ctx().get(), Year2019(), &again).ok());
  ASSERT_LT(absl::Now() - composed, absl::Seconds(3)) << "too slow to test within the TTL";
  EXPECT_TRUE(again.SerializeAsString() == first.SerializeAsString()) << "not the cached answer";
  EXPECT_EQ(PartCode(again.parts(), "events"), "OK");

  GetYearInReviewResponse fresh;
  ASSERT_TRUE(Stub(uncached.port)->GetYearInReview(Ctx().get(), Year2019(), &fresh).ok());
  EXPECT_EQ(PartCode(fresh.parts(), "events"), "UNAVAILABLE");

  absl::SleepFor(composed + absl::Milliseconds(3500) - absl::Now());
  GetYearInReviewResponse expired;
  ASSERT_TRUE(Stub(cached.port)->GetYearInReview(Ctx().get(), Year2019(), &expired).ok());
  EXPECT_EQ(PartCode(expired.parts(), "events"), "UNAVAILABLE");
  EXPECT_EQ(expired.events_size(), 0);
  EXPECT_EQ(PartCode(expired.parts(), "economics"), "OK");
  EXPECT_EQ(cached.process.Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
  EXPECT_EQ(uncached.process.Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
}

TEST_F(GatewayE2eTest, TargetsFromTheEnvironmentAndTheServingLine) {
  // DYAD_EVENTS etc. stand in for the flags (containers set them).
  auto p = ChildProcess::Start({BuildPath("bin/dyad-gateway")},
                               {"DYAD_PORT=0", "DYAD_HOST=127.0.0.1",
                                "DYAD_EVENTS=" + Addr(ports_["events"]),
                                "DYAD_ECONOMICS=" + Addr(ports_["economics"]),
                                "DYAD_INSTITUTIONS=" + Addr(ports_["institutions"])});
  ASSERT_OK(p);
  ASSERT_OK_AND_ASSIGN(std::string out, p->WaitForOutput("serving ", absl::Seconds(30)));
  EXPECT_THAT(out, ::testing::HasSubstr("service=dyad.gateway.v1.RelationsGateway"));
  EXPECT_THAT(out, ::testing::HasSubstr("events=" + Addr(ports_["events"])));
  EXPECT_THAT(out, ::testing::HasSubstr("economics=" + Addr(ports_["economics"])));
  const int port = dyad::testing::ParseServingPort(out);
  ASSERT_GT(port, 0);
  GetYearInReviewResponse resp;
  ASSERT_TRUE(Stub(port)->GetYearInReview(Ctx().get(), Year2019(), &resp).ok());
  for (const char* part : {"events", "economics", "institutions"}) {
    EXPECT_EQ(PartCode(resp.parts(), part), "OK");
  }
  EXPECT_EQ(p->Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
}

TEST_F(GatewayE2eTest, HangingBackendReturnsByTheDeadline) {
  HangingPort hang;
  ASSERT_OK_AND_ASSIGN(auto g, StartGateway(Addr(ports_["events"]), Addr(hang.port()),
                                            Addr(ports_["institutions"])));
  const absl::Time start = absl::Now();
  GetYearInReviewResponse resp;
  grpc::Status s = Stub(g.port)->GetYearInReview(Ctx(absl::Seconds(2)).get(), Year2019(), &resp);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(took, absl::Seconds(2));
  EXPECT_EQ(PartCode(resp.parts(), "economics"), "DEADLINE_EXCEEDED");
  EXPECT_EQ(PartCode(resp.parts(), "events"), "OK");
  EXPECT_EQ(PartCode(resp.parts(), "institutions"), "OK");
  EXPECT_GT(resp.events_size(), 0);
  // With no client deadline the gateway's --backend_timeout (3s) bounds it.
  grpc::ClientContext no_deadline;
  const absl::Time again = absl::Now();
  ASSERT_TRUE(Stub(g.port)->GetYearInReview(&no_deadline, Year2019(), &resp).ok());
  EXPECT_LT(absl::Now() - again, absl::Seconds(4));
  EXPECT_EQ(PartCode(resp.parts(), "economics"), "DEADLINE_EXCEEDED");
  // And it still shuts down promptly on SIGTERM.
  EXPECT_EQ(g.process.Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
}

// Issue 11 with the real binaries: GEO–TUR, a dyad with imported records
// (GDELT-shaped events, Comtrade-shaped figures streamed through the import
// methods) and, among the curated data, only the railway events of the
// transport_energy plugin, gets every gateway answer; nothing assumes
// AZE–CHN. Limited to machine-coded records, the answers hold exactly what
// was imported.
class ImportedDyadE2eTest : public GatewayE2eTest {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/gateway_imported_e2e_" + std::to_string(getpid());
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str()), 0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  absl::StatusOr<dyad::testing::Server> StartWritable(const std::string& name) {
    return StartServer({BuildPath("bin/dyad-" + name), "--db=:memory:",
                        "--plugins=" + BuildPath("plugins"),
                        "--write_token_file=" + dir_ + "/token"});
  }
  static std::unique_ptr<grpc::ClientContext> WriteCtx() {
    auto ctx = Ctx(absl::Seconds(30));
    ctx->AddMetadata("authorization", "Bearer e2e-token");
    return ctx;
  }

  std::string dir_;
};

TEST_F(ImportedDyadE2eTest, EveryAnswerForADyadOfImportedData) {
  namespace ev = dyad::events::v1;
  namespace ec = dyad::economics::v1;
  ASSERT_OK_AND_ASSIGN(auto events, StartWritable("events"));
  ASSERT_OK_AND_ASSIGN(auto economics, StartWritable("economics"));

  // 10 events in 2018, 12 in 2019, 30 in 2020 (visits, every third a
  // fight), as the GDELT importer maps them.
  ev::ImportEventsRequest er;
  for (const auto& [year, n] : std::vector<std::pair<int, int>>{{2018, 10}, {2019, 12}, {2020, 30}}) {
    for (int i = 0; i < n; ++i) {
      const bool fight = i % 3 == 2;
      const std::string id = absl::StrCat(year, i);
      ev::Event* e = er.add_events();
      e->mutable_date()->set_year(year);
      e->mutable_date()->set_month(i % 12 + 1);
      e->mutable_date()->set_day(1);
      auto* c = e->mutable_coded();
      c->set_dataset("gdelt-2.0");
      c->set_cameo_code(fight ? "190" : "042");
      c->set_source_country(i % 2 ? "TUR" : "GEO");
      c->set_target_country(i % 2 ? "GEO" : "TUR");
      c->set_goldstein(fight ? -10 : 1.9);
      c->set_avg_tone(fight ? -4 : 2);
      c->set_num_mentions(i + 1);
      auto* cite = e->add_citations();
      cite->set_source_id("gdelt-2.0");
      cite->set_url("https://news.example/" + id);
      cite->mutable_row()->set_upstream_id(id);
    }
  }
  auto ev_stub = ev::EventService::NewStub(
      grpc::CreateChannel(Addr(events.port), grpc::InsecureChannelCredentials()));
  ev::ImportEventsResponse ev_summary;
  {
    auto ctx = WriteCtx();
    auto writer = ev_stub->ImportEvents(ctx.get(), &ev_summary);
    ASSERT_TRUE(writer->Write(er));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_EQ(ev_summary.created(), 52) << ev_summary.DebugString();

  // Comtrade totals: GEO's exports to TUR (2019, 2020) and TUR's report of
  // the same flow for 2020 (6% more: CIF), TUR's exports to GEO and GEO's
  // imports from TUR (20% less: beyond the margin).
  ec::ImportObservationsRequest orq;
  auto figure = [&](const std::string& indicator, const std::string& reporter,
                    const std::string& partner, int year, double value) {
    ec::Observation* o = orq.add_observations();
    o->set_indicator(indicator);
    o->set_reporter(reporter);
    o->set_partner(partner);
    o->mutable_period()->set_year(year);
    o->mutable_value()->set_value(value);
    auto* c = o->add_citations();
    c->set_source_id("comtrade");
    c->mutable_row()->set_upstream_id(absl::StrCat(indicator, "|", reporter, "|", partner, "|", year));
  };
  figure("trade.exports", "GEO", "TUR", 2019, 180e6);
  figure("trade.exports", "GEO", "TUR", 2020, 200e6);
  figure("trade.imports", "TUR", "GEO", 2020, 212e6);
  figure("trade.exports", "TUR", "GEO", 2020, 1500e6);
  figure("trade.imports", "GEO", "TUR", 2020, 1200e6);
  auto ec_stub = ec::EconomicsService::NewStub(
      grpc::CreateChannel(Addr(economics.port), grpc::InsecureChannelCredentials()));
  ec::ImportObservationsResponse ec_summary;
  {
    auto ctx = WriteCtx();
    auto writer = ec_stub->ImportObservations(ctx.get(), &ec_summary);
    ASSERT_TRUE(writer->Write(orq));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_EQ(ec_summary.created(), 5) << ec_summary.DebugString();

  ASSERT_OK_AND_ASSIGN(auto g, StartGateway(Addr(events.port), Addr(economics.port),
                                            Addr(ports_["institutions"])));
  auto gw = Stub(g.port);
  auto all_ok = [](const google::protobuf::RepeatedPtrField<Part>& parts) {
    for (const char* p : {"events", "economics", "institutions"}) {
      if (PartCode(parts, p) != "OK") return false;
    }
    return true;
  };

  constexpr auto kCoded = dyad::type::v1::ORIGIN_MACHINE_CODED;
  GetOverviewRequest o;
  o.add_countries("GEO");
  o.add_countries("TUR");
  o.set_origin(kCoded);
  GetOverviewResponse ov;
  ASSERT_TRUE(gw->GetOverview(Ctx().get(), o, &ov).ok());
  EXPECT_TRUE(all_ok(ov.parts())) << ov.DebugString();
  EXPECT_EQ(ov.intensity().total(), 52);
  EXPECT_EQ(ov.intensity().granularity(), dyad::events::v1::GRANULARITY_MONTH);  // 2018..2020
  ASSERT_EQ(ov.events_by_domain_size(), 1);
  EXPECT_EQ(ov.events_by_domain(0).key(), "cameo");
  EXPECT_EQ(ov.events_by_domain(0).count(), 52);
  EXPECT_EQ(ov.headline_figures_size(), 4);  // exports and imports, both directions
  // Every origin: the curated railway events too, counted beside them.
  o.clear_origin();
  ASSERT_TRUE(gw->GetOverview(Ctx().get(), o, &ov).ok());
  EXPECT_TRUE(all_ok(ov.parts()));
  EXPECT_GT(ov.intensity().total(), 52);
  int counted = 0;
  for (const auto& c : ov.events_by_domain()) counted += c.count();
  EXPECT_EQ(counted, ov.intensity().total());

  GetYearInReviewRequest y;
  y.add_countries("GEO");
  y.add_countries("TUR");
  y.set_year(2020);
  y.set_origin(kCoded);
  GetYearInReviewResponse yr;
  ASSERT_TRUE(gw->GetYearInReview(Ctx().get(), y, &yr).ok());
  EXPECT_TRUE(all_ok(yr.parts()));
  EXPECT_EQ(yr.machine_coded_events_total(), 30);
  EXPECT_EQ(yr.events_size(), 20);
  EXPECT_EQ(yr.intensity().total(), 30);
  EXPECT_EQ(yr.intensity().buckets_size(), 12);
  // Exports and imports both ways, and the economy plugin's trade balance
  // derived from them for each direction.
  std::set<std::string> indicators;
  for (const auto& v : yr.indicators()) indicators.insert(v.indicator().id());
  EXPECT_EQ(indicators, (std::set<std::string>{"trade.balance", "trade.exports", "trade.imports"}));
  EXPECT_EQ(yr.indicators_size(), 6);

  ExplainChangeRequest x;
  x.set_indicator("trade.exports");
  x.add_countries("GEO");
  x.add_countries("TUR");
  x.set_year(2020);
  x.set_origin(kCoded);
  ExplainChangeResponse xr;
  ASSERT_TRUE(gw->ExplainChange(Ctx().get(), x, &xr).ok());
  EXPECT_TRUE(all_ok(xr.parts()));
  EXPECT_NEAR(xr.change_percent(), 11.11, 0.01);
  ASSERT_GE(xr.factors_size(), 2);
  ASSERT_TRUE(xr.factors(0).has_activity()) << xr.factors(0).DebugString();
  EXPECT_EQ(xr.factors(0).activity().count(), 30);
  EXPECT_DOUBLE_EQ(xr.factors(0).activity().baseline_mean(), 11);
  EXPECT_EQ(xr.factors(0).citations(0).source_id(), "gdelt-2.0");
  std::cout << "spike: " << xr.factors(0).reason() << "\n";

  ListDiscrepanciesRequest d;
  d.add_countries("GEO");
  d.add_countries("TUR");
  ListDiscrepanciesResponse dr;
  ASSERT_TRUE(gw->ListDiscrepancies(Ctx().get(), d, &dr).ok());
  EXPECT_TRUE(all_ok(dr.parts()));
  std::map<std::string, bool> mirrors;
  for (const auto& disc : dr.discrepancies()) {
    if (disc.kind() == Discrepancy::KIND_MIRROR) {
      mirrors[disc.subject()] = disc.mirror().within_usual_margin();
    }
  }
  EXPECT_EQ(mirrors, (std::map<std::string, bool>{{"trade GEO→TUR 2020", true},
                                                  {"trade TUR→GEO 2020", false}}));

  GetTimelineRequest t;
  t.add_countries("GEO");
  t.add_countries("TUR");
  t.set_page_size(500);
  t.set_origin(kCoded);
  GetTimelineResponse tr;
  ASSERT_TRUE(gw->GetTimeline(Ctx().get(), t, &tr).ok());
  EXPECT_TRUE(all_ok(tr.parts()));
  EXPECT_EQ(tr.entries_size(), 52 + 5);

  SearchRequest q;
  q.set_query("visit");
  q.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  SearchResponse hits;
  ASSERT_TRUE(gw->Search(Ctx().get(), q, &hits).ok());
  ASSERT_GT(hits.hits_size(), 0);
  for (const auto& h : hits.hits()) {
    EXPECT_EQ(h.origin(), dyad::type::v1::ORIGIN_MACHINE_CODED) << h.name();
  }
  EXPECT_EQ(g.process.Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
  (void)events.process.Stop(SIGTERM, absl::Seconds(20));
  (void)economics.process.Stop(SIGTERM, absl::Seconds(20));
}

}  // namespace
}  // namespace dyad

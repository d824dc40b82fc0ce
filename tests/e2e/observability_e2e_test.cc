// Operators' view of the real binaries (issue 15): Prometheus /metrics,
// JSON logs whose trace id ties a gateway answer to its backend calls, and
// credentials through the gateway (backends requiring a read token, the
// gateway requiring one from its callers).
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using dyad::testing::HttpGet;
using dyad::testing::MetricValue;
using dyad::testing::StartServer;
using namespace dyad::gateway::v1;  // NOLINT

constexpr char kBackendToken[] = "backend-read-token-7f3a";
constexpr char kCallerToken[] = "gateway-caller-token-91c2";
constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpan[] = "00f067aa0ba902b7";

const std::map<std::string, std::string>& BackendServices() {
  static const auto* m = new std::map<std::string, std::string>{
      {"events", "dyad.events.v1.EventService"},
      {"economics", "dyad.economics.v1.EconomicsService"},
      {"institutions", "dyad.institutions.v1.InstitutionService"}};
  return *m;
}

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

// The port of the "metrics address=host:port" line (either log format).
int MetricsPort(const std::string& log) {
  std::smatch m;
  static const std::regex text("metrics address=[^ ]*:([0-9]+) ");
  static const std::regex json("\"msg\":\"metrics\",\"address\":\"[^\"]*:([0-9]+)\"");
  if (std::regex_search(log, m, json) || std::regex_search(log, m, text)) {
    return std::stoi(m[1]);
  }
  return 0;
}

// Every line of a JSON log as an object; a line that is not one fails.
std::vector<google::protobuf::Struct> JsonLines(const std::string& log) {
  std::vector<google::protobuf::Struct> out;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    google::protobuf::Struct s;
    auto status = google::protobuf::util::JsonStringToMessage(std::string(line), &s);
    EXPECT_TRUE(status.ok()) << "not one JSON object: " << line;
    if (status.ok()) out.push_back(std::move(s));
  }
  return out;
}

std::string Str(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return "";
  return it->second.kind_case() == google::protobuf::Value::kStringValue
             ? it->second.string_value()
             : "<not a string>";
}

// The access log lines ("msg":"call") of a process.
std::vector<google::protobuf::Struct> Calls(const std::string& log) {
  std::vector<google::protobuf::Struct> out;
  for (auto& s : JsonLines(log)) {
    if (Str(s, "msg") == "call") out.push_back(std::move(s));
  }
  return out;
}

class ObservabilityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dyad-observability-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    backend_token_file_ = dir_ + "/backend.token";
    caller_token_file_ = dir_ + "/caller.token";
    std::ofstream(backend_token_file_) << kBackendToken << "\n";
    std::ofstream(caller_token_file_) << kCallerToken << "\n";
    for (const auto& [name, service] : BackendServices()) {
      auto s = StartServer({BuildPath("bin/dyad-" + name), "--db=:memory:",
                            "--plugins=" + BuildPath("plugins"),
                            "--read_token_file=" + backend_token_file_, "--log_format=json",
                            "--metrics_port=-1"});
      ASSERT_OK(s);
      Proc p{std::make_unique<ChildProcess>(std::move(s->process)), s->port, 0};
      p.metrics_port = MetricsPort(p.process->Output());
      ASSERT_GT(p.metrics_port, 0) << p.process->Output();
      backends_[name] = std::move(p);
    }
  }
  void TearDown() override {
    for (auto* p : {&gateway_, &bare_gateway_}) {
      if (p->process) (void)p->process->Stop(SIGTERM, absl::Seconds(20));
    }
    for (auto& [name, p] : backends_) (void)p.process->Stop(SIGTERM, absl::Seconds(20));
    for (const auto& f : {backend_token_file_, caller_token_file_}) unlink(f.c_str());
    rmdir(dir_.c_str());
  }

  struct Proc {
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    int metrics_port = 0;
  };

  // The gateway with `extra` flags, JSON logs and metrics.
  void StartGateway(Proc* out, std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        BuildPath("bin/dyad-gateway"), "--events=" + Addr(backends_["events"].port),
        "--economics=" + Addr(backends_["economics"].port),
        "--institutions=" + Addr(backends_["institutions"].port), "--backend_timeout=5s",
        "--log_format=json", "--metrics_port=-1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto s = StartServer(argv);
    ASSERT_OK(s);
    out->process = std::make_unique<ChildProcess>(std::move(s->process));
    out->port = s->port;
    out->metrics_port = MetricsPort(out->process->Output());
    ASSERT_GT(out->metrics_port, 0) << out->process->Output();
  }
  // The gateway as deployed behind backends that require a read token: it
  // presents the backend token and requires its own callers' token.
  void StartFullGateway() {
    StartGateway(&gateway_, {"--backend_token_file=" + backend_token_file_,
                             "--read_token_file=" + caller_token_file_});
  }

  static std::unique_ptr<RelationsGateway::Stub> Stub(int port) {
    return RelationsGateway::NewStub(
        grpc::CreateChannel(Addr(port), grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = kCallerToken) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }
  static GetYearInReviewRequest Year(int year) {
    GetYearInReviewRequest req;
    req.add_countries("AZE");
    req.add_countries("CHN");
    req.set_year(year);
    return req;
  }
  static std::map<std::string, std::string> PartCodes(
      const google::protobuf::RepeatedPtrField<Part>& parts) {
    std::map<std::string, std::string> m;
    for (const auto& p : parts) m[p.part()] = p.code();
    return m;
  }
  static std::string Scrape(const Proc& p) {
    auto body = HttpGet(p.metrics_port, "/metrics");
    EXPECT_OK(body);
    return body.ok() ? *body : "";
  }

  std::string dir_, backend_token_file_, caller_token_file_;
  std::map<std::string, Proc> backends_;
  Proc gateway_, bare_gateway_;
};

const std::map<std::string, std::string> kAllOk = {
    {"events", "OK"}, {"economics", "OK"}, {"institutions", "OK"}};

TEST_F(ObservabilityE2eTest, MetricsCountCallsOnTheGatewayAndItsBackends) {
  StartFullGateway();
  auto stub = Stub(gateway_.port);
  for (int i = 0; i < 3; ++i) {
    GetYearInReviewResponse resp;
    grpc::Status s = stub->GetYearInReview(Ctx().get(), Year(2019), &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(PartCodes(resp.parts()), kAllOk);
  }
  GetYearInReviewResponse resp;
  EXPECT_EQ(stub->GetYearInReview(Ctx().get(), Year(0), &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(stub->GetYearInReview(Ctx("").get(), Year(2019), &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  const std::string gw = Scrape(gateway_);
  auto handled = [](const std::string& service, const std::string& method,
                    const std::string& code) {
    return absl::StrCat("grpc_server_handled_total{grpc_code=\"", code, "\",grpc_method=\"",
                        method, "\",grpc_service=\"", service, "\",grpc_type=\"unary\"}");
  };
  const std::string gws = "dyad.gateway.v1.RelationsGateway";
  EXPECT_EQ(MetricValue(gw, handled(gws, "GetYearInReview", "OK")), 3) << gw;
  EXPECT_EQ(MetricValue(gw, handled(gws, "GetYearInReview", "INVALID_ARGUMENT")), 1);
  EXPECT_EQ(MetricValue(gw, handled(gws, "GetYearInReview", "UNAUTHENTICATED")), 1);
  EXPECT_EQ(MetricValue(gw, "grpc_server_started_total{grpc_method=\"GetYearInReview\","
                            "grpc_service=\"dyad.gateway.v1.RelationsGateway\","
                            "grpc_type=\"unary\"}"),
            5);
  EXPECT_EQ(MetricValue(gw, "grpc_server_handling_seconds_count{grpc_method=\"GetYearInReview\","
                            "grpc_service=\"dyad.gateway.v1.RelationsGateway\","
                            "grpc_type=\"unary\"}"),
            5);
  EXPECT_EQ(MetricValue(gw, "dyad_gateway_partial_answers_total{method=\"GetYearInReview\"}"),
            -1);  // never partial: no series at all

  // Every backend call the gateway counted is a call its backend counted.
  static const std::regex backend_call(
      "dyad_gateway_backend_calls_total\\{backend=\"(\\w+)\",code=\"(\\w+)\",method=\"(\\w+)\"\\} "
      "([0-9.e+]+)");
  std::map<std::string, std::string> scraped;
  for (const auto& [name, p] : backends_) scraped[name] = Scrape(p);
  int series = 0;
  std::set<std::string> backends_called;
  for (std::sregex_iterator it(gw.begin(), gw.end(), backend_call), end; it != end; ++it) {
    const std::string backend = (*it)[1], code = (*it)[2], method = (*it)[3];
    const double n = std::stod((*it)[4]);
    // The gateway's release watch polls ListReleases on its own clock (not
    // per answer), so its count may move between the two scrapes.
    if (method == "ListReleases") continue;
    ++series;
    backends_called.insert(backend);
    EXPECT_EQ(code, "OK") << backend << " " << method;
    EXPECT_GE(n, 3) << backend << " " << method;  // at least once per whole answer
    EXPECT_EQ(MetricValue(scraped[backend], handled(BackendServices().at(backend), method, code)),
              n)
        << backend << " " << method;
    EXPECT_EQ(MetricValue(gw, absl::StrCat("dyad_gateway_backend_call_seconds_count{backend=\"",
                                           backend, "\",method=\"", method, "\"}")),
              n);
  }
  EXPECT_GE(series, 3);
  EXPECT_EQ(backends_called, (std::set<std::string>{"economics", "events", "institutions"}));

  // The backends: plugins and their records, and the result cache (the
  // second and third identical answers read ListEvents from it).
  EXPECT_GT(MetricValue(scraped["events"], "dyad_plugins_loaded"), 0);
  static const std::regex records("dyad_plugin_records\\{kind=\"events\",plugin=\"[a-z_]+\","
                                  "version=\"[^\"]+\"\\} ([0-9.e+]+)");
  double event_records = 0;
  for (std::sregex_iterator it(scraped["events"].begin(), scraped["events"].end(), records), end;
       it != end; ++it) {
    event_records += std::stod((*it)[1]);
  }
  EXPECT_GT(event_records, 10);
  EXPECT_GE(MetricValue(scraped["events"], "dyad_result_cache_requests_total{result=\"hit\"}"), 2);
  EXPECT_GE(MetricValue(scraped["events"], "dyad_result_cache_requests_total{result=\"miss\"}"),
            1);
  EXPECT_EQ(MetricValue(scraped["events"], "dyad_store_errors_total"), 0);
  EXPECT_EQ(MetricValue(scraped["events"], "dyad_store_healthy"), 1);
}

TEST_F(ObservabilityE2eTest, JsonLogsShareOneTraceIdAcrossGatewayAndBackends) {
  StartFullGateway();
  auto stub = Stub(gateway_.port);
  {
    auto ctx = Ctx();
    ctx->AddMetadata("traceparent", absl::StrCat("00-", kTraceId, "-", kCallerSpan, "-01"));
    GetYearInReviewResponse resp;
    grpc::Status s = stub->GetYearInReview(ctx.get(), Year(2019), &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(PartCodes(resp.parts()), kAllOk);
  }
  // No traceparent: the gateway starts the trace.
  {
    ListSourcesResponse resp;
    grpc::Status s = stub->ListSources(Ctx().get(), ListSourcesRequest(), &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(PartCodes(resp.parts()), kAllOk);
  }

  // The gateway's access log: one JSON object per line with the fields.
  const auto gw_calls = Calls(gateway_.process->Output());
  const google::protobuf::Struct* yir = nullptr;
  const google::protobuf::Struct* sources = nullptr;
  for (const auto& c : gw_calls) {
    if (Str(c, "method") == "/dyad.gateway.v1.RelationsGateway/GetYearInReview") yir = &c;
    if (Str(c, "method") == "/dyad.gateway.v1.RelationsGateway/ListSources") sources = &c;
  }
  ASSERT_NE(yir, nullptr) << gateway_.process->Output();
  ASSERT_NE(sources, nullptr);
  EXPECT_EQ(Str(*yir, "service"), "dyad-gateway");
  EXPECT_EQ(Str(*yir, "level"), "info");
  EXPECT_FALSE(Str(*yir, "time").empty());
  EXPECT_EQ(Str(*yir, "code"), "OK");
  EXPECT_TRUE(absl::StartsWith(Str(*yir, "peer"), "ipv4:127.0.0.1:")) << Str(*yir, "peer");
  ASSERT_TRUE(yir->fields().count("duration"));
  EXPECT_EQ(yir->fields().at("duration").kind_case(), google::protobuf::Value::kNumberValue);
  EXPECT_EQ(Str(*yir, "trace_id"), kTraceId);
  EXPECT_EQ(Str(*yir, "parent_span_id"), kCallerSpan);
  const std::string gateway_span = Str(*yir, "span_id");
  EXPECT_EQ(gateway_span.size(), 16u);
  const std::string started = Str(*sources, "trace_id");
  EXPECT_EQ(started.size(), 32u);
  EXPECT_NE(started, kTraceId);
  EXPECT_EQ(Str(*sources, "parent_span_id"), "");

  // Each backend logged the calls made for each answer under its trace id,
  // each call with a span of its own whose parent is a gateway span.
  std::set<std::string> parent_spans;
  for (const auto& [name, p] : backends_) {
    const std::string prefix = "/" + BackendServices().at(name) + "/";
    int traced = 0, sourced = 0;
    for (const auto& c : Calls(p.process->Output())) {
      EXPECT_EQ(Str(c, "service"), "dyad-" + name);
      EXPECT_TRUE(absl::StartsWith(Str(c, "method"), prefix)) << Str(c, "method");
      if (Str(c, "trace_id") == kTraceId) {
        ++traced;
        EXPECT_EQ(Str(c, "code"), "OK");
        const std::string parent = Str(c, "parent_span_id");
        EXPECT_EQ(parent.size(), 16u);
        EXPECT_NE(parent, kCallerSpan);  // the gateway's child span, not the caller's
        EXPECT_NE(parent, gateway_span);
        EXPECT_TRUE(parent_spans.insert(parent).second) << "span reused: " << parent;
      }
      if (Str(c, "trace_id") == started) {
        ++sourced;
        EXPECT_EQ(Str(c, "method"), prefix + "ListSources");
      }
    }
    EXPECT_GE(traced, 1) << name << ":\n" << p.process->Output();
    EXPECT_EQ(sourced, 1) << name;
  }
}

TEST_F(ObservabilityE2eTest, CredentialsThroughTheGateway) {
  StartFullGateway();
  StartGateway(&bare_gateway_, {});  // no backend token, open to callers

  // Behind backends that require a read token, a gateway without it gets
  // an answer whose every part says the backend refused its credentials.
  {
    GetYearInReviewResponse resp;
    grpc::Status s = Stub(bare_gateway_.port)->GetYearInReview(Ctx("").get(), Year(2019), &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.parts_size(), 3);
    for (const auto& p : resp.parts()) {
      EXPECT_EQ(p.code(), "UNAUTHENTICATED") << p.part();
      EXPECT_EQ(p.message(), p.part() + " backend refused the gateway's credentials");
    }
    EXPECT_EQ(resp.events_size(), 0);
    const std::string m = Scrape(bare_gateway_);
    EXPECT_EQ(MetricValue(m, "dyad_gateway_partial_answers_total{method=\"GetYearInReview\"}"), 1);
    for (const char* part : {"events", "economics", "institutions"}) {
      EXPECT_EQ(MetricValue(m, absl::StrCat("dyad_gateway_part_errors_total{code=\""
                                            "UNAUTHENTICATED\",method=\"GetYearInReview\",part=\"",
                                            part, "\"}")),
                1)
          << part;
    }
    // The warning names the backend's code, with the call's trace id.
    int warned = 0;
    for (const auto& l : JsonLines(bare_gateway_.process->Output())) {
      if (Str(l, "msg") == "partial answer" && Str(l, "code") == "UNAUTHENTICATED") {
        ++warned;
        EXPECT_EQ(Str(l, "level"), "warning");
        EXPECT_EQ(Str(l, "trace_id").size(), 32u);
      }
    }
    EXPECT_EQ(warned, 3);
    // The backend token never reaches a log.
    for (const auto& [name, p] : backends_) {
      EXPECT_FALSE(absl::StrContains(p.process->Output(), kBackendToken)) << name;
    }
  }

  // With the token, whole answers; the gateway itself wants its callers' token.
  auto stub = Stub(gateway_.port);
  GetYearInReviewResponse resp;
  grpc::Status s = stub->GetYearInReview(Ctx("").get(), Year(2019), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("missing token"));
  s = stub->GetYearInReview(Ctx("wrong-token").get(), Year(2019), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The backends' token is not the gateway's.
  s = stub->GetYearInReview(Ctx(kBackendToken).get(), Year(2019), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub->GetYearInReview(Ctx().get(), Year(2019), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(PartCodes(resp.parts()), kAllOk);
  EXPECT_GT(resp.events_size(), 0);
  for (const auto* p : {&gateway_, &bare_gateway_}) {
    const std::string out = p->process->Output();
    EXPECT_FALSE(absl::StrContains(out, kBackendToken));
    EXPECT_FALSE(absl::StrContains(out, kCallerToken));
  }
}

}  // namespace
}  // namespace dyad

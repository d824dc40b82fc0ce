// The metrics registry, the /metrics endpoint, and the server's interceptor
// counting calls under grpc-ecosystem's names.
#include "common/metrics.h"

#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::HttpGet;
using dyad::testing::MetricValue;
using ::testing::HasSubstr;

constexpr char kCheckOk[] =
    "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Check\","
    "grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"}";
constexpr char kCheckNotFound[] =
    "grpc_server_handled_total{grpc_code=\"NOT_FOUND\",grpc_method=\"Check\","
    "grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"}";
constexpr char kCheckStarted[] =
    "grpc_server_started_total{grpc_method=\"Check\",grpc_service=\"grpc.health.v1.Health\","
    "grpc_type=\"unary\"}";
constexpr char kCheckSecondsCount[] =
    "grpc_server_handling_seconds_count{grpc_method=\"Check\","
    "grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"}";

double Value(const std::string& series) {
  return MetricValue(metrics::RenderMetrics(), series);
}

TEST(MetricsTest, ServerCountsCallsPerMethodAndCodeAndServesThem) {
  ServerRunner runner;
  ServerConfig config;
  config.host = "127.0.0.1";
  config.metrics_port = -1;  // any free port
  ASSERT_OK(runner.Start(config, {}, {"dyad.test.v1.Test"}));
  ASSERT_GT(runner.metrics_port(), 0);
  const double ok_before = std::max(0.0, Value(kCheckOk));
  const double nf_before = std::max(0.0, Value(kCheckNotFound));
  const double started_before = std::max(0.0, Value(kCheckStarted));

  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(runner.port()), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    req.set_service("dyad.test.v1.Test");
    ASSERT_TRUE(stub->Check(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    req.set_service("no.such.Service");
    EXPECT_EQ(stub->Check(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  }

  auto body = HttpGet(runner.metrics_port(), "/metrics");
  ASSERT_OK(body);
  EXPECT_EQ(MetricValue(*body, kCheckOk), ok_before + 3) << *body;
  EXPECT_EQ(MetricValue(*body, kCheckNotFound), nf_before + 1);
  EXPECT_EQ(MetricValue(*body, kCheckStarted), started_before + 4);
  EXPECT_GE(MetricValue(*body, kCheckSecondsCount), 4);
  EXPECT_THAT(*body, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
  EXPECT_THAT(*body, HasSubstr("grpc_server_handling_seconds_bucket{grpc_method=\"Check\","
                               "grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\","
                               "le=\"0.0005\"}"));
  runner.Shutdown();
}

TEST(MetricsTest, UnknownMethodsShareOneLabelSet) {
  auto* a = metrics::ServerMethod::For("/evil.Service/Method1", "unary");
  auto* b = metrics::ServerMethod::For("/evil.Service/Method2", "unary");
  EXPECT_EQ(a->service(), "unknown");
  EXPECT_EQ(a->method(), "unknown");
  a->Handled(grpc::StatusCode::UNIMPLEMENTED, 0.001);
  b->Handled(grpc::StatusCode::UNIMPLEMENTED, 0.001);
  const std::string body = metrics::RenderMetrics();
  EXPECT_THAT(body, ::testing::Not(HasSubstr("evil")));
  EXPECT_GE(MetricValue(body, "grpc_server_handled_total{grpc_code=\"UNIMPLEMENTED\","
                              "grpc_method=\"unknown\",grpc_service=\"unknown\","
                              "grpc_type=\"unary\"}"),
            2);
  auto* known = metrics::ServerMethod::For("/grpc.health.v1.Health/Watch", "server_stream");
  EXPECT_EQ(known->service(), "grpc.health.v1.Health");
  EXPECT_EQ(known->method(), "Watch");
}

// Counted from before to after: other tests of this binary may count too
// when they share its process.
TEST(MetricsTest, DyadCountersAreNamedAndLabelled) {
  const std::string before = metrics::RenderMetrics();
  auto delta = [&before](const std::string& body, const std::string& series) {
    return MetricValue(body, series) - std::max(0.0, MetricValue(before, series));
  };
  metrics::BackendCall("events", "ListEvents", grpc::StatusCode::UNAVAILABLE, 0.002);
  metrics::PartialAnswer("GetOverview");
  metrics::PartError("GetOverview", "events", grpc::StatusCode::UNAVAILABLE);
  metrics::AnswerCacheLookup(true);
  metrics::ResultCacheLookup(false);
  metrics::SetPluginRecords("diplomacy", "1.0.0", "events", 42);
  metrics::StoreError();
  const std::string body = metrics::RenderMetrics();
  EXPECT_EQ(delta(body, "dyad_gateway_backend_calls_total{backend=\"events\","
                              "code=\"UNAVAILABLE\",method=\"ListEvents\"}"),
            1);
  EXPECT_EQ(delta(body, "dyad_gateway_backend_call_seconds_count{backend=\"events\","
                              "method=\"ListEvents\"}"),
            1);
  EXPECT_EQ(delta(body, "dyad_gateway_partial_answers_total{method=\"GetOverview\"}"), 1);
  EXPECT_EQ(delta(body, "dyad_gateway_part_errors_total{code=\"UNAVAILABLE\","
                              "method=\"GetOverview\",part=\"events\"}"),
            1);
  EXPECT_EQ(delta(body, "dyad_gateway_answer_cache_requests_total{result=\"hit\"}"), 1);
  EXPECT_EQ(delta(body, "dyad_result_cache_requests_total{result=\"miss\"}"), 1);
  EXPECT_EQ(delta(body, "dyad_plugin_records{kind=\"events\",plugin=\"diplomacy\","
                              "version=\"1.0.0\"}"),
            42);
  EXPECT_EQ(delta(body, "dyad_store_errors_total"), 1);
}

TEST(MetricsTest, ExposerRefusesABusyPort) {
  auto first = metrics::Exposer::Start("127.0.0.1", 0);
  ASSERT_OK(first);
  auto second = metrics::Exposer::Start("127.0.0.1", (*first)->port());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace dyad

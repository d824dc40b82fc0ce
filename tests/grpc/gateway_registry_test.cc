// An answer added the way answers.h says, without touching the gateway:
// a toy module (its request and response, Start() with one Gather) served
// by AnswerServer over the fake backends, with the serving the real
// answers get: parts, partial answers, the answer cache, cancellation of
// hung reads at the deadline.
#include <memory>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/server.h"
#include "gateway_service.h"
#include "testing/fake_backends.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

using dyad::testing::FakeBackends;
using dyad::testing::FakeControl;
namespace gw = dyad::gateway::v1;
using Catalog = std::vector<dyad::type::v1::Source>;

// The toy answer: the sources of the events and institutions backends, each
// named "<part>:<id>". It borrows ListSources' messages, so it needs no proto.
struct ToyAnswer {
  using Request = gw::ListSourcesRequest;
  using Response = gw::ListSourcesResponse;
  static constexpr const char* kMethod = "Toy";
  static absl::Status Start(const Request&, Response* resp, AnswerCall* call) {
    const auto& group = call->group();
    Backends* b = call->backends();
    Gather(Read(ListEventSources, group, b), Read(ListInstitutionSources, group, b))
        .Then([call, resp](Fetched<Catalog> events, Fetched<Catalog> institutions) {
          for (const auto& s : events.value) resp->add_sources()->set_id("events:" + s.id());
          for (const auto& s : institutions.value) {
            resp->add_sources()->set_id("institutions:" + s.id());
          }
          AddParts(*call, kMethod, events.status, grpc::Status::OK, institutions.status,
                   resp->mutable_parts());
          call->FinishAnswer(*resp);
        });
    return absl::OkStatus();
  }
};

// A service whose ListSources is the toy answer.
class ToyGateway final
    : public gw::RelationsGateway::WithRawCallbackMethod_ListSources<
          gw::RelationsGateway::CallbackService> {
 public:
  ToyGateway(Backends* b, absl::Duration timeout, AnswerCache* cache)
      : server_(b, timeout, cache, nullptr) {}
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* in,
                                        grpc::ByteBuffer* out) override {
    return server_.Serve<ToyAnswer>(ctx, in, out);
  }

 private:
  AnswerServer server_;
};

class GatewayRegistryTest : public ::testing::Test {
 protected:
  void Start(absl::Duration timeout, AnswerCache* cache = nullptr) {
    auto b = Backends::Connect({fakes_.events_server->target(), fakes_.economics_server->target(),
                                fakes_.institutions_server->target()},
                               grpc::InsecureChannelCredentials());
    ASSERT_OK(b);
    backends_ = std::move(*b);
    service_ = std::make_unique<ToyGateway>(backends_.get(), timeout, cache);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.gateway.v1.RelationsGateway"}));
    stub_ = gw::RelationsGateway::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { runner_.Shutdown(); }
  grpc::Status Call(gw::ListSourcesResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return stub_->ListSources(&ctx, gw::ListSourcesRequest(), resp);
  }
  static std::map<std::string, std::string> Codes(const gw::ListSourcesResponse& r) {
    std::map<std::string, std::string> m;
    for (const auto& p : r.parts()) m[p.part()] = p.code();
    return m;
  }

  FakeBackends fakes_;
  std::unique_ptr<Backends> backends_;
  std::unique_ptr<ToyGateway> service_;
  ServerRunner runner_;
  std::unique_ptr<gw::RelationsGateway::Stub> stub_;
};

TEST_F(GatewayRegistryTest, AToyAnswerIsComposedFromItsReads) {
  Start(absl::Seconds(5));
  gw::ListSourcesResponse resp;
  ASSERT_TRUE(Call(&resp).ok());
  EXPECT_EQ(resp.sources_size(),
            static_cast<int>(fakes_.events.sources.size() + fakes_.institutions.sources.size()));
  ASSERT_GT(resp.sources_size(), 0);
  EXPECT_EQ(resp.sources(0).id().rfind("events:", 0), 0u);
  EXPECT_EQ(Codes(resp), (std::map<std::string, std::string>{
                             {"events", "OK"}, {"economics", "OK"}, {"institutions", "OK"}}));
  EXPECT_EQ(fakes_.economics.control.total_calls(), 0);
}

TEST_F(GatewayRegistryTest, AFailedBackendMakesAPartialToyAnswer) {
  Start(absl::Seconds(5));
  fakes_.institutions.control.set_mode(FakeControl::Mode::kUnavailable);
  gw::ListSourcesResponse resp;
  ASSERT_TRUE(Call(&resp).ok());
  EXPECT_EQ(Codes(resp)["institutions"], "UNAVAILABLE");
  EXPECT_EQ(resp.sources_size(), static_cast<int>(fakes_.events.sources.size()));
}

TEST_F(GatewayRegistryTest, AHungBackendEndsAtTheDeadlineAndTheAnswerStillComes) {
  Start(absl::Milliseconds(300));
  fakes_.events.control.set_mode(FakeControl::Mode::kHang);
  gw::ListSourcesResponse resp;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(Call(&resp).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(Codes(resp)["events"], "DEADLINE_EXCEEDED");
  EXPECT_EQ(Codes(resp)["institutions"], "OK");
}

TEST_F(GatewayRegistryTest, AToyAnswerIsCachedLikeTheOthers) {
  AnswerCache cache(absl::Seconds(60), 1 << 20);
  Start(absl::Seconds(5), &cache);
  gw::ListSourcesResponse first, again;
  ASSERT_TRUE(Call(&first).ok());
  const int calls = fakes_.events.control.total_calls();
  ASSERT_TRUE(Call(&again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(fakes_.events.control.total_calls(), calls);
}

}  // namespace
}  // namespace dyad::gateway

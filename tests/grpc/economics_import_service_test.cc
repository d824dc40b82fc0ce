// ImportObservations (client streaming) over a real server on a free
// loopback port: the write token, the summary, a second import unchanged.
#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "economics_service.h"
#include "testing/status_matchers.h"
#include "testing/trade_fixture.h"

namespace dyad::economics {
namespace {

using namespace dyad::economics::v1;  // NOLINT
using dyad::testing::Comtrade;

class EconomicsImportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(plugins_, dyad::testing::TradePlugins());
    auto store = OpenSqliteObservationStore(":memory:");
    ASSERT_OK(store);
    core_ = std::make_unique<EconomicsCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("test-token");
    service_ = std::make_unique<EconomicsServiceImpl>(core_.get(), &auth_);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.economics.v1.EconomicsService"}));
    stub_ = EconomicsService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { runner_.Shutdown(); }

  grpc::Status Stream(const std::string& token, ImportObservationsResponse* summary) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    auto writer = stub_->ImportObservations(&ctx, summary);
    for (int m = 0; m < 2; ++m) {
      ImportObservationsRequest req;
      for (int year = 2000; year < 2010; ++year) {
        *req.add_observations() = Comtrade(absl::StrCat(m, "|", year), year, 1e6 * year,
                                           m == 0 ? "" : "HS:27");
      }
      if (!writer->Write(req)) break;
    }
    ImportObservationsRequest bad;
    *bad.add_observations() = Comtrade("bad", 0, 1);  // no period
    writer->Write(bad);
    writer->WritesDone();
    return writer->Finish();
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EconomicsCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<EconomicsServiceImpl> service_;
  ServerRunner runner_;
  std::unique_ptr<EconomicsService::Stub> stub_;
};

TEST_F(EconomicsImportServiceTest, TokenSummaryAndSecondImportUnchanged) {
  ImportObservationsResponse denied;
  EXPECT_EQ(Stream("", &denied).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  ImportObservationsResponse first;
  grpc::Status s = Stream("test-token", &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.received(), 21);
  EXPECT_EQ(first.created(), 20);
  EXPECT_EQ(first.rejected(), 1);
  ASSERT_EQ(first.rejections_size(), 1);
  EXPECT_EQ(first.rejections(0).index(), 20);
  EXPECT_EQ(first.rejections(0).row().upstream_id(), "bad");
  EXPECT_THAT(first.rejections(0).reason(), ::testing::HasSubstr("period"));

  ImportObservationsResponse second;
  s = Stream("test-token", &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(second.unchanged(), 20);
  EXPECT_EQ(second.created() + second.updated(), 0);

  ListObservationsRequest l;
  l.add_countries("GEO");
  l.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  l.set_commodity("HS:27");
  ListObservationsResponse listed;
  grpc::ClientContext ctx;
  s = stub_->ListObservations(&ctx, l, &listed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(listed.total_size(), 10);
}

}  // namespace
}  // namespace dyad::economics

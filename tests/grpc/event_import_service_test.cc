// ImportEvents (client streaming) and CountEvents over a real server on a
// free loopback port: the write token, the summary, a second import all
// unchanged, a bad message ending the stream, the store flushed before
// every answer, and counts at the edge.
#include <atomic>

#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "event_service.h"
#include "testing/cameo_fixture.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using namespace dyad::events::v1;  // NOLINT
using dyad::testing::GdeltEvent;

// The SQLite store, counting Flush() calls and failing them on request.
class FlushCountingStore final : public EventStore {
 public:
  explicit FlushCountingStore(std::unique_ptr<EventStore> real) : real_(std::move(real)) {}
  std::atomic<int> flushes{0};
  std::atomic<bool> fail_flush{false};
  // Import calls so far, the records of the largest, and the call (1-based)
  // that fails, 0 for none.
  std::atomic<int> imports{0};
  std::atomic<size_t> largest_import{0};
  std::atomic<int> fail_import_call{0};

  absl::Status Flush() override {
    ++flushes;
    if (fail_flush) return absl::UnavailableError("disk said no");
    return real_->Flush();
  }
  absl::StatusOr<Event> Get(const std::string& n) override { return real_->Get(n); }
  absl::StatusOr<std::string> GetSerialized(const std::string& n) override {
    return real_->GetSerialized(n);
  }
  absl::StatusOr<EventPage> List(const EventQuery& q) override { return real_->List(q); }
  absl::Status Insert(const Event& e) override { return real_->Insert(e); }
  absl::Status InsertBatch(const std::vector<Event>& e) override { return real_->InsertBatch(e); }
  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& p, const std::string& v,
                                         const std::string& f,
                                         const std::vector<Event>& e) override {
    return real_->SyncPlugin(p, v, f, e);
  }
  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    return real_->RemovePluginsExcept(keep);
  }
  absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedEvent>& events) override {
    const int call = ++imports;
    if (events.size() > largest_import) largest_import = events.size();
    if (call == fail_import_call) return absl::UnavailableError("disk is full");
    return real_->Import(events);
  }
  absl::StatusOr<std::vector<CountRow>> Count(const CountQuery& q) override {
    return real_->Count(q);
  }

 private:
  std::unique_ptr<EventStore> real_;
};

class EventImportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(plugins_, dyad::testing::CameoFixturePlugins());
    auto real = OpenSqliteEventStore(":memory:");
    ASSERT_OK(real);
    auto store = std::make_unique<FlushCountingStore>(std::move(*real));
    store_ = store.get();
    core_ = std::make_unique<EventCore>(std::move(store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("test-token");
    service_ = std::make_unique<EventServiceImpl>(core_.get(), &auth_);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.events.v1.EventService"}));
    stub_ = EventService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { runner_.Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  // Streams `messages` batches of `per_message` GDELT rows (ids from 1),
  // plus one record with an unknown CAMEO code at the end.
  grpc::Status Stream(const std::string& token, int messages, int per_message,
                      ImportEventsResponse* summary) {
    auto ctx = Ctx(token);
    auto writer = stub_->ImportEvents(ctx.get(), summary);
    int64_t id = 1;
    for (int m = 0; m < messages; ++m) {
      ImportEventsRequest req;
      for (int i = 0; i < per_message; ++i, ++id) {
        *req.add_events() = GdeltEvent(std::to_string(id), id % 2 ? "AZE" : "GEO",
                                       id % 2 ? "GEO" : "AZE", id % 3 ? "042" : "19", 2020,
                                       static_cast<int>(id % 12) + 1, 1, 1.0, -1.0);
      }
      if (m == messages - 1) {
        *req.add_events() = GdeltEvent(std::to_string(id), "AZE", "GEO", "0999", 2020, 1, 1, 0, 0);
      }
      if (!writer->Write(req)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  std::unique_ptr<PluginSet> plugins_;
  FlushCountingStore* store_ = nullptr;  // owned by core_
  std::unique_ptr<EventCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<EventServiceImpl> service_;
  ServerRunner runner_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(EventImportServiceTest, ImportNeedsTheWriteToken) {
  ImportEventsResponse summary;
  grpc::Status s = Stream("", 1, 5, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  s = Stream("wrong", 1, 5, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  CountEventsRequest r;
  r.add_countries("AZE");
  CountEventsResponse c;
  ASSERT_TRUE(stub_->CountEvents(Ctx().get(), r, &c).ok());
  EXPECT_EQ(c.total(), 1);  // only the curated event: nothing was imported
}

TEST_F(EventImportServiceTest, SummaryThenSecondImportAllUnchanged) {
  ImportEventsResponse first;
  grpc::Status s = Stream("test-token", 3, 400, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.received(), 1201);
  EXPECT_EQ(first.created(), 1200);
  EXPECT_EQ(first.rejected(), 1);
  ASSERT_EQ(first.rejections_size(), 1);
  EXPECT_EQ(first.rejections(0).index(), 1200);
  EXPECT_EQ(first.rejections(0).row().upstream_id(), "1201");
  EXPECT_EQ(first.rejections(0).row().line(), 1201);
  EXPECT_THAT(first.rejections(0).reason(), ::testing::HasSubstr("\"0999\""));

  ImportEventsResponse second;
  s = Stream("test-token", 3, 400, &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(second.received(), 1201);
  EXPECT_EQ(second.created(), 0);
  EXPECT_EQ(second.updated(), 0);
  EXPECT_EQ(second.unchanged(), 1200);
  EXPECT_EQ(second.rejected(), 1);

  CountEventsRequest r;
  r.add_countries("GEO");
  r.add_countries("AZE");
  r.set_direction(DIRECTION_B_TO_A);  // AZE -> GEO: the odd ids
  r.set_granularity(GRANULARITY_YEAR);
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  CountEventsResponse c;
  s = stub_->CountEvents(Ctx().get(), r, &c);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(c.total(), 600);
  ASSERT_EQ(c.buckets_size(), 1);
  EXPECT_DOUBLE_EQ(c.buckets(0).goldstein_mean(), 1.0);
  EXPECT_DOUBLE_EQ(c.buckets(0).mean_tone(), -1.0);
}

TEST_F(EventImportServiceTest, OversizedMessageEndsTheStreamNamingTheField) {
  auto ctx = Ctx("test-token");
  ImportEventsResponse summary;
  auto writer = stub_->ImportEvents(ctx.get(), &summary);
  ImportEventsRequest ok;
  *ok.add_events() = GdeltEvent("1", "AZE", "GEO", "042", 2020, 1, 1, 0, 0);
  ASSERT_TRUE(writer->Write(ok));
  ImportEventsRequest big;
  for (int i = 0; i < 10001; ++i) big.add_events();
  writer->Write(big);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("events: at most 10000"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("import stopped at record 1"));
  // The first message was written.
  GetEventRequest get;
  get.set_name("events/gdelt-2-0-1");
  Event e;
  EXPECT_TRUE(stub_->GetEvent(Ctx().get(), get, &e).ok());
}

// Messages commit without waiting for the disk; the stream is made durable
// before it is answered, whether it ends well or not, and an answer that
// cannot be made durable is an error.
TEST_F(EventImportServiceTest, StoreIsFlushedBeforeEveryAnswer) {
  ImportEventsResponse summary;
  grpc::Status s = Stream("test-token", 2, 10, &summary);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(store_->flushes, 1);

  auto ctx = Ctx("test-token");
  auto writer = stub_->ImportEvents(ctx.get(), &summary);
  ImportEventsRequest big;
  for (int i = 0; i < 10001; ++i) big.add_events();
  writer->Write(big);
  writer->WritesDone();
  s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_->flushes, 2);

  store_->fail_flush = true;
  s = Stream("test-token", 1, 10, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("import could not be completed"));
  EXPECT_EQ(store_->flushes, 3);
}

// Messages are gathered into groups of about kGroupRows records, each
// written in one transaction while the next is read; the summary and the
// data are those of writing message by message.
TEST_F(EventImportServiceTest, LongStreamIsWrittenInGroups) {
  ImportEventsResponse summary;
  grpc::Status s = Stream("test-token", 40, 1000, &summary);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(summary.received(), 40001);
  EXPECT_EQ(summary.created(), 40000);
  EXPECT_EQ(summary.rejected(), 1);
  ASSERT_EQ(summary.rejections_size(), 1);
  EXPECT_EQ(summary.rejections(0).index(), 40000);
  // 17 messages of 1,000 fill a group (>= 16,384 records): 17k, 17k, 6k.
  EXPECT_EQ(store_->imports, 3);
  EXPECT_EQ(store_->largest_import, 17000u);
  EXPECT_EQ(store_->flushes, 1);

  ImportEventsResponse again;
  s = Stream("test-token", 40, 1000, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.unchanged(), 40000);
  EXPECT_EQ(again.created(), 0);

  CountEventsRequest r;
  r.add_countries("AZE");
  r.add_countries("GEO");
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  CountEventsResponse c;
  ASSERT_TRUE(stub_->CountEvents(Ctx().get(), r, &c).ok());
  EXPECT_EQ(c.total(), 40000);
}

// A group that cannot be written ends the stream naming its first record;
// the groups before it stay written, nothing of it is.
TEST_F(EventImportServiceTest, FailedGroupEndsTheStreamNamingItsFirstRecord) {
  store_->fail_import_call = 2;
  ImportEventsResponse summary;
  grpc::Status s = Stream("test-token", 40, 1000, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("import stopped at record 17000"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("disk is full"));
  EXPECT_EQ(store_->flushes, 1);
  Event e;
  GetEventRequest get;
  get.set_name("events/gdelt-2-0-17000");  // ids from 1: record 16999
  EXPECT_TRUE(stub_->GetEvent(Ctx().get(), get, &e).ok());
  get.set_name("events/gdelt-2-0-17001");
  EXPECT_EQ(stub_->GetEvent(Ctx().get(), get, &e).error_code(), grpc::StatusCode::NOT_FOUND);
}

// A bad message after a full group: everything before it is written.
TEST_F(EventImportServiceTest, BadMessageAfterGroupsKeepsWhatCameBefore) {
  auto ctx = Ctx("test-token");
  ImportEventsResponse summary;
  auto writer = stub_->ImportEvents(ctx.get(), &summary);
  for (int m = 0; m < 20; ++m) {
    ImportEventsRequest req;
    for (int i = 1; i <= 1000; ++i) {
      const int id = m * 1000 + i;
      *req.add_events() = GdeltEvent(std::to_string(id), "AZE", "GEO", "042", 2020, 1, 1, 0, 0);
    }
    ASSERT_TRUE(writer->Write(req));
  }
  ImportEventsRequest big;
  for (int i = 0; i < 10001; ++i) big.add_events();
  writer->Write(big);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("import stopped at record 20000"));
  CountEventsRequest r;
  r.add_countries("AZE");
  r.add_countries("GEO");
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  CountEventsResponse c;
  ASSERT_TRUE(stub_->CountEvents(Ctx().get(), r, &c).ok());
  EXPECT_EQ(c.total(), 20000);
}

TEST_F(EventImportServiceTest, CountEventsRejectsBadRequests) {
  CountEventsRequest r;
  r.add_countries("AZE");
  r.set_direction(DIRECTION_A_TO_B);
  CountEventsResponse c;
  grpc::Status s = stub_->CountEvents(Ctx().get(), r, &c);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("direction"));
}

}  // namespace
}  // namespace dyad::events

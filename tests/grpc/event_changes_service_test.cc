// Releases and the change feed through the real EventService on a free
// loopback port (docs/releases.md): a client writes, updates and deletes
// events, reads the current and an earlier release, and a watcher receives
// each change once, in order, across a reconnect.
#include <grpcpp/grpcpp.h>

#include <set>
#include <thread>

#include "common/server.h"
#include "event_service.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using namespace dyad::events::v1;  // NOLINT
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class EventChangesServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/good/fixture_good.so")};
    auto set = PluginSet::Load(o);
    ASSERT_OK(set);
    plugins_ = std::move(*set);
    auto store = OpenSqliteEventStore(":memory:");
    ASSERT_OK(store);
    core_ = std::make_unique<EventCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("test-token");
    service_ = std::make_unique<EventServiceImpl>(core_.get(), &auth_);
    service_->set_watch_poll(absl::Milliseconds(20));
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.events.v1.EventService"}));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner_.port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = EventService::NewStub(channel_);
  }
  void TearDown() override { runner_.Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  Event Valid(const std::string& title, int year) {
    Event e;
    e.set_kind("test.meeting");
    e.set_title(title);
    e.mutable_date()->set_year(year);
    e.add_countries("AZE");
    e.add_countries("CHN");
    auto* c = e.add_citations();
    c->set_source_id("fixture");
    c->set_locator("p1");
    return e;
  }

  Event Create(const std::string& id, const std::string& title, int year) {
    CreateEventRequest req;
    *req.mutable_event() = Valid(title, year);
    req.set_event_id(id);
    Event out;
    grpc::Status s = stub_->CreateEvent(Ctx("test-token").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::string Latest() {
    ListReleasesRequest req;
    req.set_page_size(1);
    ListReleasesResponse resp;
    grpc::Status s = stub_->ListReleases(Ctx().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.releases_size() ? resp.releases(0).id() : "";
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EventCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<EventServiceImpl> service_;
  ServerRunner runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(EventChangesServiceTest, WriteUpdateDeleteThenReadNowAndEarlier) {
  Create("first", "First version", 2020);
  Create("second", "Second event", 2021);
  const std::string before = Latest();
  ASSERT_FALSE(before.empty());

  UpdateEventRequest update;
  *update.mutable_event() = Valid("First, corrected", 2019);
  update.mutable_event()->set_name("events/first");
  Event updated;
  EXPECT_EQ(stub_->UpdateEvent(Ctx().get(), update, &updated).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status s = stub_->UpdateEvent(Ctx("test-token").get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.title(), "First, corrected");
  DeleteEventRequest del;
  del.set_name("events/second");
  DeleteEventResponse deleted;
  s = stub_->DeleteEvent(Ctx("test-token").get(), del, &deleted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(deleted.release().id(), before);
  // Errors at the edge.
  EXPECT_EQ(stub_->DeleteEvent(Ctx("test-token").get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  del.set_name("events/trade-deal-2015");  // a plugin's record
  s = stub_->DeleteEvent(Ctx("test-token").get(), del, &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("plugin"));

  // Now: the correction, no "second"; the reply names its release.
  GetEventRequest get;
  get.set_name("events/first");
  Event now;
  auto ctx = Ctx();
  ASSERT_TRUE(stub_->GetEvent(ctx.get(), get, &now).ok());
  EXPECT_EQ(now.title(), "First, corrected");
  auto header = ctx->GetServerInitialMetadata().find("dyad-release");
  ASSERT_NE(header, ctx->GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(header->second.data(), header->second.size()), deleted.release().id());
  // As of the earlier release: the first version, and "second" is back.
  get.set_as_of(before);
  Event then;
  ctx = Ctx();
  ASSERT_TRUE(stub_->GetEvent(ctx.get(), get, &then).ok());
  EXPECT_EQ(then.title(), "First version");
  header = ctx->GetServerInitialMetadata().find("dyad-release");
  ASSERT_NE(header, ctx->GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(header->second.data(), header->second.size()), before);
  get.set_name("events/second");
  ASSERT_TRUE(stub_->GetEvent(Ctx().get(), get, &then).ok());
  EXPECT_EQ(then.title(), "Second event");
  get.set_as_of("123-nothere");
  s = stub_->GetEvent(Ctx().get(), get, &then);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("123-nothere"));

  ListEventsRequest list;
  list.add_countries("AZE");
  list.add_countries("CHN");
  list.mutable_period()->mutable_start()->set_year(2019);
  ListEventsResponse current, earlier;
  ASSERT_TRUE(stub_->ListEvents(Ctx().get(), list, &current).ok());
  EXPECT_EQ(current.release().id(), deleted.release().id());
  std::set<std::string> names;
  for (const auto& e : current.events()) names.insert(e.name());
  EXPECT_TRUE(names.count("events/first"));
  EXPECT_FALSE(names.count("events/second"));
  list.set_as_of(before);
  ASSERT_TRUE(stub_->ListEvents(Ctx().get(), list, &earlier).ok());
  EXPECT_EQ(earlier.release().id(), before);
  names.clear();
  for (const auto& e : earlier.events()) names.insert(e.name());
  EXPECT_TRUE(names.count("events/first"));
  EXPECT_TRUE(names.count("events/second"));
  EXPECT_EQ(earlier.total_size(), current.total_size() + 1);
}

// Reads WatchChanges from `since` until `want` changes arrived.
std::vector<EventChange> Watch(EventService::Stub* stub, int64_t since, size_t want) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  WatchChangesRequest req;
  req.set_since(since);
  auto reader = stub->WatchChanges(&ctx, req);
  std::vector<EventChange> got;
  WatchChangesResponse msg;
  while (got.size() < want && reader->Read(&msg)) {
    for (const auto& c : msg.changes()) got.push_back(c);
  }
  ctx.TryCancel();  // the client goes away: a disconnect
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED) << s.error_message();
  return got;
}

TEST_F(EventChangesServiceTest, WatcherGetsEachChangeOnceInOrderAcrossAReconnect) {
  ListChangesRequest list;
  ListChangesResponse start;
  ASSERT_TRUE(stub_->ListChanges(Ctx().get(), list, &start).ok());
  const int64_t origin = start.next_since();  // after the plugin's records
  EXPECT_GT(origin, 0);

  // A watcher that is waiting when the writes come.
  std::vector<EventChange> first;
  std::thread watcher([&] { first = Watch(stub_.get(), origin, 3); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Create("w1", "Watched one", 2020);
  Create("w2", "Watched two", 2020);
  UpdateEventRequest update;
  *update.mutable_event() = Valid("Watched one, again", 2020);
  update.mutable_event()->set_name("events/w1");
  Event out;
  ASSERT_TRUE(stub_->UpdateEvent(Ctx("test-token").get(), update, &out).ok());
  watcher.join();
  ASSERT_EQ(first.size(), 3u);

  // Disconnected: more changes happen meanwhile.
  DeleteEventRequest del;
  del.set_name("events/w2");
  DeleteEventResponse deleted;
  ASSERT_TRUE(stub_->DeleteEvent(Ctx("test-token").get(), del, &deleted).ok());
  Create("w3", "Watched three", 2020);
  // Resumed from the last position received.
  std::vector<EventChange> second = Watch(stub_.get(), first.back().seq(), 2);

  std::vector<std::string> seen;
  int64_t last = origin;
  for (const auto* part : {&first, &second}) {
    for (const auto& c : *part) {
      EXPECT_EQ(c.seq(), last + 1) << "a gap or a repeat";
      last = c.seq();
      seen.push_back(absl::StrCat(dyad::type::v1::ChangeKind_Name(c.kind()), " ", c.name()));
    }
  }
  EXPECT_THAT(seen, ElementsAre("CHANGE_KIND_CREATED events/w1", "CHANGE_KIND_CREATED events/w2",
                                "CHANGE_KIND_UPDATED events/w1", "CHANGE_KIND_DELETED events/w2",
                                "CHANGE_KIND_CREATED events/w3"));
  EXPECT_EQ(first[2].previous().title(), "Watched one");
  EXPECT_EQ(first[2].event().title(), "Watched one, again");
  EXPECT_EQ(second[0].previous().title(), "Watched two");
  EXPECT_FALSE(second[0].has_event());

  // The same feed, paged.
  list.set_since(origin);
  list.set_page_size(2);
  ListChangesResponse page;
  ASSERT_TRUE(stub_->ListChanges(Ctx().get(), list, &page).ok());
  ASSERT_EQ(page.changes_size(), 2);
  EXPECT_EQ(page.next_since(), origin + 2);
  list.set_page_size(-1);
  grpc::Status s = stub_->ListChanges(Ctx().get(), list, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_size"));
}

TEST_F(EventChangesServiceTest, WatchEndsWhenTheServerShutsDown) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  WatchChangesRequest req;
  auto reader = stub_->WatchChanges(&ctx, req);
  WatchChangesResponse msg;
  ASSERT_TRUE(reader->Read(&msg));  // the plugin's records
  const auto started = std::chrono::steady_clock::now();
  runner_.Shutdown();
  while (reader->Read(&msg)) {
  }
  grpc::Status s = reader->Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace dyad::events

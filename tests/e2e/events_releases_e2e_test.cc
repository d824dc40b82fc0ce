// dyad-events started as a user would, on a SQLite file (docs/releases.md):
// writes, an update and a delete through gRPC; the current and an earlier
// release read after a restart of the process (history is in the database);
// a watcher that is cut off by the restart resumes from the last position it
// received and gets every change once, in order.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "dyad/events/v1/event_service.grpc.pb.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::events::v1;  // NOLINT

class EventsReleasesE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/events_releases_e2e_" + std::to_string(getpid());
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/plugins' && cp " +
                      BuildPath("fixtures/good/fixture_good.so") + " '" + dir_ + "/plugins/'")
                         .c_str()),
              0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  absl::StatusOr<ChildProcess> Start() {
    auto p = ChildProcess::Start({BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                  "--plugins=" + dir_ + "/plugins", "--db=" + dir_ + "/events.db",
                                  "--write_token_file=" + dir_ + "/token",
                                  "--shutdown_grace=2s"});
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    stub_ = EventService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", dyad::testing::ParseServingPort(*out)),
        grpc::InsecureChannelCredentials()));
    return p;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(bool with_token = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (with_token) ctx->AddMetadata("authorization", "Bearer e2e-token");
    return ctx;
  }

  static Event Valid(const std::string& title) {
    Event e;
    e.set_kind("test.meeting");
    e.set_title(title);
    e.mutable_date()->set_year(2022);
    e.add_countries("AZE");
    e.add_countries("CHN");
    auto* c = e.add_citations();
    c->set_source_id("fixture");
    c->set_locator("p1");
    return e;
  }

  void Create(const std::string& id, const std::string& title) {
    CreateEventRequest req;
    *req.mutable_event() = Valid(title);
    req.set_event_id(id);
    Event out;
    grpc::Status s = stub_->CreateEvent(Ctx(true).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::string dir_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(EventsReleasesE2eTest, HistoryAndTheFeedSurviveARestart) {
  std::vector<EventChange> received;
  std::string before;
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
    ListChangesResponse start;
    ASSERT_TRUE(stub_->ListChanges(Ctx().get(), ListChangesRequest(), &start).ok());
    Create("kept", "Kept as written");
    Create("gone", "Deleted later");
    ListReleasesRequest lr;
    lr.set_page_size(1);
    ListReleasesResponse latest;
    ASSERT_TRUE(stub_->ListReleases(Ctx().get(), lr, &latest).ok());
    ASSERT_EQ(latest.releases_size(), 1);
    before = latest.releases(0).id();

    // A watcher from the start of the log; the process stops under it.
    grpc::ClientContext wctx;
    WatchChangesRequest wreq;
    auto reader = stub_->WatchChanges(&wctx, wreq);
    WatchChangesResponse msg;
    while (received.size() < static_cast<size_t>(start.next_since()) + 2 && reader->Read(&msg)) {
      for (const auto& c : msg.changes()) received.push_back(c);
    }
    ASSERT_EQ(received.size(), static_cast<size_t>(start.next_since()) + 2);
    UpdateEventRequest update;
    *update.mutable_event() = Valid("Kept, corrected");
    update.mutable_event()->set_name("events/kept");
    Event out;
    ASSERT_TRUE(stub_->UpdateEvent(Ctx(true).get(), update, &out).ok());
    ASSERT_TRUE(reader->Read(&msg));
    for (const auto& c : msg.changes()) received.push_back(c);
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
    while (reader->Read(&msg)) {
      for (const auto& c : msg.changes()) received.push_back(c);
    }
    EXPECT_FALSE(reader->Finish().ok());  // cut off by the shutdown
  }
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
  DeleteEventRequest del;
  del.set_name("events/gone");
  DeleteEventResponse deleted;
  ASSERT_TRUE(stub_->DeleteEvent(Ctx(true).get(), del, &deleted).ok());

  // The current release and the earlier one, from the restarted process.
  GetEventRequest get;
  get.set_name("events/kept");
  Event now, then;
  ASSERT_TRUE(stub_->GetEvent(Ctx().get(), get, &now).ok());
  EXPECT_EQ(now.title(), "Kept, corrected");
  get.set_as_of(before);
  ASSERT_TRUE(stub_->GetEvent(Ctx().get(), get, &then).ok());
  EXPECT_EQ(then.title(), "Kept as written");
  get.set_name("events/gone");
  ASSERT_TRUE(stub_->GetEvent(Ctx().get(), get, &then).ok());
  EXPECT_EQ(then.title(), "Deleted later");
  get.clear_as_of();
  EXPECT_EQ(stub_->GetEvent(Ctx().get(), get, &then).error_code(), grpc::StatusCode::NOT_FOUND);

  // Resumed from the last position received: the deletion, once.
  grpc::ClientContext wctx;
  wctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  WatchChangesRequest wreq;
  wreq.set_since(received.back().seq());
  auto reader = stub_->WatchChanges(&wctx, wreq);
  WatchChangesResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  for (const auto& c : msg.changes()) received.push_back(c);
  wctx.TryCancel();
  (void)reader->Finish();
  for (size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].seq(), static_cast<int64_t>(i + 1)) << "a gap or a repeat";
  }
  ASSERT_GE(received.size(), 3u);
  const auto& last = received.back();
  EXPECT_EQ(last.kind(), dyad::type::v1::CHANGE_KIND_DELETED);
  EXPECT_EQ(last.name(), "events/gone");
  EXPECT_EQ(last.previous().title(), "Deleted later");
  const auto& update = received[received.size() - 2];
  EXPECT_EQ(update.kind(), dyad::type::v1::CHANGE_KIND_UPDATED);
  EXPECT_EQ(update.event().title(), "Kept, corrected");
  EXPECT_EQ(p.Stop(SIGTERM, absl::Seconds(20)).value_or(-1), 0);
}

}  // namespace
}  // namespace dyad

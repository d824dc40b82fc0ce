// Multi-replica behaviour, simulated on one machine: two replicas of each
// backend listen on distinct loopback addresses (127.0.0.2 and 127.0.0.3),
// and the gateway is pointed at one target per backend that resolves to both
// (gRPC's "ipv4:" resolver, as a dns:/// name of a headless Kubernetes
// Service resolves to every pod). The test shows that the gateway's
// round_robin spreads calls over the replicas, and that answers stay whole
// when one replica of each backend is killed.
//
// Each replica reports the calls it serves in its access log (one
// "call method=..." line per call at --log_level=debug), read from its stderr.
#include <signal.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using dyad::gateway::v1::GetTimelineRequest;
using dyad::gateway::v1::GetTimelineResponse;
using dyad::gateway::v1::GetYearInReviewRequest;
using dyad::gateway::v1::GetYearInReviewResponse;
using dyad::gateway::v1::RelationsGateway;

constexpr std::array<const char*, 3> kBackends = {"events", "economics", "institutions"};
constexpr std::array<const char*, 2> kHosts = {"127.0.0.2", "127.0.0.3"};

// A server and the address it listens on.
struct Server {
  std::unique_ptr<ChildProcess> process;
  std::string address;  // host:port
};

absl::StatusOr<Server> Start(std::vector<std::string> argv, const std::string& host) {
  argv.push_back("--log_level=debug");
  auto s = dyad::testing::StartServer(std::move(argv), host);
  if (!s.ok()) return s.status();
  return Server{std::make_unique<ChildProcess>(std::move(s->process)),
                absl::StrCat(host, ":", s->port)};
}

// The calls the replica has logged so far.
int Calls(Server& s) {
  const std::string log = s.process->Output();
  int n = 0;
  for (size_t at = log.find("call method=/dyad."); at != std::string::npos;
       at = log.find("call method=/dyad.", at + 1)) {
    ++n;
  }
  return n;
}

class MultiReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* b : kBackends) {
      for (const char* host : kHosts) {
        // Connections are aged out every 300ms (GOAWAY, then the client
        // reconnects), so the calls below also cross many reconnections.
        auto s = Start({BuildPath(absl::StrCat("bin/dyad-", b)), "--db=:memory:",
                        "--plugins=" + BuildPath("plugins"), "--max_connection_age=300ms"},
                       host);
        ASSERT_OK(s);
        replicas_[b].push_back(std::move(*s));
      }
    }
    // One target per backend resolving to both replicas.
    std::vector<std::string> argv = {BuildPath("bin/dyad-gateway"), "--backend_timeout=5s"};
    for (const char* b : kBackends) {
      argv.push_back(absl::StrCat("--", b, "=ipv4:", replicas_[b][0].address, ",",
                                  replicas_[b][1].address));
    }
    auto g = Start(argv, "127.0.0.1");
    ASSERT_OK(g);
    gateway_ = std::move(*g);
    stub_ = RelationsGateway::NewStub(
        grpc::CreateChannel(gateway_.address, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (gateway_.process) (void)gateway_.process->Stop(SIGTERM, absl::Seconds(20));
    for (auto& [name, rs] : replicas_) {
      for (auto& r : rs) {
        if (r.process) (void)r.process->Stop(SIGTERM, absl::Seconds(20));
      }
    }
  }

  // One GetYearInReview and one GetTimeline page; both must be whole answers
  // (OK, every part OK).
  void CallGatewayOnce(const std::string& when) {
    GetYearInReviewRequest y;
    y.add_countries("AZE");
    y.add_countries("CHN");
    y.set_year(2019);
    GetYearInReviewResponse yr;
    grpc::ClientContext c1;
    c1.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Status s = stub_->GetYearInReview(&c1, y, &yr);
    ASSERT_TRUE(s.ok()) << when << ": " << s.error_message();
    for (const auto& p : yr.parts()) {
      EXPECT_EQ(p.code(), "OK") << when << ": " << p.part() << " " << p.message();
    }
    EXPECT_GT(yr.events_size(), 0) << when;
    EXPECT_GT(yr.indicators_size(), 0) << when;

    GetTimelineRequest t;
    t.add_countries("AZE");
    t.add_countries("CHN");
    t.set_page_size(20);
    GetTimelineResponse tr;
    grpc::ClientContext c2;
    c2.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    s = stub_->GetTimeline(&c2, t, &tr);
    ASSERT_TRUE(s.ok()) << when << ": " << s.error_message();
    for (const auto& p : tr.parts()) {
      EXPECT_EQ(p.code(), "OK") << when << ": " << p.part() << " " << p.message();
    }
    EXPECT_EQ(tr.entries_size(), 20) << when;
  }

  std::map<std::string, std::vector<Server>> replicas_;
  Server gateway_;
  std::unique_ptr<RelationsGateway::Stub> stub_;
};

TEST_F(MultiReplicaTest, CallsSpreadOverReplicasAndSurviveOneStopped) {
  constexpr int kCalls = 30;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    CallGatewayOnce(absl::StrCat("both up, call ", i));
    if (i == kCalls / 2) {
      // Outlive the connection age at least once while calls go on.
      absl::SleepFor(absl::Milliseconds(400) - std::min(absl::Milliseconds(400), absl::Now() - start));
    }
  }

  // round_robin: each replica of each backend took a fair share.
  for (const char* b : kBackends) {
    const int a = Calls(replicas_[b][0]);
    const int c = Calls(replicas_[b][1]);
    std::cout << b << ": " << replicas_[b][0].address << " served " << a << ", "
              << replicas_[b][1].address << " served " << c << "\n";
    ASSERT_GT(a + c, 0) << b;
    EXPECT_GE(a, (a + c) / 4) << b << " replica 1 took too small a share";
    EXPECT_GE(c, (a + c) / 4) << b << " replica 2 took too small a share";
  }

  // Kill the first replica of every backend without warning (no graceful
  // shutdown: its connections just drop). Every answer stays whole: the
  // channel moves to the surviving replica, and a call that raced the kill
  // is retried once on UNAVAILABLE.
  std::map<std::string, int> before;
  for (const char* b : kBackends) {
    auto& dead = replicas_[b][0];
    ASSERT_OK(dead.process->Stop(SIGKILL, absl::Seconds(10)));
    dead.process.reset();
    before[b] = Calls(replicas_[b][1]);
  }
  for (int i = 0; i < kCalls; ++i) CallGatewayOnce(absl::StrCat("one replica killed, call ", i));
  for (const char* b : kBackends) {
    const int after = Calls(replicas_[b][1]);
    std::cout << b << ": survivor served " << after - before[b] << " after the kill\n";
    EXPECT_GT(after, before[b]) << b << ": the surviving replica took the calls";
  }

  // The survivors report their totals when they stop.
  auto& survivor = replicas_["events"][1];
  ASSERT_OK(survivor.process->Stop(SIGTERM, absl::Seconds(20)));
  EXPECT_THAT(survivor.process->Output(), ::testing::HasSubstr("stopped calls_served="));
  survivor.process.reset();
}

}  // namespace
}  // namespace dyad

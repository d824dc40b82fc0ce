// The dyad CLI binary against a real dyad-events, as a user runs it.
#include <signal.h>

#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;

class CliE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = ChildProcess::Start({BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                  "--db=:memory:", "--plugins=" + BuildPath("plugins")});
    ASSERT_OK(p);
    server_ = new ChildProcess(std::move(*p));
    ASSERT_OK(server_->WaitForOutput("serving ", absl::Seconds(30)));
    target_ = "127.0.0.1:" + std::to_string(dyad::testing::ParseServingPort(server_->Output()));
  }
  static void TearDownTestSuite() {
    (void)server_->Stop(SIGTERM, absl::Seconds(10));
    delete server_;
  }

  // Runs the CLI; returns {exit code, output}.
  std::pair<int, std::string> Run(std::vector<std::string> args) {
    std::vector<std::string> argv = {BuildPath("bin/dyad"), "--events", target_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = ChildProcess::Start(argv);
    if (!p.ok()) return {-1, std::string(p.status().message())};
    auto code = p->Wait(absl::Seconds(30));
    return {code.ok() ? *code : -1, p->Output()};
  }

  static ChildProcess* server_;
  static std::string target_;
};
ChildProcess* CliE2eTest::server_ = nullptr;
std::string CliE2eTest::target_;

TEST_F(CliE2eTest, EventsTableShowsTheYearsEventsWithCitations) {
  auto [code, out] = Run({"events", "--from", "2015", "--to", "2015"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("citations"));
  EXPECT_THAT(out, ::testing::HasSubstr("December 2015"));
  EXPECT_THAT(out, ::testing::HasSubstr("jafarli:p"));
}

TEST_F(CliE2eTest, JsonIsMachineReadable) {
  auto [code, out] = Run({"--json", "events", "--from", "1991", "--to", "1991"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("\"events\": ["));
  EXPECT_THAT(out, ::testing::HasSubstr("\"sourceId\": \"jafarli\""));
}

TEST_F(CliE2eTest, PagesWithAll) {
  auto [code, out] = Run({"events", "--page-size", "2", "--all"});
  EXPECT_EQ(code, 0) << out;
  auto [code2, first] = Run({"events", "--page-size", "2"});
  EXPECT_THAT(first, ::testing::HasSubstr("more with --page-token"));
  EXPECT_GT(out.size(), first.size());
}

TEST_F(CliE2eTest, ServerErrorsExitOneWithTheCodeAndMessage) {
  auto [code, out] = Run({"events", "--countries", "AZE,XXX"});
  EXPECT_EQ(code, 1);
  EXPECT_THAT(out, ::testing::HasSubstr("error: INVALID_ARGUMENT: countries[1]"));
  std::tie(code, out) = Run({"event", "no-such-event"});
  EXPECT_EQ(code, 1);
  EXPECT_THAT(out, ::testing::HasSubstr("NOT_FOUND"));
}

TEST_F(CliE2eTest, UnreachableServerIsUnavailableNamingTheTarget) {
  auto p = ChildProcess::Start({BuildPath("bin/dyad"), "--events", "127.0.0.1:1", "--timeout", "2s", "kinds"});
  ASSERT_OK(p);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(absl::Seconds(20)));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(p->Output(), ::testing::HasSubstr("(target 127.0.0.1:1)"));
}

TEST_F(CliE2eTest, TargetsComeFromTheEnvironment) {
  auto p = ChildProcess::Start({BuildPath("bin/dyad"), "kinds"}, {"DYAD_EVENTS=" + target_});
  ASSERT_OK(p);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(absl::Seconds(20)));
  EXPECT_EQ(code, 0) << p->Output();
  EXPECT_THAT(p->Output(), ::testing::HasSubstr("diplomacy.recognition"));
}

}  // namespace
}  // namespace dyad

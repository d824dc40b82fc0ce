// The dyad CLI binary against the real dyad-events, dyad-economics and
// dyad-institutions with the curated plugins, as a user runs it: each
// command's output is checked for curated facts, figures and citations.
#include <signal.h>

#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;

class CliE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* name : {"events", "economics", "institutions"}) {
      auto p = ChildProcess::Start({BuildPath(std::string("bin/dyad-") + name), "--port=0",
                                    "--host=127.0.0.1", "--db=:memory:",
                                    "--plugins=" + BuildPath("plugins")});
      ASSERT_OK(p);
      servers_.push_back(new ChildProcess(std::move(*p)));
      ASSERT_OK(servers_.back()->WaitForOutput("serving ", absl::Seconds(30)));
      targets_.push_back("127.0.0.1:" + std::to_string(dyad::testing::ParseServingPort(
                                            servers_.back()->Output())));
    }
    target_ = targets_[0];
  }
  static void TearDownTestSuite() {
    for (ChildProcess* s : servers_) {
      (void)s->Stop(SIGTERM, absl::Seconds(10));
      delete s;
    }
    servers_.clear();
    targets_.clear();
  }

  // Runs the CLI; returns {exit code, output}.
  std::pair<int, std::string> Run(std::vector<std::string> args) {
    std::vector<std::string> argv = {BuildPath("bin/dyad"), "--events", targets_[0],
                                     "--economics", targets_[1], "--institutions", targets_[2]};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = ChildProcess::Start(argv);
    if (!p.ok()) return {-1, std::string(p.status().message())};
    auto code = p->Wait(absl::Seconds(30));
    return {code.ok() ? *code : -1, p->Output()};
  }

  static std::vector<ChildProcess*> servers_;
  static std::vector<std::string> targets_;  // events, economics, institutions
  static std::string target_;                // events
};
std::vector<ChildProcess*> CliE2eTest::servers_;
std::vector<std::string> CliE2eTest::targets_;
std::string CliE2eTest::target_;

// The data rows of a rendered table: the lines after the header's dashes,
// up to the "(N in all)" line or the end.
std::vector<std::string> Rows(const std::string& out) {
  std::vector<std::string> rows;
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (!in_table) {
      in_table = absl::StartsWith(line, "---");
      continue;
    }
    if (line.empty() || absl::StartsWith(line, "(")) break;
    rows.emplace_back(line);
  }
  return rows;
}

// The N of a "(N in all...)" line, or -1.
int InAll(const std::string& out) {
  const size_t at = out.find(" in all");
  if (at == std::string::npos) return -1;
  const size_t open = out.rfind('(', at);
  int n = -1;
  if (open == std::string::npos || !absl::SimpleAtoi(out.substr(open + 1, at - open - 1), &n)) {
    return -1;
  }
  return n;
}

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
  EXPECT_EQ(code2, 0) << first;
  EXPECT_THAT(first, ::testing::HasSubstr("more with --page-token"));
  EXPECT_EQ(Rows(first).size(), 2u) << first;
  // --all follows every page: as many rows as the total the server counts.
  const int total = InAll(out);
  EXPECT_GT(total, 2) << out;
  EXPECT_EQ(static_cast<int>(Rows(out).size()), total) << out;
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("more with --page-token")));
  EXPECT_EQ(InAll(first), total);
}

TEST_F(CliE2eTest, EventsFromToKeepsOnlyThatPeriod) {
  auto [code, out] = Run({"events", "--from", "2015", "--to", "2015"});
  ASSERT_EQ(code, 0) << out;
  const std::vector<std::string> rows = Rows(out);
  ASSERT_GE(rows.size(), 3u) << out;
  // A row matches when its date, or the span an undated event is bounded by
  // ("January 2013 – 2020", see Event.date_basis), overlaps 2015.
  auto overlaps = [](const std::string& date, int year) {
    const std::string dash = " \xE2\x80\x93 ";
    const size_t at = date.find(dash);
    if (at == std::string::npos) return absl::StrContains(date, std::to_string(year));
    const std::string first = date.substr(0, at), last = date.substr(at + dash.size());
    int from = 0, to = 0;
    return first.size() >= 4 && last.size() >= 4 &&
           absl::SimpleAtoi(first.substr(first.size() - 4), &from) &&
           absl::SimpleAtoi(last.substr(last.size() - 4), &to) && from <= year && year <= to;
  };
  for (const auto& row : rows) {
    const std::string date = std::string(absl::StripTrailingAsciiWhitespace(
        row.substr(0, row.find("  "))));
    EXPECT_TRUE(overlaps(date, 2015)) << row;
  }
  EXPECT_EQ(InAll(out), static_cast<int>(rows.size()));
  // Month precision: April 2019 holds the Belt and Road Forum visit; events
  // dated only "2019" overlap it, events of another month do not.
  std::tie(code, out) = Run({"events", "--from", "2019-04", "--to", "2019-04", "--all"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("24 April 2019"));
  EXPECT_THAT(out, ::testing::HasSubstr("Belt and Road Forum"));
  for (const auto& row : Rows(out)) {
    const std::string date = std::string(absl::StripTrailingAsciiWhitespace(
        row.substr(0, row.find("  "))));
    EXPECT_TRUE(date == "2019" || absl::StrContains(date, "April 2019") || overlaps(date, 2019))
        << row;
  }
  // Without them the same dyad spans decades.
  std::tie(code, out) = Run({"events", "--all"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("27 December 1991"));
  EXPECT_GT(InAll(out), static_cast<int>(rows.size()));
  // A month that does not exist is refused by the server, naming the field.
  std::tie(code, out) = Run({"events", "--from", "2015-13"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("INVALID_ARGUMENT: period.start.month"));
}

TEST_F(CliE2eTest, IndicatorsListsTheCuratedOnes) {
  auto [code, out] = Run({"indicators"});
  ASSERT_EQ(code, 0) << out;
  bool turnover = false, balance = false;
  for (const auto& row : Rows(out)) {
    if (absl::StartsWith(row, "trade.turnover ")) {
      turnover = true;
      EXPECT_THAT(row, ::testing::HasSubstr("Trade turnover"));
      EXPECT_THAT(row, ::testing::HasSubstr("USD"));
    }
    if (absl::StartsWith(row, "trade.balance ")) {
      balance = true;
      EXPECT_THAT(row, ::testing::HasSubstr("from trade.exports, trade.im"));  // derived
    }
  }
  EXPECT_TRUE(turnover) << out;
  EXPECT_TRUE(balance) << out;
}

TEST_F(CliE2eTest, SeriesShowsEachPointWithItsSources) {
  auto [code, out] = Run({"series", "trade.turnover", "--from", "2018", "--to", "2019"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::StartsWith("trade.turnover AZE–CHN\n"));
  const std::vector<std::string> rows = Rows(out);
  ASSERT_EQ(rows.size(), 2u) << out;
  EXPECT_TRUE(absl::StartsWith(rows[0], "2018 ")) << rows[0];
  EXPECT_THAT(rows[0], ::testing::HasSubstr("1.31 billion USD"));
  EXPECT_TRUE(absl::StartsWith(rows[1], "2019 ")) << rows[1];
  EXPECT_THAT(rows[1], ::testing::HasSubstr("2.184 billion USD"));
  EXPECT_THAT(rows[1], ::testing::HasSubstr("+66.7%"));
  EXPECT_THAT(rows[1], ::testing::HasSubstr("2,184 million [jafarli:p8]"));
  // The dyad the other way round, and an unknown indicator.
  std::tie(code, out) = Run({"series", "trade.turnover", "--reporter", "CHN", "--partner", "AZE",
                             "--from", "2019", "--to", "2019"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::StartsWith("trade.turnover CHN–AZE\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("2.184 billion USD"));
  std::tie(code, out) = Run({"series", "no.such.indicator"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("NOT_FOUND"));
}

TEST_F(CliE2eTest, ObservationsListsTheSourcedFigures) {
  auto [code, out] =
      Run({"observations", "--indicator", "trade.turnover", "--from", "2019", "--to", "2019"});
  ASSERT_EQ(code, 0) << out;
  const std::vector<std::string> rows = Rows(out);
  ASSERT_EQ(rows.size(), 2u) << out;
  EXPECT_EQ(InAll(out), 2);
  for (const auto& row : rows) {
    EXPECT_THAT(row, ::testing::HasSubstr("trade.turnover  AZE       CHN      2019"));
  }
  EXPECT_THAT(out, ::testing::HasSubstr("2,184 million"));
  EXPECT_THAT(out, ::testing::HasSubstr("jafarli:p8"));
  EXPECT_THAT(out, ::testing::HasSubstr("$2.2 billion"));
  EXPECT_THAT(out, ::testing::HasSubstr("ismayilova:p36"));
  std::tie(code, out) = Run({"--json", "observations", "--indicator", "trade.turnover", "--from",
                             "2019", "--to", "2019"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("\"asWritten\": \"2,184 million\""));
}

TEST_F(CliE2eTest, InstitutionsFilterOnTheFoundingDate) {
  auto [code, out] = Run({"institutions", "--from", "2011", "--to", "2011"});
  ASSERT_EQ(code, 0) << out;
  const std::vector<std::string> rows = Rows(out);
  ASSERT_EQ(rows.size(), 1u) << out;
  EXPECT_THAT(rows[0], ::testing::HasSubstr("April 2011"));
  EXPECT_THAT(rows[0], ::testing::HasSubstr("Confucius Institute at Baku State University"));
  EXPECT_THAT(rows[0], ::testing::HasSubstr("Baku, AZE"));
  EXPECT_THAT(rows[0], ::testing::HasSubstr("jafarli:p28"));
  std::tie(code, out) = Run({"institutions", "--all"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_GT(InAll(out), 1);
}

TEST_F(CliE2eTest, InstitutionShowsOneWithItsSources) {
  auto [code, out] = Run({"institution", "confucius-institute-bsu"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::StartsWith("Confucius Institute at Baku State University\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("kind:     education.confucius_institute"));
  EXPECT_THAT(out, ::testing::HasSubstr("founded:  April 2011  status: active"));
  EXPECT_THAT(out, ::testing::HasSubstr("partner:  institutions/anhui-university"));
  EXPECT_THAT(out, ::testing::HasSubstr("Sources:\n  jafarli p28"));
  std::tie(code, out) = Run({"institution", "no-such-institution"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("NOT_FOUND"));
}

TEST_F(CliE2eTest, MembershipsOfACountryAndOfAnOrganization) {
  auto [code, out] = Run({"memberships", "--country", "AZE"});
  ASSERT_EQ(code, 0) << out;
  bool aiib = false;
  for (const auto& row : Rows(out)) {
    EXPECT_TRUE(absl::StartsWith(row, "AZE ")) << row;
    if (absl::StrContains(row, "Asian Infrastructure Investment Bank (AIIB)")) {
      aiib = true;
      EXPECT_THAT(row, ::testing::HasSubstr("founding member"));
      EXPECT_THAT(row, ::testing::HasSubstr("2016"));
      EXPECT_THAT(row, ::testing::HasSubstr("jafarli:p12"));
    }
  }
  EXPECT_TRUE(aiib) << out;
  std::tie(code, out) = Run({"memberships", "--organization", "aiib"});
  ASSERT_EQ(code, 0) << out;
  std::set<std::string> countries;
  for (const auto& row : Rows(out)) countries.insert(row.substr(0, 3));
  EXPECT_EQ(countries, (std::set<std::string>{"AZE", "CHN"})) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("initiator"));
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

#include "provenance.h"

#include <sys/stat.h>

#include <cstdio>

#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::provenance {
namespace {

TEST(SplitParagraphsTest, WrappedTextSplitsAtBlankLines) {
  EXPECT_THAT(SplitParagraphs("Title\n\nline one\nline two\n  \nlast\n"),
              ::testing::ElementsAre("Title", "line one line two", "last"));
}

TEST(SplitParagraphsTest, LongLinesAreParagraphsEach) {
  const std::string a(250, 'a'), b(260, 'b');
  EXPECT_THAT(SplitParagraphs(a + "\n" + b + "\nshort\n"), ::testing::ElementsAre(a, b, "short"));
}

// Runs over the curated data of every deployed plugin.
TEST(ProvenanceTest, EveryCitationPointsAtAParagraphStatingTheFact) {
  struct stat st;
  if (stat(DYAD_SEEDS_DIR, &st) != 0) {
    GTEST_SKIP() << "seed documents not found at " << DYAD_SEEDS_DIR
                 << " (../shared/seeds); provenance not checked";
  }
  PluginHostOptions o;
  o.dir = dyad::testing::BuildPath("plugins");
  ASSERT_OK_AND_ASSIGN(auto plugins, PluginSet::Load(o));
  ASSERT_OK_AND_ASSIGN(Report report, Check(*plugins, DYAD_SEEDS_DIR));
  std::printf("%s", report.ToString().c_str());
  EXPECT_TRUE(report.failures.empty()) << report.ToString();
  // Every curated kind is used by at least one record.
  EXPECT_TRUE(report.unused_kinds.empty()) << report.ToString();
  // Every source document is cited by the curated data.
  ASSERT_EQ(report.coverage.size(), 5u);
  for (const auto& [id, c] : report.coverage) EXPECT_GT(c.records, 0) << id;
}

}  // namespace
}  // namespace dyad::provenance

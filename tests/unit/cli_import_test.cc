// `dyad import` without servers: usage errors, file errors before any call,
// and the pure rendering functions (summary, JSON, progress line).
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "cli.h"
#include "import_command.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int code;
  std::string out, err;
};

Result Cli(std::vector<std::string> argv) {
  std::ostringstream out, err;
  // Port 1 refuses connections: a test that reached the network would fail.
  argv.insert(argv.begin(), {"--events", "127.0.0.1:1", "--economics", "127.0.0.1:1"});
  const int code = Main(argv, out, err);
  return {code, out.str(), err.str()};
}

std::string Fixture(const std::string& name) {
  return dyad::testing::SourcePath("tests/fixtures/" + name);
}

TEST(ImportUsageTest, UnknownDatasetNoFilesAndBadNumbersAreUsageErrors) {
  Result r = Cli({"import"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("expects a dataset"));
  r = Cli({"import", "gdlet", "x.csv"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unknown dataset \"gdlet\": use gdelt, icews, comtrade or wdi"));
  r = Cli({"import", "auto", "x.csv"});  // the dataset is never guessed
  EXPECT_EQ(r.code, kExitUsage);
  r = Cli({"import", "wdi"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("no file given"));
  for (const char* bad : {"0", "10001", "-5", "lots"}) {
    r = Cli({"import", "gdelt", "--batch", bad, "x"});
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_THAT(r.err, HasSubstr("--batch")) << bad;
  }
  for (const char* bad : {"-1", "many"}) {
    r = Cli({"import", "gdelt", "--max_errors", bad, "x"});
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_THAT(r.err, HasSubstr("--max")) << bad;
  }
  r = Cli({"import", "gdelt", "--bogus", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unknown option --bogus"));
}

TEST(ImportUsageTest, TokenIsReadAsTheServersReadItAndNeverPrinted) {
  unsetenv("DYAD_WRITE_TOKEN");
  const std::string blank = ::testing::TempDir() + "/blank-token";
  std::ofstream(blank) << "  \n";
  Result r = Cli({"import", "gdelt", "--write_token_file", blank, "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("is empty"));
  r = Cli({"import", "gdelt", "--write_token_file", "/nonexistent/token", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("cannot read /nonexistent/token"));
  setenv("DYAD_WRITE_TOKEN", " \t ", 1);
  r = Cli({"import", "gdelt", "x"});
  unsetenv("DYAD_WRITE_TOKEN");
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("DYAD_WRITE_TOKEN is set but holds only whitespace"));
  // A good token and a missing file: a file error, the token nowhere.
  const std::string good = ::testing::TempDir() + "/good-token";
  std::ofstream(good) << "sekrit-42\n";
  r = Cli({"import", "gdelt", "--write_token_file", good, "/nonexistent/a.export.CSV"});
  EXPECT_EQ(r.code, kExitRpcError);
  EXPECT_THAT(r.err, HasSubstr("error: /nonexistent/a.export.CSV: no such file"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("sekrit-42")));
}

TEST(ImportUsageTest, FilesOfAnotherDatasetAreRefusedAndTheNextFileTried) {
  // Neither file reaches the server (port 1): both fail before their first record.
  Result r = Cli({"import", "gdelt", Fixture("importers/wdi-long-fixture.csv"),
                  Fixture("importers/not-a-dataset.json")});
  EXPECT_EQ(r.code, kExitRpcError);
  EXPECT_THAT(r.err, HasSubstr("wdi-long-fixture.csv: not a gdelt file (its content is wdi-long)"));
  EXPECT_THAT(r.err, HasSubstr("not-a-dataset.json"));
  EXPECT_EQ(r.out, "");  // no summary for a file that was never read
}

TEST(ImportUsageTest, HelpDocumentsOptionsOutputAndExitCodes) {
  Result r = Cli({"import", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  for (const char* s : {"gdelt|icews|comtrade|wdi FILE...", "--write_token_file", "DYAD_WRITE_TOKEN",
                        "--batch N", "--max_errors N", "--no_progress", "--show_skipped",
                        "JSON Lines", "rows_read", "problems", "Exit codes", "4 some rows",
                        "--timeout", "gdelt1, gdelt2"}) {
    EXPECT_THAT(r.out, HasSubstr(s));
  }
}

FileReport Sample() {
  FileReport r;
  r.path = "/data/gdelt2-2019.export.CSV";
  r.file = "gdelt2-2019.export.CSV";
  r.format = "gdelt2";
  r.rows_read = 1000;
  r.skipped = 0;
  r.rejected = 2;
  r.created = 990;
  r.updated = 8;
  r.seconds = 0.4;
  r.max_errors = 1000;
  r.problems = {{17, "rejected", "SQLDATE: \"20190231\" is not a YYYYMMDD date"},
                {40, "rejected", "coded.cameo_code: unknown CAMEO code \"0999\""},
                {41, "skipped", "no country"}};
  return r;
}

TEST(ImportFormatTest, SummaryLineAndProblemLines) {
  EXPECT_EQ(FormatReport(Sample(), false),
            "gdelt2-2019.export.CSV: 1,000 rows, 998 records imported (990 created, 8 updated, 0 "
            "unchanged), 0 skipped, 2 rejected in 0.4s (2,500 rows/s)\n"
            "gdelt2-2019.export.CSV:17: rejected: SQLDATE: \"20190231\" is not a YYYYMMDD date\n"
            "gdelt2-2019.export.CSV:40: rejected: coded.cameo_code: unknown CAMEO code \"0999\"\n");
  EXPECT_THAT(FormatReport(Sample(), true),
              HasSubstr("gdelt2-2019.export.CSV:41: skipped: no country\n"));
  FileReport r = Sample();
  r.rejected = 250;  // more than listed
  r.stopped = true;
  r.max_errors = 100;
  const std::string text = FormatReport(r, false);
  EXPECT_THAT(text, HasSubstr("250 rejected in 0.4s (2,500 rows/s); stopped: more than 100 rows "
                              "rejected (--max_errors)\n"));
  EXPECT_THAT(text, HasSubstr("gdelt2-2019.export.CSV: 248 more rejected rows not listed\n"));
}

TEST(ImportFormatTest, JsonLine) {
  FileReport r = Sample();
  r.problems.resize(1);
  EXPECT_EQ(ReportJson(r),
            "{\"path\":\"/data/gdelt2-2019.export.CSV\",\"file\":\"gdelt2-2019.export.CSV\","
            "\"format\":\"gdelt2\",\"rows_read\":1000,\"skipped\":0,\"rejected\":2,\"created\":990,"
            "\"updated\":8,\"unchanged\":0,\"seconds\":0.400,\"stopped\":false,\"problems\":[{"
            "\"line\":17,\"kind\":\"rejected\",\"reason\":\"SQLDATE: \\\"20190231\\\" is not a "
            "YYYYMMDD date\"}]}");
  r.problems.clear();
  r.error = "x.zip: truncated\n\x01";
  EXPECT_THAT(ReportJson(r), HasSubstr("\"error\":\"x.zip: truncated\\n\\u0001\",\"problems\":[]}"));
}

TEST(ImportFormatTest, ProgressLine) {
  EXPECT_EQ(FormatProgress("a.CSV", 25000, 5 << 20, 20 << 20, absl::Seconds(2)),
            "a.CSV  25,000 rows  12,500 rows/s  [#####---------------] 5.0 MiB of 20.0 MiB  "
            "ETA 0:06");
  // Unknown size (or nothing read yet): rows only.
  EXPECT_EQ(FormatProgress("a.zip", 1234, 0, 0, absl::Milliseconds(500)),
            "a.zip  1,234 rows  2,468 rows/s");
  // Long imports show minutes; the bar never overflows.
  EXPECT_THAT(FormatProgress("b", 1, 1000, 100000, absl::Seconds(10)), HasSubstr("ETA 16:30"));
  EXPECT_THAT(FormatProgress("b", 1, 200, 100, absl::Seconds(1)),
              HasSubstr("[####################] 100 B of 100 B  ETA 0:00"));
}

TEST(ImportFormatTest, Thousands) {
  EXPECT_EQ(Thousands(0), "0");
  EXPECT_EQ(Thousands(999), "999");
  EXPECT_EQ(Thousands(1000), "1,000");
  EXPECT_EQ(Thousands(1234567), "1,234,567");
  EXPECT_EQ(Thousands(-45000), "-45,000");
}

}  // namespace
}  // namespace dyad::cli

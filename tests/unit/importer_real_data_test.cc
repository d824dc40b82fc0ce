// The real dataset rows in ../shared/data, used as they are: each file maps
// with zero rejected rows. Skipped when ../shared/data is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "import.h"
#include "importer_test_util.h"
#include "testing/status_matchers.h"

namespace dyad::importers {
namespace {

using testing::CollectingSink;
using testing::RealData;

struct RealFile {
  const char* name;
  Format format;
  int64_t rows;
};

void PrintTo(const RealFile& f, std::ostream* os) { *os << f.name; }

class RealDataTest : public ::testing::TestWithParam<RealFile> {};

TEST_P(RealDataTest, MapsWithZeroRejected) {
  const RealFile& f = GetParam();
  std::string path = RealData(f.name);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent";
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(FileSummary s, ImportFile(path, Format::kAuto, sink));
  EXPECT_EQ(s.format, f.format);
  EXPECT_EQ(s.rows_read, f.rows);
  EXPECT_EQ(s.rejected, 0) << FormatSummary(s);
  EXPECT_EQ(s.rows_mapped + s.skipped, s.rows_read) << FormatSummary(s);
  EXPECT_GT(s.records, 0);
  for (const Event& e : sink.events) {
    EXPECT_GT(e.date().year(), 0);
    EXPECT_FALSE(e.title().empty());
    EXPECT_LE(e.title().size(), 200u);
    EXPECT_EQ(e.citations(0).row().file(), f.name);
  }
  for (const Observation& o : sink.observations) {
    EXPECT_EQ(o.reporter().size(), 3u);
    EXPECT_GT(o.period().year(), 0);
  }
  std::cout << FormatSummary(s).substr(0, 2000);
}

INSTANTIATE_TEST_SUITE_P(
    SharedData, RealDataTest,
    ::testing::Values(
        RealFile{"gdelt2-20191024143000-rows1-1000.export.CSV", Format::kGdelt2, 1000},
        RealFile{"gdelt1-events-sample.tsv", Format::kGdelt1, 710},
        RealFile{"icews-events-2018-sample-rows1-2000.tab", Format::kIcews, 2000},
        RealFile{"comtradeplus-CHN-imports-USA-HS8542.csv", Format::kComtradePlus, 173},
        RealFile{"comtrade-legacy-H4-2016-live-animals.csv", Format::kComtradeClassic, 127},
        RealFile{"API_NY.GDP.PCAP.CD_DS2_en_csv_v2_10181232.csv", Format::kWdiWide, 264}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(RealData, SpotChecks) {
  std::string gdelt = RealData("gdelt2-20191024143000-rows1-1000.export.CSV");
  if (!std::filesystem::exists(gdelt)) GTEST_SKIP();
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(gdelt, Format::kAuto, sink));
  // Line 1: GLOBALEVENTID 881990832, SQLDATE 20181024, Actor2 AUS, EventCode 139.
  const Event& e = sink.events[0];
  EXPECT_EQ(e.citations(0).row().upstream_id(), "881990832");
  EXPECT_EQ(e.date().year(), 2018);
  EXPECT_EQ(e.coded().cameo_code(), "139");
  EXPECT_EQ(e.coded().target_country(), "AUS");
  EXPECT_EQ(e.coded().quad_class(), 3);
  EXPECT_DOUBLE_EQ(e.coded().goldstein(), -7.0);
  EXPECT_EQ(e.citations(0).url().rfind("https://www.timescolonist.com/", 0), 0u);

  CollectingSink plus;
  ASSERT_OK_AND_ASSIGN(auto p, ImportFile(RealData("comtradeplus-CHN-imports-USA-HS8542.csv"),
                                          Format::kAuto, plus));
  // Only the partner2Code 0 totals are imported: one per year 2010..2024.
  EXPECT_EQ(p.rows_mapped, 15);
  std::set<int> years;
  for (const Observation& o : plus.observations) {
    years.insert(o.period().year());
    EXPECT_EQ(o.indicator(), "trade.imports");
    EXPECT_EQ(o.reporter(), "CHN");
    EXPECT_EQ(o.partner(), "USA");
    // The HS edition in force that year: H3 (2010-11), then H4, H5, H6.
    EXPECT_EQ(o.commodity().substr(2), ":8542");
    EXPECT_EQ(o.commodity()[0], 'H');
  }
  EXPECT_EQ(years.size(), 15u);
  EXPECT_EQ(*years.begin(), 2010);

  CollectingSink wdi;
  ASSERT_OK_AND_ASSIGN(auto w, ImportFile(RealData("API_NY.GDP.PCAP.CD_DS2_en_csv_v2_10181232.csv"),
                                          Format::kAuto, wdi));
  // 46 aggregates in the metadata, INX (not classified), the Channel Islands,
  // and 7 economies with no value in any year.
  EXPECT_EQ(w.skipped, 55) << FormatSummary(w);
  bool aze_2017 = false;
  for (const Observation& o : wdi.observations) {
    if (o.reporter() == "AZE" && o.period().year() == 2017) aze_2017 = o.value().value() > 0;
  }
  EXPECT_TRUE(aze_2017);
}

}  // namespace
}  // namespace dyad::importers

// Mappers and the driver over fixtures written from each format's published
// column documentation: every field mapped, and each kind of bad row
// rejected with its line and reason (or skipped, when valid but not imported).
#include <gtest/gtest.h>

#include <fstream>

#include "import.h"
#include "importer_test_util.h"
#include "tables.h"
#include "testing/status_matchers.h"

namespace dyad::importers {
namespace {

using ::testing::HasSubstr;
using testing::CollectingSink;
using testing::Fixture;

// "line: reason" for each rejected row, to compare at once.
std::vector<std::string> Rejected(const FileSummary& s) {
  std::vector<std::string> out;
  for (const auto& p : s.rejected_rows) out.push_back(absl::StrCat(p.line, ": ", p.reason));
  return out;
}
std::vector<int64_t> SkippedLines(const FileSummary& s) {
  std::vector<int64_t> out;
  for (const auto& p : s.skipped_rows) out.push_back(p.line);
  return out;
}

TEST(CodeTables, BuiltinTablesParseAndMap) {
  const CodeTables& t = CodeTables::Builtin();
  EXPECT_TRUE(t.IsIso3("AZE"));
  EXPECT_FALSE(t.IsIso3("ROM"));
  EXPECT_EQ(t.CameoCountry("ROM"), "ROU");
  EXPECT_EQ(t.CameoCountry("CHN"), "CHN");
  EXPECT_EQ(t.CameoCountry("WST"), "");
  EXPECT_EQ(t.CameoCountry("XYZ"), std::nullopt);
  EXPECT_EQ(t.CountryByName("Russian Federation"), "RUS");
  EXPECT_EQ(t.CountryByName("korea, north"), "PRK");
  EXPECT_EQ(t.CountryByName("Occupied Palestinian Territory"), "PSE");
  EXPECT_EQ(t.CountryByName("Atlantis"), std::nullopt);
  EXPECT_EQ(t.ComtradeArea(842)->iso3, "USA");
  EXPECT_EQ(t.ComtradeArea(251)->iso3, "FRA");
  EXPECT_EQ(t.ComtradeArea(699)->iso3, "IND");
  EXPECT_EQ(t.ComtradeArea(757)->iso3, "CHE");
  EXPECT_EQ(t.ComtradeArea(579)->iso3, "NOR");
  EXPECT_EQ(t.ComtradeArea(0)->iso3, "WLD");
  EXPECT_EQ(t.ComtradeArea(31)->iso3, "AZE");
  EXPECT_EQ(t.ComtradeArea(156)->iso3, "CHN");
  EXPECT_EQ(t.ComtradeArea(490)->iso3, "");
  // Former areas: read as the one present country that continues them, or
  // skipped (no single successor).
  EXPECT_EQ(t.ComtradeArea(381)->iso3, "ITA");
  EXPECT_EQ(t.ComtradeArea(736)->iso3, "SDN");
  EXPECT_EQ(t.ComtradeArea(280)->iso3, "DEU");
  EXPECT_EQ(t.ComtradeArea(810)->iso3, "");
  EXPECT_EQ(t.ComtradeArea(891)->iso3, "");
  EXPECT_FALSE(t.ComtradeArea(999).has_value());
  EXPECT_TRUE(t.WdiSkipReason("EMU").has_value());
  EXPECT_FALSE(t.WdiSkipReason("AZE").has_value());
}

TEST(CodeTables, AnEntryMappingToANonIsoCodeIsRejected) {
  EXPECT_STATUS(CodeTables::Parse("AZE\t031\tAzerbaijan\n", "", "Azeri\tAZR\n", "", ""),
                absl::StatusCode::kInvalidArgument, "country_aliases.tsv:1: AZR");
}

TEST(MapGdelt, MapsEveryUsedColumn) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("gdelt2-fixture.export.CSV"), Format::kAuto, sink));
  ASSERT_EQ(sink.events.size(), 4u);
  const Event& e = sink.events[0];
  EXPECT_EQ(e.kind(), "");  // resolved by the events service from the CAMEO taxonomy
  EXPECT_EQ(e.title(), "AZERBAIJAN → CHINA, CAMEO 0421");
  EXPECT_EQ(e.date().year(), 2019);
  EXPECT_EQ(e.date().month(), 3);
  EXPECT_EQ(e.date().day(), 15);
  EXPECT_EQ(std::vector<std::string>(e.countries().begin(), e.countries().end()),
            (std::vector<std::string>{"AZE", "CHN"}));
  EXPECT_EQ(e.origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
  const auto& c = e.coded();
  EXPECT_EQ(c.dataset(), "gdelt-2.0");
  EXPECT_EQ(c.cameo_code(), "0421");
  EXPECT_EQ(c.source_country(), "AZE");
  EXPECT_EQ(c.target_country(), "CHN");
  EXPECT_EQ(c.source_actor(), "AZERBAIJAN");
  EXPECT_EQ(c.quad_class(), 1);
  EXPECT_DOUBLE_EQ(c.goldstein(), 1.9);
  EXPECT_DOUBLE_EQ(c.avg_tone(), -1.25);
  EXPECT_EQ(c.num_mentions(), 4);
  EXPECT_EQ(c.num_sources(), 2);
  EXPECT_EQ(c.num_articles(), 4);
  EXPECT_TRUE(c.root_event());
  EXPECT_FALSE(c.has_intensity());
  ASSERT_EQ(e.citations_size(), 1);
  EXPECT_EQ(e.citations(0).source_id(), "gdelt-2.0");
  EXPECT_EQ(e.citations(0).locator(), "GLOBALEVENTID 1000000001");
  EXPECT_EQ(e.citations(0).url(), "https://example.org/news/1");
  EXPECT_EQ(e.citations(0).row().upstream_id(), "1000000001");
  EXPECT_EQ(e.citations(0).row().file(), "gdelt2-fixture.export.CSV");
  EXPECT_EQ(e.citations(0).row().line(), 1);

  EXPECT_EQ(sink.events[1].title(), "CHINA, CAMEO 190");
  EXPECT_EQ(sink.events[1].countries_size(), 1);
  // CAMEO's ROM is Romania; EUR is a region, so the actor has no country.
  EXPECT_EQ(std::vector<std::string>(sink.events[2].countries().begin(),
                                     sink.events[2].countries().end()),
            (std::vector<std::string>{"ROU"}));
  EXPECT_EQ(sink.events[3].countries_size(), 0);  // no country named: still a record
  EXPECT_EQ(sink.events[3].title(), "CAMEO 0421 event");

  EXPECT_EQ(s.rows_read, 8);
  EXPECT_EQ(s.rows_mapped, 4);
  EXPECT_EQ(s.rejected, 4);
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{
                             "3: columns: row has 40 columns, GDELT 2.0 has 61",
                             "4: SQLDATE: \"20190231\" is not a YYYYMMDD date",
                             "5: Actor1CountryCode: unknown CAMEO country code \"XYZ\"",
                             "6: GoldsteinScale: \"high\" is not a number"}));
}

TEST(MapGdelt, Version1TakesBothLayoutsAndAnExplicitFormatWins) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("gdelt1-fixture.tsv"), Format::kAuto, sink));
  EXPECT_EQ(s.format, Format::kGdelt1);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].citations(0).url(), "");  // 57 columns: no SOURCEURL
  EXPECT_EQ(sink.events[1].citations(0).url(), "https://example.org/news/2");
  EXPECT_EQ(sink.events[0].coded().dataset(), "gdelt-1.0");
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{
                             "3: columns: row has 61 columns, GDELT 1.0 has 57 or 58"}));
  // Told it is GDELT 2.0, the same file's 57/58-column rows are rejected.
  CollectingSink sink2;
  ASSERT_OK_AND_ASSIGN(auto s2, ImportFile(Fixture("gdelt1-fixture.tsv"), Format::kGdelt2, sink2));
  EXPECT_EQ(s2.rejected, 2);
  EXPECT_EQ(s2.rows_mapped, 1);
}

TEST(ImportFile, ZipAndTruncatedZip) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("gdelt2-fixture.export.CSV.zip"), Format::kAuto, sink));
  EXPECT_EQ(s.rows_mapped, 4);
  EXPECT_EQ(s.rejected, 4);
  CollectingSink sink2;
  EXPECT_STATUS(ImportFile(Fixture("gdelt2-truncated.export.CSV.zip"), Format::kAuto, sink2),
                absl::StatusCode::kDataLoss, "gdelt2-truncated.export.CSV.zip: truncated");
  EXPECT_STATUS(ImportFile(Fixture("not-a-dataset.json"), Format::kAuto, sink2),
                absl::StatusCode::kInvalidArgument, "not-a-dataset.json");
}

TEST(MapIcews, NamesAliasesAndMissingValues) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("icews-fixture.tab"), Format::kAuto, sink));
  EXPECT_EQ(s.format, Format::kIcews);
  ASSERT_EQ(sink.events.size(), 4u);
  const Event& e = sink.events[0];
  EXPECT_EQ(e.title(), "Government (Azerbaijan) → China, CAMEO 040");
  EXPECT_EQ(e.coded().dataset(), "icews");
  EXPECT_EQ(e.coded().source_country(), "AZE");
  EXPECT_EQ(e.coded().target_country(), "CHN");
  EXPECT_DOUBLE_EQ(e.coded().intensity(), 1);
  EXPECT_FALSE(e.coded().has_goldstein());
  EXPECT_EQ(e.location().name(), "Baku");
  EXPECT_EQ(e.location().country(), "AZE");
  EXPECT_EQ(e.citations(0).source_id(), "icews");
  EXPECT_EQ(e.citations(0).locator(), "story 900 sentence 2");
  EXPECT_EQ(e.citations(0).row().upstream_id(), "5001");
  EXPECT_EQ(e.citations(0).row().line(), 2);
  // Empty and NA alike are missing.
  const Event& m = sink.events[1];
  EXPECT_EQ(m.countries_size(), 0);
  EXPECT_FALSE(m.coded().has_intensity());
  EXPECT_EQ(m.coded().source_actor(), "");
  EXPECT_FALSE(m.has_location());
  EXPECT_EQ(sink.events[2].coded().source_country(), "PRK");
  EXPECT_EQ(sink.events[2].coded().target_country(), "RUS");
  EXPECT_EQ(sink.events[3].coded().source_country(), "PSE");
  EXPECT_EQ(sink.events[3].coded().target_country(), "MKD");
  EXPECT_EQ(sink.events[3].location().country(), "COD");
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{
                             "5: Target Country: unknown country \"Atlantis\"",
                             "6: Event Date: \"2018-13-01\" is not a YYYY-MM-DD date",
                             "7: Intensity: \"strong\" is not a number",
                             "8: columns: row has 4 columns, the header 20"}));
}

TEST(MapComtrade, ClassicLayout) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("comtrade-classic-fixture.csv"), Format::kAuto, sink));
  ASSERT_EQ(sink.observations.size(), 3u);
  const Observation& o = sink.observations[0];
  EXPECT_EQ(o.indicator(), "trade.exports");
  EXPECT_EQ(o.reporter(), "AZE");
  EXPECT_EQ(o.partner(), "CHN");
  EXPECT_EQ(o.period().year(), 2016);
  EXPECT_EQ(o.period().month(), 0);
  EXPECT_EQ(o.value().value(), 123456789);
  EXPECT_EQ(o.value().unit(), "USD");
  EXPECT_EQ(o.value().qualifier(), dyad::type::v1::Quantity::QUALIFIER_EXACT);
  EXPECT_EQ(o.commodity(), "");  // TOTAL
  EXPECT_EQ(o.origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
  EXPECT_EQ(o.citations(0).source_id(), "comtrade");
  EXPECT_EQ(o.citations(0).row().upstream_id(), "HS|2016|X|31|156|TOTAL");
  EXPECT_EQ(o.citations(0).row().line(), 2);
  const Observation& hk = sink.observations[1];
  EXPECT_EQ(hk.indicator(), "trade.imports");
  EXPECT_EQ(hk.reporter(), "HKG");
  EXPECT_EQ(hk.partner(), "WLD");
  EXPECT_EQ(hk.period().month(), 3);
  EXPECT_EQ(hk.commodity(), "HS:85");
  EXPECT_DOUBLE_EQ(hk.value().value(), 98765.5);
  const Observation& rm = sink.observations[2];
  EXPECT_EQ(rm.indicator(), "trade.reimports");
  EXPECT_EQ(rm.reporter(), "IND");
  EXPECT_EQ(rm.partner(), "NOR");
  EXPECT_EQ(rm.citations(0).row().line(), 7);
  EXPECT_EQ(SkippedLines(s), (std::vector<int64_t>{4}));
  EXPECT_THAT(s.skipped_rows[0].reason, HasSubstr("490 (Other Asia, nes) is no single country"));
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{
                             "5: reporterCode: unknown Comtrade area code 999",
                             "6: trade value: \"lots\" is not a non-negative number",
                             "9: columns: row has 14 columns, the header 35"}));
}

TEST(MapComtrade, PlusLayoutFromNumericCodesOnly) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("comtradeplus-fixture.csv"), Format::kAuto, sink));
  EXPECT_EQ(s.format, Format::kComtradePlus);
  ASSERT_EQ(sink.observations.size(), 3u);
  EXPECT_EQ(sink.observations[0].indicator(), "trade.exports");
  EXPECT_EQ(sink.observations[0].reporter(), "AZE");
  EXPECT_EQ(sink.observations[0].partner(), "CHN");
  EXPECT_EQ(sink.observations[0].commodity(), "H5:2709");
  EXPECT_EQ(sink.observations[1].period().month(), 3);
  EXPECT_EQ(sink.observations[1].commodity(), "");
  EXPECT_EQ(sink.observations[2].partner(), "USA");
  EXPECT_EQ(SkippedLines(s), (std::vector<int64_t>{4, 5}));
  EXPECT_THAT(s.skipped_rows[0].reason, HasSubstr("partner2Code 410"));
  EXPECT_THAT(s.skipped_rows[1].reason, HasSubstr("trade flow DX"));
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{
                             "7: period: \"20201\" is not YYYY or YYYYMM"}));
}

TEST(MapWdi, WideLayout) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("wdi-wide-fixture.csv"), Format::kAuto, sink));
  ASSERT_EQ(sink.observations.size(), 2u);
  const Observation& o = sink.observations[0];
  EXPECT_EQ(o.indicator(), "wdi.NY.GDP.PCAP.CD");
  EXPECT_EQ(o.reporter(), "AZE");
  EXPECT_EQ(o.partner(), "");
  EXPECT_EQ(o.period().year(), 2017);
  EXPECT_DOUBLE_EQ(o.value().value(), 4147.1);
  EXPECT_EQ(o.value().unit(), "");  // the indicator's unit is the service's business
  EXPECT_EQ(o.citations(0).source_id(), "wdi");
  EXPECT_EQ(o.citations(0).row().upstream_id(), "NY.GDP.PCAP.CD|AZE|2017");
  EXPECT_EQ(o.citations(0).row().line(), 6);
  EXPECT_EQ(sink.observations[1].period().year(), 2018);
  EXPECT_EQ(s.rows_read, 4);
  EXPECT_EQ(s.rows_mapped, 1);
  EXPECT_EQ(SkippedLines(s), (std::vector<int64_t>{7, 9}));
  EXPECT_THAT(s.skipped_rows[0].reason, HasSubstr("aggregate: Euro area"));
  EXPECT_THAT(s.skipped_rows[1].reason, HasSubstr("XKX: no value in any year"));
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{"8: value for 2018: \"x\" is not a number"}));
}

TEST(MapWdi, LongLayout) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("wdi-long-fixture.csv"), Format::kAuto, sink));
  EXPECT_EQ(s.format, Format::kWdiLong);
  ASSERT_EQ(sink.observations.size(), 2u);
  EXPECT_EQ(sink.observations[0].indicator(), "wdi.NY.GDP.MKTP.CD");
  EXPECT_EQ(sink.observations[1].period().year(), 2019);
  EXPECT_EQ(sink.observations[1].reporter(), "CHN");
  EXPECT_EQ(SkippedLines(s), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(Rejected(s), (std::vector<std::string>{
                             "5: Country Code: \"ATL\" is not an ISO 3166-1 code",
                             "6: value for 2019: \"n/a\" is not a number"}));
}

TEST(FormatSummary, CountsAndProblemLines) {
  CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(Fixture("wdi-long-fixture.csv"), Format::kAuto, sink));
  std::string text = FormatSummary(s);
  EXPECT_THAT(text, HasSubstr("wdi-long-fixture.csv (wdi-long): 6 rows read, 2 mapped (2 records), "
                              "2 skipped, 2 rejected"));
  EXPECT_THAT(text, HasSubstr("wdi-long-fixture.csv:5: rejected: Country Code"));
}

}  // namespace
}  // namespace dyad::importers

namespace dyad::importers {
namespace {

TEST(ImportFile, UnterminatedQuoteIsRejectedAtTheLineItStarts) {
  std::string path = ::testing::TempDir() + "/unterminated-quote.csv";
  {
    std::ofstream out(path);
    out << "Country Name,Country Code,Indicator Code,Year,Value\n"
        << "Azerbaijan,AZE,NY.GDP.MKTP.CD,2019,1\n"
        << "\"Azerbaijan,AZE,NY.GDP.MKTP.CD,2019,2\n"
        << "China,CHN,NY.GDP.MKTP.CD,2019,3\n";
  }
  testing::CollectingSink sink;
  ASSERT_OK_AND_ASSIGN(auto s, ImportFile(path, Format::kAuto, sink));
  EXPECT_EQ(s.rows_mapped, 1);
  ASSERT_EQ(s.rejected, 1);
  EXPECT_EQ(s.rejected_rows[0].line, 3);
  EXPECT_THAT(s.rejected_rows[0].reason, ::testing::HasSubstr("columns: row has 1 columns"));
}

}  // namespace
}  // namespace dyad::importers

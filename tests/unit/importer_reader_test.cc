// Readers: lines, TSV and quoted CSV rows with their lines, zip streams,
// format detection, and the errors for files that are not what they claim.
#include <gtest/gtest.h>

#include <filesystem>

#include "format.h"
#include "import.h"
#include "importer_test_util.h"
#include "reader.h"
#include "testing/status_matchers.h"

namespace dyad::importers {
namespace {

using testing::Fixture;

TEST(NormaliseHeader, SpellingVariantsMeet) {
  EXPECT_EQ(NormaliseHeader("Trade Value (US$)"), "tradevalueus");
  EXPECT_EQ(NormaliseHeader("TradeValueUS"), "tradevalueus");
  EXPECT_EQ(NormaliseHeader("Netweight (kg)"), NormaliseHeader("Netweightkg"));
  EXPECT_EQ(NormaliseHeader("TradeFlow Code"), NormaliseHeader("Trade Flow Code"));
}

TEST(ParseCsvLine, QuotesAndEmbeddedCommas) {
  auto f = ParseCsvLine(R"(a,"b, c","say ""hi""",)");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[1], "b, c");
  EXPECT_EQ(f[2], "say \"hi\"");
  EXPECT_EQ(f[3], "");
}

TEST(DetectFormat, EachFormatFromItsFirstLine) {
  std::string gdelt2 = "1";
  for (int i = 1; i < 61; ++i) gdelt2 += "\tx";
  EXPECT_EQ(*DetectFormat(gdelt2, "f"), Format::kGdelt2);
  std::string gdelt1 = "1";
  for (int i = 1; i < 57; ++i) gdelt1 += "\tx";
  EXPECT_EQ(*DetectFormat(gdelt1, "f"), Format::kGdelt1);
  EXPECT_EQ(*DetectFormat("Event ID\tEvent Date\tSource Name", "f"), Format::kIcews);
  EXPECT_EQ(*DetectFormat("typeCode,freqCode,reporterCode,flowCode,primaryValue", "f"),
            Format::kComtradePlus);
  EXPECT_EQ(*DetectFormat("Classification,Year,Reporter Code,TradeFlow Code", "f"),
            Format::kComtradeClassic);
  EXPECT_EQ(*DetectFormat("\"Data Source\",\"World Development Indicators\",", "f"),
            Format::kWdiWide);
  EXPECT_EQ(*DetectFormat("Country Name,Country Code,Indicator Code,Year,Value", "f"),
            Format::kWdiLong);
  EXPECT_STATUS(DetectFormat("1\t2\t3", "x.tsv"), absl::StatusCode::kInvalidArgument,
                "x.tsv: not a GDELT");
  EXPECT_STATUS(DetectFormat("\"Country Code\",\"Region\",\"IncomeGroup\"", "m.csv"),
                absl::StatusCode::kInvalidArgument, "WDI country metadata");
}

TEST(ParseFormat, NamesAndErrors) {
  EXPECT_EQ(*ParseFormat("comtrade-plus"), Format::kComtradePlus);
  EXPECT_EQ(*ParseFormat("gdelt"), Format::kGdelt);
  EXPECT_EQ(*ParseFormat("wdi-wide"), Format::kWdiWide);
  EXPECT_STATUS(ParseFormat("csv"), absl::StatusCode::kInvalidArgument,
                "format: \"csv\" is not one of auto, gdelt, comtrade, wdi");
}

TEST(OpenReader, AFamilyDetectsItsLayoutAndRefusesAnotherDataset) {
  ASSERT_OK_AND_ASSIGN(auto r, OpenReader(Fixture("comtradeplus-fixture.csv"), Format::kComtrade));
  EXPECT_EQ(r->format(), Format::kComtradePlus);
  ASSERT_OK_AND_ASSIGN(auto w, OpenReader(Fixture("wdi-long-fixture.csv"), Format::kWdi));
  EXPECT_EQ(w->format(), Format::kWdiLong);
  EXPECT_STATUS(OpenReader(Fixture("wdi-long-fixture.csv"), Format::kGdelt),
                absl::StatusCode::kInvalidArgument,
                "wdi-long-fixture.csv: not a gdelt file (its content is wdi-long)");
}

TEST(OpenReader, GdeltRowsCarryTheirLineSkippingBlankLines) {
  ASSERT_OK_AND_ASSIGN(auto r, OpenReader(Fixture("gdelt2-fixture.export.CSV"), Format::kAuto));
  EXPECT_EQ(r->format(), Format::kGdelt2);
  std::vector<int64_t> lines;
  std::vector<size_t> widths;
  while (const Row* row = r->Next()) {
    lines.push_back(row->line);
    widths.push_back(row->fields.size());
    EXPECT_EQ(row->file, "gdelt2-fixture.export.CSV");
  }
  ASSERT_OK(r->status());
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 9}));
  EXPECT_EQ(widths[2], 40u);
  EXPECT_EQ(widths[0], 61u);
}

TEST(OpenReader, ZipIsReadAsAStreamWithTheSameRows) {
  ASSERT_OK_AND_ASSIGN(auto plain, OpenReader(Fixture("gdelt2-fixture.export.CSV"), Format::kAuto));
  ASSERT_OK_AND_ASSIGN(auto zip, OpenReader(Fixture("gdelt2-fixture.export.CSV.zip"), Format::kAuto));
  EXPECT_EQ(zip->format(), Format::kGdelt2);
  int n = 0;
  while (const Row* a = plain->Next()) {
    const Row* b = zip->Next();
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->line, b->line);
    EXPECT_EQ(std::vector<std::string>(a->fields.begin(), a->fields.end()),
              std::vector<std::string>(b->fields.begin(), b->fields.end()));
    ++n;
  }
  EXPECT_EQ(zip->Next(), nullptr);
  ASSERT_OK(zip->status());
  EXPECT_EQ(n, 8);
}

TEST(OpenReader, TruncatedZipIsDataLossNamingTheFile) {
  auto r = OpenReader(Fixture("gdelt2-truncated.export.CSV.zip"), Format::kGdelt2);
  absl::Status s = r.ok() ? absl::OkStatus() : r.status();
  if (r.ok()) {
    int n = 0;
    while ((*r)->Next() != nullptr && n < 1000000) ++n;
    s = (*r)->status();
  }
  EXPECT_STATUS(s, absl::StatusCode::kDataLoss, "gdelt2-truncated.export.CSV.zip: truncated");
}

TEST(OpenReader, OtherFormatsAndMissingFilesAreClearErrors) {
  EXPECT_STATUS(OpenReader(Fixture("not-a-dataset.json"), Format::kAuto),
                absl::StatusCode::kInvalidArgument, "not-a-dataset.json: not a GDELT");
  EXPECT_STATUS(OpenReader(Fixture("binary.dat"), Format::kAuto),
                absl::StatusCode::kInvalidArgument, "binary.dat: not a text file");
  EXPECT_STATUS(OpenReader(Fixture("no-such-file.csv"), Format::kAuto),
                absl::StatusCode::kNotFound, "no-such-file.csv");
}

TEST(OpenReader, CsvRecordsSpanningLinesStartOnTheirFirstLine) {
  ASSERT_OK_AND_ASSIGN(auto r, OpenReader(Fixture("comtrade-classic-fixture.csv"), Format::kAuto));
  EXPECT_EQ(r->format(), Format::kComtradeClassic);
  ASSERT_EQ(r->header().size(), 35u);
  std::vector<int64_t> lines;
  std::string multi;
  while (const Row* row = r->Next()) {
    lines.push_back(row->line);
    if (row->line == 7) multi = std::string(row->fields[22]);
    if (row->line == 3) EXPECT_EQ(row->fields[9], "China, Hong Kong SAR");
  }
  ASSERT_OK(r->status());
  EXPECT_EQ(lines, (std::vector<int64_t>{2, 3, 4, 5, 6, 7, 9}));
  EXPECT_EQ(multi, "Multi-line \ndescription");
}

TEST(OpenReader, WdiPreambleAndBomAreSkipped) {
  ASSERT_OK_AND_ASSIGN(auto r, OpenReader(Fixture("wdi-wide-fixture.csv"), Format::kAuto));
  EXPECT_EQ(r->format(), Format::kWdiWide);
  ASSERT_GE(r->header().size(), 4u);
  EXPECT_EQ(r->header()[0], "Country Name");
  const Row* row = r->Next();
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->line, 6);
  EXPECT_EQ(row->fields[1], "AZE");
}

// Serves a string a few bytes at a time, so lines cross every refill.
class TrickleSource : public ByteSource {
 public:
  TrickleSource(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, step_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  size_t step_;
  size_t pos_ = 0;
};

// The on_row hook sees the counts and the bytes of the file consumed (the
// compressed bytes for a .zip), and stops the file when it returns false.
TEST(ImportFile, OnRowReportsBytesConsumedAndCanStop) {
  for (const char* name : {"gdelt2-fixture.export.CSV", "gdelt2-fixture.export.CSV.zip"}) {
    SCOPED_TRACE(name);
    const std::string path = Fixture(name);
    const int64_t size = static_cast<int64_t>(std::filesystem::file_size(path));
    testing::CollectingSink sink;
    int64_t calls = 0, last_bytes = 0;
    ImportOptions o;
    o.on_row = [&](const FileSummary& s, int64_t bytes) {
      EXPECT_EQ(s.rows_read, ++calls);
      EXPECT_GE(bytes, last_bytes);
      last_bytes = bytes;
      return true;
    };
    ASSERT_OK_AND_ASSIGN(FileSummary all, ImportFile(path, Format::kGdelt, sink, o));
    EXPECT_FALSE(all.stopped);
    EXPECT_EQ(calls, all.rows_read);
    EXPECT_GT(last_bytes, 0);
    EXPECT_LE(last_bytes, size);
    o.on_row = [](const FileSummary& s, int64_t) { return s.rows_read < 2; };
    ASSERT_OK_AND_ASSIGN(FileSummary two, ImportFile(path, Format::kGdelt, sink, o));
    EXPECT_TRUE(two.stopped);
    EXPECT_EQ(two.rows_read, 2);
  }
}

TEST(LineReader, LinesAcrossRefillsCrlfBomAndNoFinalNewline) {
  std::string text = "\xEF\xBB\xBF" "first\r\n\nthird line is longer\nlast";
  for (size_t step : {1u, 2u, 3u, 7u, 64u}) {
    LineReader lines(std::make_unique<TrickleSource>(text, step), "t.csv");
    std::vector<std::string> got;
    while (auto l = lines.Next()) got.emplace_back(*l);
    ASSERT_OK(lines.status());
    EXPECT_EQ(got, (std::vector<std::string>{"first", "", "third line is longer", "last"}))
        << "step " << step;
    EXPECT_EQ(lines.line(), 4);
  }
}

TEST(LineReader, OverlongLineIsAnErrorNotUnboundedMemory) {
  class Endless : public ByteSource {
   public:
    absl::StatusOr<size_t> Read(char* buf, size_t n) override {
      std::fill(buf, buf + n, 'x');
      return n;
    }
  };
  LineReader lines(std::make_unique<Endless>(), "endless.csv", 1 << 20);
  EXPECT_FALSE(lines.Next().has_value());
  EXPECT_STATUS(lines.status(), absl::StatusCode::kInvalidArgument, "endless.csv:1: line longer");
}

}  // namespace
}  // namespace dyad::importers

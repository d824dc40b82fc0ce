// `dyad export` rows (clients/cpp/export_format.h): partial dates,
// quantities and citations flattened into the documented columns, CSV
// quoting, JSON Lines; and the quantity interval agrees with the economics
// service's reconcile rule.
#include "export_format.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "reconcile.h"

namespace dyad::cli {
namespace {

using dyad::type::v1::PartialDate;
using dyad::type::v1::Quantity;

PartialDate Date(int y, int m = 0, int d = 0) {
  PartialDate p;
  p.set_year(y);
  p.set_month(m);
  p.set_day(d);
  return p;
}

std::string Column(const std::vector<std::string>& columns, const std::vector<std::string>& row,
                   const std::string& name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return row.at(i);
  }
  ADD_FAILURE() << "no column " << name;
  return "";
}

TEST(ExportFormatTest, PartialDatesBecomePrecisionAndFirstAndLastDay) {
  PartialDate y = Date(1994), m = Date(2012, 2), d = Date(2015, 12, 8);
  EXPECT_EQ(DateColumns(&y), (std::vector<std::string>{"1994", "year", "1994-01-01", "1994-12-31"}));
  EXPECT_EQ(DateColumns(&m), (std::vector<std::string>{"2012-02", "month", "2012-02-01", "2012-02-29"}));
  EXPECT_EQ(DateColumns(&d), (std::vector<std::string>{"2015-12-08", "day", "2015-12-08", "2015-12-08"}));
  PartialDate unknown;
  EXPECT_EQ(DateColumns(&unknown), (std::vector<std::string>{"", "", "", ""}));
  EXPECT_EQ(DateColumns(nullptr), (std::vector<std::string>{"", "", "", ""}));
}

TEST(ExportFormatTest, QuantitiesCarryQualifierAndTheirInterval) {
  Quantity q;
  q.set_value(800e6);
  q.set_unit("USD");
  q.set_qualifier(Quantity::QUALIFIER_AT_LEAST);
  q.set_as_written("over $800 million");
  EXPECT_EQ(QuantityColumns(&q),
            (std::vector<std::string>{"800000000", "USD", "at_least", "", "0", "over $800 million",
                                      "800000000", "900000000"}));
  Quantity range;
  range.set_value(300000);
  range.set_upper(400000);
  range.set_unit("count");
  range.set_qualifier(Quantity::QUALIFIER_RANGE);
  auto r = QuantityColumns(&range);
  EXPECT_EQ(r[2], "range");
  EXPECT_EQ(r[3], "400000");
  EXPECT_EQ(r[6], "300000");
  EXPECT_EQ(r[7], "400000");
  Quantity unstated;  // no qualifier: read as exact
  unstated.set_value(2.2e9);
  unstated.set_precision(1e8);
  auto u = QuantityColumns(&unstated);
  EXPECT_EQ(u[2], "exact");
  EXPECT_EQ(u[6], "2150000000");
  EXPECT_EQ(u[7], "2250000000");
  Quantity almost;  // at most 0: unbounded below
  almost.set_qualifier(Quantity::QUALIFIER_AT_MOST);
  EXPECT_EQ(QuantityColumns(&almost)[6], "-inf");
  EXPECT_EQ(QuantityColumns(nullptr), std::vector<std::string>(8));
}

TEST(ExportFormatTest, IntervalIsTheEconomicsServiceRule) {
  for (int qual = 0; qual <= 5; ++qual) {
    for (double v : {0.0, 120.0, 66.7, 1.3e9, 1432e6, 0.25, 561e6}) {
      for (double p : {0.0, 0.1, 1e6}) {
        Quantity q;
        q.set_value(v);
        q.set_precision(p);
        q.set_upper(v * 1.5);
        q.set_qualifier(static_cast<Quantity::Qualifier>(qual));
        auto cols = QuantityColumns(&q);
        auto iv = dyad::economics::IntervalOf(q);
        EXPECT_EQ(cols[6], FormatDouble(iv.lo)) << q.ShortDebugString();
        EXPECT_EQ(cols[7], FormatDouble(iv.hi)) << q.ShortDebugString();
      }
    }
  }
}

TEST(ExportFormatTest, DoublesReadBackExactly) {
  for (double v : {0.1, 2.2e9, -3.5, 1.0 / 3, 1e300, 5e-324}) {
    EXPECT_EQ(std::strtod(FormatDouble(v).c_str(), nullptr), v) << FormatDouble(v);
  }
  EXPECT_EQ(FormatDouble(2200000000), "2200000000");
}

TEST(ExportFormatTest, EventRowFlattensEveryColumn) {
  dyad::events::v1::Event e;
  e.set_name("events/x");
  e.set_kind("diplomacy.visit");
  e.set_title("Visit, \"official\"");
  *e.mutable_date() = Date(2015, 12);
  e.add_countries("AZE");
  e.add_countries("CHN");
  auto* c = e.add_citations();
  c->set_source_id("jafarli");
  c->set_locator("p12");
  c = e.add_citations();
  c->set_source_id("valiyev");
  c->set_locator("p6");
  c = e.add_citations();
  c->set_source_id("jafarli");
  c->set_locator("p13");
  e.set_origin(dyad::type::v1::ORIGIN_CURATED);
  const auto& cols = EventColumns();
  auto row = EventRow(e);
  ASSERT_EQ(row.size(), cols.size());
  EXPECT_EQ(Column(cols, row, "date_precision"), "month");
  EXPECT_EQ(Column(cols, row, "date_end"), "2015-12-31");
  EXPECT_EQ(Column(cols, row, "end_date"), "");
  EXPECT_EQ(Column(cols, row, "countries"), "AZE;CHN");
  EXPECT_EQ(Column(cols, row, "citations"), "jafarli p12; valiyev p6; jafarli p13");
  EXPECT_EQ(Column(cols, row, "source_ids"), "jafarli;valiyev");
  EXPECT_EQ(Column(cols, row, "origin"), "curated");
  EXPECT_EQ(Column(cols, row, "coded_goldstein"), "");
  e.mutable_coded()->set_goldstein(-2.5);
  e.mutable_coded()->set_quad_class(3);
  row = EventRow(e);
  EXPECT_EQ(Column(cols, row, "coded_goldstein"), "-2.5");
  EXPECT_EQ(Column(cols, row, "coded_avg_tone"), "");
  EXPECT_EQ(Column(cols, row, "coded_quad_class"), "3");
  EXPECT_EQ(Column(cols, row, "coded_root_event"), "false");

  const std::string line = CsvLine(row);
  EXPECT_NE(line.find(",\"Visit, \"\"official\"\"\","), std::string::npos) << line;
  EXPECT_EQ(line.back(), '\n');
}

TEST(ExportFormatTest, OtherRecordsHaveOneValuePerColumn) {
  dyad::economics::v1::Observation o;
  o.mutable_value()->set_value(1);
  EXPECT_EQ(ObservationRow(o).size(), ObservationColumns().size());
  dyad::institutions::v1::Institution i;
  i.set_status(dyad::institutions::v1::Institution::STATUS_ACTIVE);
  auto row = InstitutionRow(i);
  ASSERT_EQ(row.size(), InstitutionColumns().size());
  EXPECT_EQ(Column(InstitutionColumns(), row, "status"), "active");
}

TEST(ExportFormatTest, CsvQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvLine({"a", "b c", "", "x,y", "line\nbreak", "q\"q"}),
            "a,b c,,\"x,y\",\"line\nbreak\",\"q\"\"q\"\n");
}

TEST(ExportFormatTest, JsonLinesAreOneLine) {
  dyad::events::v1::Event e;
  e.set_name("events/x");
  e.set_summary("two\nlines");
  const std::string line = JsonLine(e);
  EXPECT_EQ(line, "{\"name\":\"events/x\",\"summary\":\"two\\nlines\"}\n");
}

}  // namespace
}  // namespace dyad::cli

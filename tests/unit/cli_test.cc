#include <sstream>

#include "args.h"
#include "cli.h"
#include "table.h"
#include "testing/status_matchers.h"

namespace dyad::cli {
namespace {

TEST(ArgsTest, ParsesValuesFlagsAndPositionals) {
  ASSERT_OK_AND_ASSIGN(Args a, Args::Parse({"--from", "2015", "--to=2016-04", "x", "--all", "--page_size", "3"},
                                           {"from", "to", "page-size"}, {"all"}));
  EXPECT_EQ(*a.Get("from"), "2015");
  EXPECT_EQ(*a.Get("to"), "2016-04");
  EXPECT_TRUE(a.Has("all"));
  EXPECT_EQ(*a.Int("page-size", 0), 3);
  EXPECT_EQ(a.positional(), std::vector<std::string>{"x"});
  ASSERT_OK_AND_ASSIGN(auto d, a.Date("to"));
  EXPECT_EQ(d->year(), 2016);
  EXPECT_EQ(d->month(), 4);
  EXPECT_EQ(d->day(), 0);
}

TEST(ArgsTest, RejectsUnknownOptionsMissingValuesAndBadNumbers) {
  EXPECT_STATUS(Args::Parse({"--nope"}, {}, {}), absl::StatusCode::kInvalidArgument, "--nope");
  EXPECT_STATUS(Args::Parse({"--from"}, {"from"}, {}), absl::StatusCode::kInvalidArgument,
                "needs a value");
  EXPECT_STATUS(Args::Parse({"--all=1"}, {}, {"all"}), absl::StatusCode::kInvalidArgument,
                "takes no value");
  ASSERT_OK_AND_ASSIGN(Args a, Args::Parse({"--page-size", "x", "--from", "20x5"},
                                           {"page-size", "from"}, {}));
  EXPECT_STATUS(a.Int("page-size", 0), absl::StatusCode::kInvalidArgument, "--page-size");
  EXPECT_STATUS(a.Date("from"), absl::StatusCode::kInvalidArgument, "--from");
}

TEST(ArgsTest, ListsAreUpperCased) {
  ASSERT_OK_AND_ASSIGN(Args a, Args::Parse({"--countries", "aze, chn,"}, {"countries"}, {}));
  EXPECT_EQ(a.List("countries"), (std::vector<std::string>{"AZE", "CHN"}));
}

TEST(TableTest, AlignsByCodePointsAndCutsLongCells) {
  Table t({"a", "b"}, 5);
  t.Add({"Bakı", "x"});
  t.Add({"abcdefgh", "y"});
  EXPECT_EQ(t.Render(), "a      b\n-----  -\nBakı   x\nabcd…  y\n");
}

TEST(TableTest, NoRowsSaysSo) {
  Table t({"founded", "name"});
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.Render(), "(none)\n");
}

TEST(FormatTest, QuantitiesReadLikeTheSources) {
  dyad::type::v1::Quantity q;
  q.set_value(2.2e9);
  q.set_unit("USD");
  EXPECT_EQ(FormatQuantity(q), "2.2 billion USD");
  q.set_qualifier(dyad::type::v1::Quantity::QUALIFIER_AT_LEAST);
  q.set_value(8e8);
  EXPECT_EQ(FormatQuantity(q), "over 800 million USD");
  q.set_qualifier(dyad::type::v1::Quantity::QUALIFIER_EXACT);
  q.set_value(66.7);
  q.set_unit("percent");
  EXPECT_EQ(FormatQuantity(q), "66.7%");
}

TEST(MainTest, HelpAndUsageErrorsHaveTheRightExitCodes) {
  std::ostringstream out, err;
  EXPECT_EQ(Main({"--help"}, out, err), kExitOk);
  EXPECT_THAT(out.str(), ::testing::HasSubstr("Commands:"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("events"));
  out.str("");
  EXPECT_EQ(Main({"events", "--help"}, out, err), kExitOk);
  EXPECT_THAT(out.str(), ::testing::HasSubstr("--from DATE"));
  EXPECT_EQ(Main({}, out, err), kExitUsage);
  EXPECT_EQ(Main({"frobnicate"}, out, err), kExitUsage);
  EXPECT_THAT(err.str(), ::testing::HasSubstr("unknown command \"frobnicate\""));
  EXPECT_EQ(Main({"--timeout", "soon", "kinds"}, out, err), kExitUsage);
  EXPECT_EQ(Main({"event"}, out, err), kExitUsage);
  for (const auto& [name, cmd] : Commands()) {
    std::ostringstream o, e;
    EXPECT_EQ(Main({name, "--help"}, o, e), kExitOk) << name;
  }
}

}  // namespace
}  // namespace dyad::cli

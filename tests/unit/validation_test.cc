#include "common/validation.h"

#include "testing/status_matchers.h"

namespace dyad {
namespace {

TEST(PageSizeTest, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(100000), kMaxPageSize);
  EXPECT_STATUS(EffectivePageSize(-1), absl::StatusCode::kInvalidArgument,
                "page_size: must not be negative");
}

TEST(CountryTest, KnowsIsoAlpha3Codes) {
  EXPECT_OK(ValidateCountry("AZE", "c"));
  EXPECT_OK(ValidateCountry("CHN", "c"));
  EXPECT_OK(ValidateCountry("WLD", "c"));
  EXPECT_STATUS(ValidateCountry("XXX", "countries[1]"), absl::StatusCode::kInvalidArgument,
                "countries[1]: unknown ISO 3166-1 alpha-3 country code \"XXX\"");
  EXPECT_STATUS(ValidateCountry("aze", "c"), absl::StatusCode::kInvalidArgument, "upper case");
  EXPECT_STATUS(ValidateCountry("", "c"), absl::StatusCode::kInvalidArgument, "c:");
  EXPECT_STATUS(ValidateCountry("AZ'; DROP TABLE events;--", "c"),
                absl::StatusCode::kInvalidArgument, "unknown");
}

TEST(IdTest, AllowsKebabCaseOnly) {
  EXPECT_OK(ValidateId("aze-chn-1991", "id"));
  EXPECT_STATUS(ValidateId("", "id"), absl::StatusCode::kInvalidArgument, "id:");
  EXPECT_STATUS(ValidateId("Upper", "id"), absl::StatusCode::kInvalidArgument, "a-z");
  EXPECT_STATUS(ValidateId("-lead", "id"), absl::StatusCode::kInvalidArgument, "start or end");
  EXPECT_STATUS(ValidateId(std::string(64, 'a'), "id"), absl::StatusCode::kInvalidArgument,
                "1..63");
}

TEST(ResourceNameTest, ParsesCollectionAndId) {
  EXPECT_EQ(*ParseResourceName("events/x-1", "events", "name"), "x-1");
  EXPECT_STATUS(ParseResourceName("institutions/x", "events", "name"),
                absl::StatusCode::kInvalidArgument, "name: must look like \"events/{id}\"");
  EXPECT_STATUS(ParseResourceName("", "events", "name"), absl::StatusCode::kInvalidArgument,
                "name: is required");
  EXPECT_STATUS(ParseResourceName("events/../x", "events", "name"),
                absl::StatusCode::kInvalidArgument, "name:");
}

TEST(TextTest, RejectsBadUtf8NulAndOversize) {
  EXPECT_OK(ValidateText("Bakı – 北京", "q", 100));
  EXPECT_STATUS(ValidateText(std::string("a\0b", 3), "q", 100), absl::StatusCode::kInvalidArgument,
                "NUL");
  EXPECT_STATUS(ValidateText("\xc3\x28", "q", 100), absl::StatusCode::kInvalidArgument, "UTF-8");
  EXPECT_STATUS(ValidateText("\xed\xa0\x80", "q", 100), absl::StatusCode::kInvalidArgument,
                "UTF-8");  // surrogate
  EXPECT_STATUS(ValidateText("\xe2\x82", "q", 100), absl::StatusCode::kInvalidArgument,
                "UTF-8");  // truncated
  EXPECT_STATUS(ValidateText(std::string(513, 'a'), "query", 512),
                absl::StatusCode::kInvalidArgument, "query: at most 512");
}

TEST(FtsQueryTest, QuotesWordsAndNeutralisesSyntax) {
  EXPECT_EQ(ToFtsQuery("belt road"), "\"belt\"* \"road\"*");
  EXPECT_EQ(ToFtsQuery("NEAR(a b) OR \"x\"*"), "\"NEAR\"* \"a\"* \"b\"* \"OR\"* \"x\"*");
  EXPECT_EQ(ToFtsQuery("'; DROP TABLE events; --"), "\"DROP\"* \"TABLE\"* \"events\"*");
  EXPECT_EQ(ToFtsQuery("  -- ** "), "");
  EXPECT_EQ(ToFtsQuery("Bakı"), "\"Bakı\"*");
}

}  // namespace
}  // namespace dyad

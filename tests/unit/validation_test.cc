#include "common/validation.h"

#include <cmath>
#include <fstream>
#include <string>

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

// The importers map dataset rows to the codes of their ISO table
// (services/importers/data/iso3166.tsv); the services must accept every one,
// or real rows (the WDI download's Kosovo row, XKX) are rejected on import.
TEST(CountryTest, AcceptsEveryCodeTheImportersMapTo) {
  std::ifstream in(std::string(DYAD_SOURCE_DIR) + "/services/importers/data/iso3166.tsv");
  ASSERT_TRUE(in) << "iso3166.tsv not found";
  std::string line;
  int codes = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string code = line.substr(0, line.find('\t'));
    EXPECT_OK(ValidateCountry(code, "c")) << code;
    ++codes;
  }
  EXPECT_GT(codes, 240);
  EXPECT_OK(ValidateCountry("XKX", "c"));
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

TEST(TextTest, RejectsControlCharactersOnOneLine) {
  // Before the fix these were stored, and the CLI printed the raw escapes.
  EXPECT_STATUS(ValidateText("red\x1b[31m", "event.title", 100),
                absl::StatusCode::kInvalidArgument,
                "event.title: must not hold control characters (one line of text); found U+001B "
                "at byte 3");
  EXPECT_STATUS(ValidateText("a\nb", "event.title", 100), absl::StatusCode::kInvalidArgument,
                "U+000A");
  EXPECT_STATUS(ValidateText("a\tb", "event.title", 100), absl::StatusCode::kInvalidArgument,
                "U+0009");
  EXPECT_STATUS(ValidateText("a\x7f", "t", 100), absl::StatusCode::kInvalidArgument, "U+007F");
  EXPECT_STATUS(ValidateText("a\xc2\x9b" "31m", "t", 100), absl::StatusCode::kInvalidArgument,
                "U+009B");  // C1 CSI
  EXPECT_OK(ValidateText("a\xc2\xa0" "b", "t", 100));  // U+00A0 is not a control
}

TEST(TextTest, MultilineTextAllowsNewlineAndTabOnly) {
  EXPECT_OK(ValidateMultilineText("line one\n\tline two", "event.summary", 100));
  EXPECT_STATUS(ValidateMultilineText("a\rb", "event.summary", 100),
                absl::StatusCode::kInvalidArgument, "event.summary: must not hold control");
  EXPECT_STATUS(ValidateMultilineText("a\x1b" "b", "event.summary", 100),
                absl::StatusCode::kInvalidArgument, "U+001B");
}

TEST(CountryTest, DuplicatesInARecordAreRefusedNamingTheField) {
  google::protobuf::RepeatedPtrField<std::string> codes;
  *codes.Add() = "AZE";
  *codes.Add() = "CHN";
  EXPECT_OK(ValidateDistinctCountries(codes, "event.countries"));
  *codes.Add() = "AZE";
  EXPECT_STATUS(ValidateDistinctCountries(codes, "event.countries"),
                absl::StatusCode::kInvalidArgument,
                "event.countries[2]: duplicates event.countries[0] (\"AZE\")");
}

TEST(SourceTest, CitationMustNameACatalogSource) {
  std::vector<dyad::type::v1::Source> catalog(1);
  catalog[0].set_id("stat-az");
  EXPECT_OK(ValidateKnownSource("stat-az", "event.citations[0].source_id", catalog));
  EXPECT_STATUS(ValidateKnownSource("made-up", "event.citations[0].source_id", catalog),
                absl::StatusCode::kInvalidArgument,
                "event.citations[0].source_id: unknown source \"made-up\"");
  EXPECT_STATUS(ValidateKnownSource("x", "f", {}), absl::StatusCode::kInvalidArgument,
                "unknown source");
}

TEST(ObservationTest, ValuesAreFiniteBoundedAndSignedByIndicator) {
  EXPECT_OK(ValidateObservationMagnitude(3.9e9, "v", /*allows_negative=*/false));
  EXPECT_OK(ValidateObservationMagnitude(-12.5, "v", /*allows_negative=*/true));
  EXPECT_STATUS(ValidateObservationMagnitude(-1e308, "observation.value.value", true),
                absl::StatusCode::kInvalidArgument, "observation.value.value: magnitude at most");
  EXPECT_STATUS(ValidateObservationMagnitude(2e15, "v", false), absl::StatusCode::kInvalidArgument,
                "magnitude at most");
  EXPECT_STATUS(ValidateObservationMagnitude(-1, "observation.value.value", false),
                absl::StatusCode::kInvalidArgument, "must not be negative for this indicator");
  EXPECT_STATUS(ValidateObservationMagnitude(std::nan(""), "v", true),
                absl::StatusCode::kInvalidArgument, "finite");
  EXPECT_STATUS(ValidateObservationMagnitude(HUGE_VAL, "v", true),
                absl::StatusCode::kInvalidArgument, "finite");
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

#include "common/page_token.h"

#include "testing/status_matchers.h"

namespace dyad {
namespace {

TEST(PageTokenTest, RoundTrips) {
  PageCursor c{Fingerprint("f"), -12345, "events/a|b"};
  ASSERT_OK_AND_ASSIGN(PageCursor d, DecodePageToken(EncodePageToken(c), Fingerprint("f")));
  EXPECT_EQ(d.sort_key, c.sort_key);
  EXPECT_EQ(d.name, c.name);
}

TEST(PageTokenTest, RejectsMalformedAndForeignTokens) {
  EXPECT_STATUS(DecodePageToken("not a token!", 1), absl::StatusCode::kInvalidArgument,
                "page_token: malformed");
  EXPECT_STATUS(DecodePageToken("djF8MXwy", 1), absl::StatusCode::kInvalidArgument,
                "page_token: malformed");  // "v1|1|2": too few parts
  const std::string t = EncodePageToken({Fingerprint("a"), 1, "x"});
  EXPECT_STATUS(DecodePageToken(t, Fingerprint("b")), absl::StatusCode::kInvalidArgument,
                "other filters");
  EXPECT_STATUS(DecodePageToken(std::string(5000, 'A'), 1), absl::StatusCode::kInvalidArgument,
                "malformed");
}

}  // namespace
}  // namespace dyad

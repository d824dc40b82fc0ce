#include "common/auth.h"

#include <cstdio>
#include <fstream>

#include "testing/status_matchers.h"

namespace dyad {
namespace {

TEST(WriteAuthorizerTest, RequiresTheBearerToken) {
  WriteAuthorizer auth("s3cret");
  EXPECT_OK(auth.Check("Bearer s3cret"));
  EXPECT_OK(auth.Check("bearer s3cret"));
  EXPECT_STATUS(auth.Check(std::nullopt), absl::StatusCode::kUnauthenticated, "missing");
  EXPECT_STATUS(auth.Check("Bearer wrong"), absl::StatusCode::kUnauthenticated, "invalid");
  EXPECT_STATUS(auth.Check("Bearer s3cret2"), absl::StatusCode::kUnauthenticated, "invalid");
  EXPECT_STATUS(auth.Check("s3cret"), absl::StatusCode::kUnauthenticated, "Bearer");
}

TEST(WriteAuthorizerTest, WithoutATokenWritesAreRefused) {
  WriteAuthorizer none;
  EXPECT_FALSE(none.configured());
  EXPECT_STATUS(none.Check(std::nullopt), absl::StatusCode::kUnauthenticated, "missing");
  EXPECT_STATUS(none.Check("Bearer anything"), absl::StatusCode::kPermissionDenied,
                "writes are disabled");
}

TEST(WriteAuthorizerTest, ReadsTokenFileAndRejectsEmptyOrMissingFile) {
  const std::string path = ::testing::TempDir() + "/token";
  std::ofstream(path) << "  tok-en\n";
  ASSERT_OK_AND_ASSIGN(WriteAuthorizer auth, WriteAuthorizer::FromConfig(path));
  EXPECT_OK(auth.Check("Bearer tok-en"));
  std::ofstream(path) << "\n";
  EXPECT_STATUS(WriteAuthorizer::FromConfig(path), absl::StatusCode::kFailedPrecondition, "empty");
  std::remove(path.c_str());
  EXPECT_STATUS(WriteAuthorizer::FromConfig(path), absl::StatusCode::kFailedPrecondition,
                "cannot read");
}

TEST(WriteAuthorizerTest, ReadsAreOpenUntilAReadTokenIsSet) {
  WriteAuthorizer auth("w-token");
  EXPECT_FALSE(auth.reads_closed());
  EXPECT_OK(auth.CheckRead(std::nullopt));
  auth.set_read_token("r-token");
  EXPECT_TRUE(auth.reads_closed());
  EXPECT_STATUS(auth.CheckRead(std::nullopt), absl::StatusCode::kUnauthenticated, "missing");
  EXPECT_STATUS(auth.CheckRead("Bearer nope"), absl::StatusCode::kUnauthenticated, "invalid");
  EXPECT_OK(auth.CheckRead("Bearer r-token"));
  EXPECT_OK(auth.CheckRead("Bearer w-token"));  // the write token reads too
  // The read token does not write.
  EXPECT_STATUS(auth.Check("Bearer r-token"), absl::StatusCode::kUnauthenticated, "invalid");
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace dyad

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

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace dyad

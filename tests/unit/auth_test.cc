#include "common/auth.h"
#include "common/health.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
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

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(WriteAuthorizerTest, WhitespaceOnlyWriteTokenInTheEnvironmentIsAStartupError) {
  // Before the fix this became an empty token that "Bearer " matched.
  ScopedEnv env("DYAD_WRITE_TOKEN", " \t\n ");
  EXPECT_STATUS(WriteAuthorizer::FromConfig(""), absl::StatusCode::kFailedPrecondition,
                "DYAD_WRITE_TOKEN is set but holds only whitespace");
}

TEST(WriteAuthorizerTest, WhitespaceOnlyReadTokenIsAStartupErrorFromEnvAndFile) {
  WriteAuthorizer auth("w");
  {
    ScopedEnv env("DYAD_READ_TOKEN", "   ");
    EXPECT_STATUS(auth.LoadReadToken(""), absl::StatusCode::kFailedPrecondition,
                  "DYAD_READ_TOKEN is set but holds only whitespace");
  }
  const std::string path = ::testing::TempDir() + "/read_token";
  std::ofstream(path) << " \t \n";
  EXPECT_STATUS(auth.LoadReadToken(path), absl::StatusCode::kFailedPrecondition, "empty");
  std::remove(path.c_str());
  EXPECT_FALSE(auth.reads_closed());
}

TEST(WriteAuthorizerTest, EnvironmentTokenIsTrimmed) {
  ScopedEnv env("DYAD_WRITE_TOKEN", "  tok \n");
  ASSERT_OK_AND_ASSIGN(WriteAuthorizer auth, WriteAuthorizer::FromConfig(""));
  EXPECT_OK(auth.Check("Bearer tok"));
}

TEST(WriteAuthorizerTest, AnEmptyPresentedTokenNeverMatches) {
  // Even an authorizer built with an empty token (no config path allows it)
  // refuses "Bearer " for reads and writes.
  WriteAuthorizer empty("");
  EXPECT_STATUS(empty.Check("Bearer "), absl::StatusCode::kUnauthenticated, "empty bearer token");
  empty.set_read_token("");
  EXPECT_STATUS(empty.CheckRead("Bearer "), absl::StatusCode::kUnauthenticated,
                "empty bearer token");
  WriteAuthorizer real("tok");
  EXPECT_STATUS(real.Check("Bearer "), absl::StatusCode::kUnauthenticated, "empty bearer token");
}

TEST(WriteAuthorizerTest, WriteGateRefusesAfterTheTokenMatched) {
  WriteAuthorizer auth("tok");
  auth.set_write_gate([] { return absl::UnavailableError("database unhealthy"); });
  EXPECT_STATUS(auth.Check("Bearer tok"), absl::StatusCode::kUnavailable, "database unhealthy");
  // A wrong token is still UNAUTHENTICATED: the gate says nothing to strangers.
  EXPECT_STATUS(auth.Check("Bearer nope"), absl::StatusCode::kUnauthenticated, "invalid");
}

TEST(StoreHealthTest, UnhealthyRefusesWritesUntilACheckPasses) {
  StoreHealth health("test.db");
  WriteAuthorizer auth("tok");
  auth.set_write_gate([&health] { return health.WriteGate(); });
  EXPECT_OK(auth.Check("Bearer tok"));
  health.MarkUnhealthy("integrity check failed: page 7");
  EXPECT_FALSE(health.healthy());
  EXPECT_STATUS(auth.Check("Bearer tok"), absl::StatusCode::kUnavailable,
                "writes are refused while the database is unhealthy (integrity check failed");
  health.MarkUnhealthy("second fault");  // the first reason stays
  EXPECT_STATUS(health.WriteGate(), absl::StatusCode::kUnavailable, "page 7");
  health.MarkHealthy();
  EXPECT_TRUE(health.healthy());
  EXPECT_OK(auth.Check("Bearer tok"));
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

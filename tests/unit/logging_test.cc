#include "common/logging.h"

#include <string>

#include "dyad/events/v1/event_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dyad {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A request whose string field is not UTF-8: field 1 (name), 3 bytes.
std::string BadUtf8Request() { return std::string("\x0a\x03\xff\xfe\x41", 5); }

// Decoding hostile input must not print a raw libprotobuf line per request
// (a client could flood the log); at debug level it is still there.
TEST(LoggingTest, ProtobufDecodeErrorsAreDebugLinesNotRawStderr) {
  ASSERT_TRUE(InitLogging("logging-test", "info").ok());
  ::testing::internal::CaptureStderr();
  dyad::events::v1::GetEventRequest req;
  EXPECT_FALSE(req.ParseFromString(BadUtf8Request()));
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, Not(HasSubstr("libprotobuf")));
  EXPECT_THAT(out, Not(HasSubstr("invalid UTF-8")));

  ASSERT_TRUE(InitLogging("logging-test", "debug").ok());
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(req.ParseFromString(BadUtf8Request()));
  out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, HasSubstr("debug logging-test protobuf"));
  EXPECT_THAT(out, HasSubstr("invalid UTF-8"));
}

}  // namespace
}  // namespace dyad

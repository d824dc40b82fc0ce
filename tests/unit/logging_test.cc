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

TEST(LoggingTest, JsonLineTurnsKeyValuePairsIntoFields) {
  const std::string line = JsonLogLine(
      "2026-12-02T10:00:00.000Z", "info", "dyad-events",
      "call method=/dyad.events.v1.EventService/ListEvents code=OK duration=0.000412 "
      "peer=ipv4:127.0.0.1:5000 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 port=50051");
  EXPECT_EQ(line,
            "{\"time\":\"2026-12-02T10:00:00.000Z\",\"level\":\"info\",\"service\":\"dyad-events\","
            "\"msg\":\"call\",\"method\":\"/dyad.events.v1.EventService/ListEvents\",\"code\":\"OK\","
            "\"duration\":0.000412,\"peer\":\"ipv4:127.0.0.1:5000\","
            "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"port\":50051}");
}

TEST(LoggingTest, JsonLineUnquotesValuesAndRenamesFixedFields) {
  const std::string line =
      JsonLogLine("t", "warn", "dyad-gateway",
                  "partial answer service=dyad.x.v1.X message=" + LogValue("a \"b\" = c") +
                      " level=7 service=again");
  EXPECT_THAT(line, HasSubstr("\"msg\":\"partial answer\""));
  EXPECT_THAT(line, HasSubstr("\"service\":\"dyad-gateway\""));
  EXPECT_THAT(line, HasSubstr("\"grpc_service\":\"dyad.x.v1.X\""));
  EXPECT_THAT(line, HasSubstr("\"message\":\"a \\\"b\\\" = c\""));
  EXPECT_THAT(line, HasSubstr("\"level_\":7"));
  EXPECT_THAT(line, Not(HasSubstr("again")));  // a repeated key keeps its first value
}

TEST(LoggingTest, JsonLineKeepsIdsAndLongNumbersAsStrings) {
  const std::string line = JsonLogLine("t", "info", "s",
                                       "x a=1234567890123456 b=0012 c=1.5e3 d=-3 e=12345678901234");
  EXPECT_THAT(line, HasSubstr("\"a\":\"1234567890123456\""));
  EXPECT_THAT(line, HasSubstr("\"b\":\"0012\""));
  EXPECT_THAT(line, HasSubstr("\"c\":\"1.5e3\""));
  EXPECT_THAT(line, HasSubstr("\"d\":-3"));
  EXPECT_THAT(line, HasSubstr("\"e\":12345678901234"));
}

TEST(LoggingTest, JsonLineEscapesControlCharactersAndInvalidUtf8) {
  const std::string line =
      JsonLogLine("t", "info", "s", std::string("bad name=\x01\xff\xc3\xa9 tab=a\tb"));
  EXPECT_THAT(line, HasSubstr("\"name\":\"\\u0001\xef\xbf\xbd\xc3\xa9\""));
  EXPECT_THAT(line, HasSubstr("\"tab\":\"a\\tb\""));
}

TEST(LoggingTest, JsonFormatWritesOneObjectPerLine) {
  ASSERT_TRUE(InitLogging("logging-test", "info", "json").ok());
  ::testing::internal::CaptureStderr();
  Log().info("serving service=dyad.events.v1.EventService port={}", 50051);
  Log().warn("two words only");
  const std::string out = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(InitLogging("logging-test", "info").ok());
  EXPECT_THAT(out, ::testing::MatchesRegex(
                       "\\{\"time\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z\",\"level\":\"info\","
                       "\"service\":\"logging-test\",\"msg\":\"serving\",\"grpc_service\":\"dyad.events."
                       "v1.EventService\",\"port\":50051\\}\n"
                       "\\{\"time\":\"[^\"]*\",\"level\":\"warning\",\"service\":\"logging-test\","
                       "\"msg\":\"two words only\"\\}\n"));
}

TEST(LoggingTest, UnknownFormatIsRefused) {
  auto s = InitLogging("logging-test", "info", "xml");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("log_format"));
}

}  // namespace
}  // namespace dyad

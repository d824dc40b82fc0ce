#include "common/status.h"

#include <set>
#include <string>

#include "testing/status_matchers.h"

namespace dyad {
namespace {

TEST(StatusTest, MapsEveryCodeAndKeepsTheMessage) {
  for (int c = 0; c <= 16; ++c) {
    const auto code = static_cast<absl::StatusCode>(c);
    const grpc::Status g = ToGrpcStatus(absl::Status(code, "why"));
    EXPECT_EQ(static_cast<int>(g.error_code()), c);
    if (c != 0 && !IsOpaqueCode(code)) EXPECT_EQ(g.error_message(), "why");
    EXPECT_EQ(FromGrpcStatus(g).code(), code);
  }
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
}

TEST(StatusTest, InternalDetailsStayOnTheServerBehindAReference) {
  const std::string sql =
      "sqlite3_step: database disk image is malformed in SELECT name FROM events WHERE ...";
  std::set<std::string> messages;
  for (auto code : {absl::StatusCode::kInternal, absl::StatusCode::kUnknown,
                    absl::StatusCode::kDataLoss}) {
    const grpc::Status g = ToGrpcStatus(absl::Status(code, sql));
    EXPECT_EQ(static_cast<int>(g.error_code()), static_cast<int>(code));
    EXPECT_EQ(g.error_message().find("SELECT"), std::string::npos) << g.error_message();
    EXPECT_EQ(g.error_message().find("sqlite"), std::string::npos) << g.error_message();
    EXPECT_NE(g.error_message().find("internal error (reference "), std::string::npos)
        << g.error_message();
    messages.insert(g.error_message());
  }
  EXPECT_EQ(messages.size(), 3u);  // each failure gets its own reference
  // The caller's errors keep their message: they name the field or resource.
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("events/x not found")).error_message(),
            "events/x not found");
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("store is closed")).error_message(),
            "store is closed");
}

TEST(StatusTest, InvalidFieldNamesTheField) {
  EXPECT_STATUS(InvalidField("period.end", "before start"), absl::StatusCode::kInvalidArgument,
                "period.end: before start");
}

}  // namespace
}  // namespace dyad

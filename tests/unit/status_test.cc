#include "common/status.h"

#include "testing/status_matchers.h"

namespace dyad {
namespace {

TEST(StatusTest, MapsEveryCodeAndKeepsTheMessage) {
  for (int c = 0; c <= 16; ++c) {
    const auto code = static_cast<absl::StatusCode>(c);
    const grpc::Status g = ToGrpcStatus(absl::Status(code, "why"));
    EXPECT_EQ(static_cast<int>(g.error_code()), c);
    if (c != 0) EXPECT_EQ(g.error_message(), "why");
    EXPECT_EQ(FromGrpcStatus(g).code(), code);
  }
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
}

TEST(StatusTest, InvalidFieldNamesTheField) {
  EXPECT_STATUS(InvalidField("period.end", "before start"), absl::StatusCode::kInvalidArgument,
                "period.end: before start");
}

}  // namespace
}  // namespace dyad

// absl 20220623 ships no status matchers; these are ours, written once.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dyad::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace dyad::testing

#define DYAD_CONCAT_INNER(a, b) a##b
#define DYAD_CONCAT(a, b) DYAD_CONCAT_INNER(a, b)

#define EXPECT_OK(expr) EXPECT_TRUE(::dyad::testing::GetStatus(expr).ok()) \
    << ::dyad::testing::GetStatus(expr)
#define ASSERT_OK(expr) ASSERT_TRUE(::dyad::testing::GetStatus(expr).ok()) \
    << ::dyad::testing::GetStatus(expr)

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(DYAD_CONCAT(_status_or_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)      \
  auto tmp = (rexpr);                                   \
  ASSERT_TRUE(tmp.ok()) << tmp.status();                \
  lhs = std::move(tmp).value()

// EXPECT_STATUS(expr, absl::StatusCode::kInvalidArgument, "page_size")
#define EXPECT_STATUS(expr, expected_code, substring)                                 \
  do {                                                                                \
    const absl::Status _s = ::dyad::testing::GetStatus(expr);                         \
    EXPECT_EQ(_s.code(), expected_code) << _s;                                        \
    EXPECT_THAT(std::string(_s.message()), ::testing::HasSubstr(substring)) << _s;    \
  } while (0)

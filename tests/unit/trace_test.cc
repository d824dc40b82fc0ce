#include "common/trace.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dyad {
namespace {

constexpr char kTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSpan[] = "00f067aa0ba902b7";

TEST(TraceTest, ParsesTheSpecificationsExample) {
  auto t = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->trace_id, kTrace);
  EXPECT_EQ(t->parent_span_id, kSpan);
  EXPECT_EQ(t->flags, "01");
  EXPECT_EQ(t->span_id, "");
}

TEST(TraceTest, RefusesMalformedValues) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",          // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",     // v00 with a tail
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // version ff
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",       // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",       // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",       // zero span id
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",       // separators
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",       // not hex
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
}

TEST(TraceTest, AcceptsALaterVersionWithMoreFields) {
  auto t = ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->trace_id, kTrace);
}

TEST(TraceTest, ServerTraceContinuesTheCallersTraceWithItsOwnSpan) {
  TraceContext t = ServerTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                               "vendor=abc");
  EXPECT_EQ(t.trace_id, kTrace);
  EXPECT_EQ(t.parent_span_id, kSpan);
  EXPECT_EQ(t.flags, "00");
  EXPECT_EQ(t.tracestate, "vendor=abc");
  ASSERT_EQ(t.span_id.size(), 16u);
  EXPECT_NE(t.span_id, kSpan);
}

TEST(TraceTest, ServerTraceStartsANewTraceWhenThereIsNoneOrItIsInvalid) {
  for (const char* header : {"", "garbage"}) {
    TraceContext t = ServerTrace(header, "vendor=abc");
    EXPECT_EQ(t.trace_id.size(), 32u);
    EXPECT_EQ(t.span_id.size(), 16u);
    EXPECT_EQ(t.parent_span_id, "");
    EXPECT_EQ(t.tracestate, "");  // belongs to the traceparent that was dropped
    EXPECT_TRUE(ParseTraceparent(t.Traceparent()).has_value()) << t.Traceparent();
  }
}

TEST(TraceTest, ChildTraceparentKeepsTraceAndFlagsWithANewSpanEachTime) {
  TraceContext t = ServerTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
  std::set<std::string> spans;
  for (int i = 0; i < 50; ++i) {
    auto child = ParseTraceparent(ChildTraceparent(t));
    ASSERT_TRUE(child.has_value());
    EXPECT_EQ(child->trace_id, kTrace);
    EXPECT_EQ(child->flags, "01");
    EXPECT_NE(child->parent_span_id, t.span_id);
    spans.insert(child->parent_span_id);
  }
  EXPECT_EQ(spans.size(), 50u);
}

TEST(TraceTest, NewIdsAreDistinctHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(NewTraceId());
  EXPECT_EQ(ids.size(), 100u);
  for (const auto& id : ids) {
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
}

}  // namespace
}  // namespace dyad

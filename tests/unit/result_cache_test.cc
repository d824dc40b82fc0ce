// ResultCache: bounded in bytes as well as entries, keyed by a request's
// known fields only.
#include "common/result_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dyad/events/v1/event_service.pb.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::events::v1::ListEventsRequest;

std::shared_ptr<const std::string> Bytes(size_t n) {
  return std::make_shared<const std::string>(n, 'x');
}

// A request carrying `n` bytes in an unknown field (number 999).
ListEventsRequest WithUnknownField(const ListEventsRequest& known, size_t n, char fill) {
  std::string wire = known.SerializeAsString();
  ListEventsRequest unknown_only;
  unknown_only.GetReflection()->MutableUnknownFields(&unknown_only)->AddLengthDelimited(
      999, std::string(n, fill));
  wire += unknown_only.SerializeAsString();
  ListEventsRequest out;
  EXPECT_TRUE(out.ParseFromString(wire));
  return out;
}

TEST(ResultCacheTest, KeyIgnoresUnknownFields) {
  ListEventsRequest req;
  req.add_countries("AZE");
  req.set_page_size(10);
  const std::string key = CanonicalRequestKey(req);
  const ListEventsRequest padded = WithUnknownField(req, 1 << 20, 'a');
  ASSERT_GT(padded.ByteSizeLong(), size_t{1} << 20);
  EXPECT_EQ(CanonicalRequestKey(padded), key);
  EXPECT_EQ(CanonicalRequestKey(WithUnknownField(req, 10, 'b')), key);
  req.set_page_size(11);
  EXPECT_NE(CanonicalRequestKey(req), key);
}

TEST(ResultCacheTest, RequestsDifferingOnlyInUnknownFieldsShareOneEntry) {
  ResultCache cache(/*max_entries=*/1024, /*max_bytes=*/64 << 20);
  ListEventsRequest req;
  req.add_countries("CHN");
  int computed = 0;
  for (int i = 0; i < 20; ++i) {
    auto bytes = cache.GetOrCompute(WithUnknownField(req, 1 << 20, static_cast<char>('a' + i)),
                                    [&] {
                                      ++computed;
                                      return absl::StatusOr<ListEventsRequest>(req);
                                    });
    ASSERT_OK(bytes);
  }
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_LT(cache.bytes(), 1024u);
}

TEST(ResultCacheTest, BytesStayWithinTheBudget) {
  constexpr size_t kBudget = 1 << 20;
  ResultCache cache(/*max_entries=*/100000, kBudget);
  for (int i = 0; i < 1000; ++i) {
    uint64_t gen = 0;
    const std::string key = "k" + std::to_string(i);
    ASSERT_EQ(cache.Lookup(key, &gen), nullptr);
    cache.Store(key, Bytes(10000), gen);
    ASSERT_LE(cache.bytes(), kBudget) << "after " << i + 1 << " entries";
  }
  EXPECT_GT(cache.size(), 0u);
}

TEST(ResultCacheTest, AnswersOverAnEighthOfTheBudgetAreNotKept) {
  constexpr size_t kBudget = 8 << 20;
  ResultCache cache(/*max_entries=*/1024, kBudget);
  uint64_t gen = 0;
  cache.Lookup("small", &gen);
  cache.Store("small", Bytes(1000), gen);
  cache.Store("big", Bytes(kBudget / 8), gen);
  EXPECT_NE(cache.Lookup("small", &gen), nullptr);
  EXPECT_EQ(cache.Lookup("big", &gen), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ResultCacheTest, EntryBoundStillHoldsAndZeroDisables) {
  ResultCache cache(/*max_entries=*/3, /*max_bytes=*/1 << 20);
  uint64_t gen = 0;
  for (int i = 0; i < 10; ++i) {
    cache.Lookup("x", &gen);
    cache.Store("k" + std::to_string(i), Bytes(10), gen);
    EXPECT_LE(cache.size(), 3u);
  }
  ResultCache off_by_bytes(/*max_entries=*/3, /*max_bytes=*/0);
  off_by_bytes.Lookup("k", &gen);
  off_by_bytes.Store("k", Bytes(1), gen);
  EXPECT_EQ(off_by_bytes.Lookup("k", &gen), nullptr);
}

TEST(ResultCacheTest, WritesInvalidateAndFreeTheBytes) {
  ResultCache cache(/*max_entries=*/10, /*max_bytes=*/1 << 20);
  uint64_t gen = 0;
  cache.Lookup("k", &gen);
  cache.Store("k", Bytes(100), gen);
  EXPECT_GT(cache.bytes(), 0u);
  cache.Invalidate();
  EXPECT_EQ(cache.bytes(), 0u);
  cache.Store("k", Bytes(100), gen);  // computed before the write: not kept
  EXPECT_EQ(cache.Lookup("k", &gen), nullptr);
}

}  // namespace
}  // namespace dyad

// Gather: the typed join of an answer's reads (services/gateway/gather.h).
#include "gather.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace dyad::gateway {
namespace {

// A read answered later, from the test, like a backend call in flight.
template <typename T>
struct Pending {
  std::function<void(grpc::Status, T)> done;
  Async<T> read() {
    return [this](std::function<void(grpc::Status, T)> d) { done = std::move(d); };
  }
};

template <typename T>
Async<T> Now(grpc::Status s, T v) {
  return [s, v](std::function<void(grpc::Status, T)> done) { done(s, v); };
}

TEST(GatherTest, ThenRunsOnceWithEveryPartInOrderAfterTheLast) {
  Pending<int> a;
  Pending<std::string> b;
  int runs = 0;
  Gather(a.read(), b.read(), Now(grpc::Status::OK, std::vector<int>{7, 8}))
      .Then([&](Fetched<int> x, Fetched<std::string> y, Fetched<std::vector<int>> z) {
        ++runs;
        EXPECT_EQ(x.value, 1);
        EXPECT_EQ(y.value, "two");
        EXPECT_EQ(z.value, (std::vector<int>{7, 8}));
        EXPECT_TRUE(x.ok() && y.ok() && z.ok());
      });
  EXPECT_EQ(runs, 0);
  b.done(grpc::Status::OK, "two");
  EXPECT_EQ(runs, 0);  // one read still out: no count to get wrong, no early finish
  a.done(grpc::Status::OK, 1);
  EXPECT_EQ(runs, 1);
}

TEST(GatherTest, AFailedReadIsAFailedPartAndTheOthersStillCompose) {
  Pending<int> hung;
  bool ran = false;
  Gather(Now(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"), 0), hung.read(),
         Skipped<std::string>())
      .Then([&](Fetched<int> failed, Fetched<int> late, Fetched<std::string> skipped) {
        ran = true;
        EXPECT_EQ(failed.status.error_code(), grpc::StatusCode::UNAVAILABLE);
        // A hung backend call ends at the group's deadline: its part says
        // so and the answer is still composed (partial).
        EXPECT_EQ(late.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
        EXPECT_TRUE(skipped.ok());
        EXPECT_TRUE(skipped.value.empty());
      });
  EXPECT_FALSE(ran);
  hung.done(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "late"), 0);
  EXPECT_TRUE(ran);
}

TEST(GatherTest, NoReadsThenRunsAtOnce) {
  bool ran = false;
  Gather<>().Then([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(GatherTest, ReadsCompletingOnOtherThreadsJoinOnce) {
  for (int round = 0; round < 50; ++round) {
    Pending<int> a, b, c;
    std::atomic<int> runs{0};
    std::atomic<int> sum{0};
    Gather(a.read(), b.read(), c.read()).Then([&](Fetched<int> x, Fetched<int> y, Fetched<int> z) {
      sum = x.value + y.value + z.value;
      ++runs;
    });
    std::thread t1([&] { a.done(grpc::Status::OK, 1); });
    std::thread t2([&] { b.done(grpc::Status::OK, 2); });
    c.done(grpc::Status::OK, 4);
    t1.join();
    t2.join();
    EXPECT_EQ(runs.load(), 1);
    EXPECT_EQ(sum.load(), 7);
  }
}

TEST(GatherTest, AllJoinsARunTimeNumberOfReadsInOrderWithTheFirstFailure) {
  Pending<int> slow;
  std::vector<Async<int>> reads = {Now(grpc::Status::OK, 1), slow.read(),
                                   Now(grpc::Status(grpc::StatusCode::INTERNAL, "x"), 3)};
  bool ran = false;
  All(std::move(reads))([&](grpc::Status s, std::vector<int> v) {
    ran = true;
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
    EXPECT_EQ(v, (std::vector<int>{1, 2, 3}));
  });
  EXPECT_FALSE(ran);
  slow.done(grpc::Status::OK, 2);
  EXPECT_TRUE(ran);

  bool empty_ran = false;
  All(std::vector<Async<int>>{})([&](grpc::Status s, std::vector<int> v) {
    empty_ran = s.ok() && v.empty();
  });
  EXPECT_TRUE(empty_ran);
}

}  // namespace
}  // namespace dyad::gateway

// A typed join over asynchronous backend reads, so an answer never counts
// its joins by hand:
//
//   Gather(Read(ListAllEvents, group, b, er), Read(CountEvents, group, b, cq),
//          Skipped<ec::ListSeriesResponse>())
//       .Then([](Fetched<std::vector<ev::Event>> events, Fetched<ev::CountEventsResponse> counts,
//                Fetched<ec::ListSeriesResponse> series) { ... });
//
// Each argument is an Async<T>: a read that, once started, calls its
// callback exactly once with a status and a value. Then() starts every read
// at once and calls `then` exactly once, with one Fetched<T> per read in the
// order given, when the last of them has completed (on that read's thread).
// The number of reads is the number of arguments: there is nothing to count.
// A read that fails still completes (the group's deadline and CancelAll
// see to that for backend calls), so a failed or hung backend gives a
// failed Fetched part, never a call that does not finish.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "backends.h"

namespace dyad::gateway {

// The outcome of one read: its status, and its value (default when the read
// failed or was skipped).
template <typename T>
struct Fetched {
  grpc::Status status;
  T value{};
  bool ok() const { return status.ok(); }
};

// A read not yet started: call it with the callback that takes its outcome.
template <typename T>
using Async = std::function<void(std::function<void(grpc::Status, T)>)>;

// A read that is not made (the request does not need it): OK, and empty.
template <typename T>
Async<T> Skipped() {
  return [](std::function<void(grpc::Status, T)> done) { done(grpc::Status::OK, T{}); };
}

// One of the backend reads of backends.h, bound to its group and request.
template <typename Req, typename T>
Async<T> Read(void (*read)(const std::shared_ptr<CallGroup>&, Backends*, Req,
                           std::function<void(grpc::Status, T)>),
              std::shared_ptr<CallGroup> group, Backends* b, Req req) {
  return [read, group = std::move(group), b, req = std::move(req)](
             std::function<void(grpc::Status, T)> done) {
    read(group, b, req, std::move(done));
  };
}
// The same for a read without a request (ListIndicators, the kinds).
template <typename T>
Async<T> Read(void (*read)(const std::shared_ptr<CallGroup>&, Backends*,
                           std::function<void(grpc::Status, T)>),
              std::shared_ptr<CallGroup> group, Backends* b) {
  return [read, group = std::move(group), b](std::function<void(grpc::Status, T)> done) {
    read(group, b, std::move(done));
  };
}

template <typename... Ts>
class Gather {
 public:
  explicit Gather(Async<Ts>... reads) : reads_(std::move(reads)...) {}

  // Starts the reads; `then(Fetched<Ts>...)` runs once, after the last one.
  template <typename F>
  void Then(F then) && {
    if constexpr (sizeof...(Ts) == 0) {
      then();
    } else {
      auto st = std::make_shared<State<F>>(std::move(then));
      StartAll(st, std::index_sequence_for<Ts...>{});
    }
  }

 private:
  template <typename F>
  struct State {
    explicit State(F f) : then(std::move(f)) {}
    std::tuple<Fetched<Ts>...> parts;
    std::atomic<size_t> remaining{sizeof...(Ts)};
    F then;
  };

  template <typename F, size_t... I>
  void StartAll(const std::shared_ptr<State<F>>& st, std::index_sequence<I...>) {
    (Start<I>(st), ...);
  }

  template <size_t I, typename F>
  void Start(const std::shared_ptr<State<F>>& st) {
    using T = std::tuple_element_t<I, std::tuple<Ts...>>;
    auto read = std::move(std::get<I>(reads_));
    read([st](grpc::Status s, T v) {
      auto& part = std::get<I>(st->parts);
      part.status = std::move(s);
      part.value = std::move(v);
      // Each read writes its own part; the acq_rel count orders those
      // writes before `then` reads them.
      if (st->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::apply([&](auto&... parts) { st->then(std::move(parts)...); }, st->parts);
      }
    });
  }

  std::tuple<Async<Ts>...> reads_;
};

template <typename... Ts>
Gather(Async<Ts>...) -> Gather<Ts...>;

// Reads whose number is known only at run time (one per series, one per
// indicator), as one read: the values in the order of `reads` (a failed
// one left default) and the first failure.
template <typename T>
Async<std::vector<T>> All(std::vector<Async<T>> reads) {
  return [reads = std::move(reads)](std::function<void(grpc::Status, std::vector<T>)> done) {
    if (reads.empty()) return done(grpc::Status::OK, {});
    struct State {
      std::vector<Fetched<T>> parts;
      std::atomic<size_t> remaining;
      std::function<void(grpc::Status, std::vector<T>)> done;
    };
    auto st = std::make_shared<State>();
    st->parts.resize(reads.size());
    st->remaining.store(reads.size());
    st->done = std::move(done);
    for (size_t i = 0; i < reads.size(); ++i) {
      reads[i]([st, i](grpc::Status s, T v) {
        st->parts[i].status = std::move(s);
        st->parts[i].value = std::move(v);
        if (st->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        grpc::Status first;
        std::vector<T> values;
        values.reserve(st->parts.size());
        for (auto& p : st->parts) {
          if (first.ok() && !p.status.ok()) first = p.status;
          values.push_back(std::move(p.value));
        }
        st->done(std::move(first), std::move(values));
      });
    }
  };
}

// A read that starts once `first` is in and gives what `next(status, value,
// done)` passes on: reads that depend on another's answer.
template <typename T, typename U>
Async<U> AndThen(Async<T> first,
                 std::function<void(grpc::Status, T, std::function<void(grpc::Status, U)>)> next) {
  return [first = std::move(first), next = std::move(next)](
             std::function<void(grpc::Status, U)> done) {
    first([next, done = std::move(done)](grpc::Status s, T v) {
      next(std::move(s), std::move(v), std::move(done));
    });
  };
}

}  // namespace dyad::gateway

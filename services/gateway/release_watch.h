// The newest data release of each backend, as the gateway knows it
// (docs/releases.md). A thread polls each backend that has releases
// (EventService.ListReleases, one row) every --release_poll; the composed
// answers name, per part, the release known when they were composed
// (PartOf), and the answer cache keys answers by these releases, so an
// answer kept by --answer_cache_ttl is dropped as soon as a backend's data
// moves instead of living out its TTL (the TTL stays the bound: a poll
// interval is the most a cached answer can lag a backend's commit, while
// the poll works).
//
// Process-wide state (one gateway per process): Latest() and Tag() read
// what the running watch last saw; nothing is known (no release, empty tag)
// without a watch, as in unit tests of the composition.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/type/v1/release.pb.h"

namespace dyad::gateway {

class ReleaseWatch {
 public:
  // `authorization`: the backends' read token header value, or empty.
  ReleaseWatch(dyad::events::v1::EventService::Stub* events, absl::Duration interval,
               std::string authorization);
  ~ReleaseWatch();  // stops the thread and forgets what it saw
  ReleaseWatch(const ReleaseWatch&) = delete;
  ReleaseWatch& operator=(const ReleaseWatch&) = delete;

  // Polls at once, then every interval, on a thread of its own (start-up
  // never waits for a backend).
  void Start();

  // The newest release known for `part` ("events", ...).
  static std::optional<dyad::type::v1::Release> Latest(absl::string_view part);
  // The releases known, as one string ("events=<id>"); empty when none.
  static std::string Tag();
  // For tests: what a poll would have seen.
  static void Set(absl::string_view part, std::optional<dyad::type::v1::Release> release);

 private:
  void PollOnce();
  void Run();

  dyad::events::v1::EventService::Stub* events_;
  const absl::Duration interval_;
  const std::string authorization_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool failing_ = false;  // the last poll failed (logged once per outage)
  std::thread thread_;
};

}  // namespace dyad::gateway

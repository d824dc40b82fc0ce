#include "common/admission.h"

#include <atomic>

#include "absl/strings/str_cat.h"

namespace dyad {
namespace {

std::atomic<int> g_in_flight{0};
std::atomic<int> g_max_in_flight{0};

}  // namespace

void SetMaxCallsInFlight(int max_calls) { g_max_in_flight.store(max_calls < 0 ? 0 : max_calls); }

int MaxCallsInFlight() { return g_max_in_flight.load(); }

int CallsInFlight() { return g_in_flight.load(std::memory_order_relaxed); }

absl::Status AdmitCall() {
  const int max = g_max_in_flight.load(std::memory_order_relaxed);
  if (max == 0 || g_in_flight.load(std::memory_order_relaxed) <= max) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("server busy: more than ", max,
                   " calls in flight (--max_in_flight); retry with backoff"));
}

namespace internal {
void CallStarted() { g_in_flight.fetch_add(1, std::memory_order_relaxed); }
void CallEnded() { g_in_flight.fetch_sub(1, std::memory_order_relaxed); }
}  // namespace internal

}  // namespace dyad

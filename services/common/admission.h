// Admission control: how many calls to Dyad's own services (methods under
// "/dyad.") one process serves at once. Beyond the limit a call is refused
// with RESOURCE_EXHAUSTED before it does any work, so a flood of calls
// cannot grow the process's memory without bound. Health checks and
// reflection are not counted, so probes keep answering under a flood.
//
//   grpc::ServerUnaryReactor* Service::Method(ctx, ...) {
//     DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
//     ...
#pragma once

#include "absl/status/status.h"

namespace dyad {

// Sets the limit (ServerRunner::Start does, from --max_in_flight); 0 means
// no limit.
void SetMaxCallsInFlight(int max_calls);
int MaxCallsInFlight();

// Calls to Dyad's services in flight in this process right now (counted by
// the server's interceptor from the moment a call arrives until it is over).
int CallsInFlight();

// OK while the calls in flight (this one included) are within the limit;
// RESOURCE_EXHAUSTED, saying so and naming the limit, beyond it.
absl::Status AdmitCall();

namespace internal {
// Used by the server's interceptor only.
void CallStarted();
void CallEnded();
}  // namespace internal

}  // namespace dyad

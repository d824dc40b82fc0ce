// The gateway's answers, registered in one table. Each line names a method
// of dyad.gateway.v1.RelationsGateway (gateway.proto); its module is the
// folder answers/<name>/ (answer.cc: what it checks and fetches; compose.cc:
// how it composes, plain functions declared in compose.h). The gRPC service
// (gateway_service.h) is generated from this list: the raw-callback base
// classes, one override per method, each served by Serve<Method##Answer>.
//
// Adding an answer: the method in gateway.proto, one line here, the module
// folder (picked up by CMake), its tests.
#pragma once

#include "absl/status/status.h"
#include "answer_kit.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"

// X(Method): one line per answer.
#define DYAD_GATEWAY_ANSWERS(X) \
  X(GetOverview)                \
  X(GetTimeline)                \
  X(GetYearInReview)            \
  X(ExplainChange)              \
  X(Search)                     \
  X(ListDiscrepancies)          \
  X(ListSources)

namespace dyad::gateway {

// An answer module: the request and response of its method, and Start().
// Start() checks the request and returns an error (INVALID_ARGUMENT naming
// the field) before it fetches anything; otherwise it starts the backend
// reads (one Gather) and returns OK, and the gather's Then() composes into
// `resp` and finishes the call with call->FinishAnswer(*resp). `req` and
// `resp` live until the call is done.
#define DYAD_GATEWAY_DECLARE_ANSWER(Method)                                            \
  struct Method##Answer {                                                              \
    using Request = dyad::gateway::v1::Method##Request;                                \
    using Response = dyad::gateway::v1::Method##Response;                              \
    static constexpr const char* kMethod = #Method;                                    \
    static absl::Status Start(const Request& req, Response* resp, AnswerCall* call);   \
  };
DYAD_GATEWAY_ANSWERS(DYAD_GATEWAY_DECLARE_ANSWER)
#undef DYAD_GATEWAY_DECLARE_ANSWER

}  // namespace dyad::gateway

// dyad.gateway.v1.RelationsGateway over the callback API. Serving only:
// admission, the caller's read token, decoding, the answer cache, the
// deadline of the backend calls. What each method checks, fetches and
// composes is its answer module (answers.h: the registry, one line per
// method; answers/<name>/). A failed backend never fails the call (its
// `parts` entry says so); invalid input is INVALID_ARGUMENT naming the
// field. When the client cancels (or the server shuts down), the backend
// calls are cancelled too.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "answer_cache.h"
#include "answer_kit.h"
#include "answers.h"
#include "backends.h"
#include "common/admission.h"
#include "common/auth.h"
#include "common/grpc_util.h"
#include "common/metrics.h"
#include "common/status.h"
#include "common/trace.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"

namespace dyad::gateway {

namespace gwv1 = dyad::gateway::v1;

// Serves calls with answer modules. Every call is served raw: the request
// is decoded here, and the answer is serialized once, both for the reply
// and for the answer cache, whose hits go out as stored bytes without being
// decoded and encoded again.
class AnswerServer {
 public:
  // `backends` must outlive the server. `backend_timeout` is the deadline of
  // backend calls when the client sets a later one or none. `cache` (may be
  // null: no answer cache) keeps whole answers for a short time; `auth`
  // (may be null: reads open) checks the callers' read token
  // (--read_token_file). Both must outlive the server too.
  AnswerServer(Backends* backends, absl::Duration backend_timeout, AnswerCache* cache,
               const WriteAuthorizer* auth)
      : b_(backends), timeout_(backend_timeout), cache_(cache), auth_(auth) {}

  // One call of `Module` (see answers.h).
  template <typename Module>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,
                                  grpc::ByteBuffer* out) const;

 private:
  // The deadline of this call's backend calls (BackendDeadline).
  absl::Time Deadline(const grpc::CallbackServerContext* ctx) const;
  // The group of this call's backend calls: its deadline, its trace (the
  // caller's, or the one the server started), the backend token.
  std::shared_ptr<CallGroup> NewGroup(const grpc::CallbackServerContext* ctx) const;

  Backends* b_;
  absl::Duration timeout_;
  AnswerCache* cache_;
  const WriteAuthorizer* auth_;
};

namespace internal {
// The generated service's raw-callback base classes, stacked from the
// registry: WithRawCallbackMethod_A<WithRawCallbackMethod_B<...<Base>>>.
template <class Base, class... Raw>
struct RawMethods {
  using type = Base;
};
template <class Base, class Raw, class... Rest>
struct RawMethods<Base, Raw, Rest...> {
  using type = typename Raw::template With<typename RawMethods<Base, Rest...>::type>;
};
#define DYAD_GATEWAY_RAW_WRAPPER(Method)                                   \
  struct Raw##Method {                                                     \
    template <class B>                                                     \
    using With = gwv1::RelationsGateway::WithRawCallbackMethod_##Method<B>; \
  };
DYAD_GATEWAY_ANSWERS(DYAD_GATEWAY_RAW_WRAPPER)
#undef DYAD_GATEWAY_RAW_WRAPPER
#define DYAD_GATEWAY_RAW_NAME(Method) , Raw##Method
using RawGateway = RawMethods<gwv1::RelationsGateway::CallbackService DYAD_GATEWAY_ANSWERS(
    DYAD_GATEWAY_RAW_NAME)>::type;
#undef DYAD_GATEWAY_RAW_NAME
}  // namespace internal

class RelationsGatewayImpl final : public internal::RawGateway {
 public:
  // See AnswerServer.
  RelationsGatewayImpl(Backends* backends, absl::Duration backend_timeout,
                       AnswerCache* cache = nullptr, const WriteAuthorizer* auth = nullptr)
      : server_(backends, backend_timeout, cache, auth) {}

#define DYAD_GATEWAY_OVERRIDE(Method)                                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, \
                                   grpc::ByteBuffer* out) override {                        \
    return server_.Serve<Method##Answer>(ctx, in, out);                                     \
  }
  DYAD_GATEWAY_ANSWERS(DYAD_GATEWAY_OVERRIDE)
#undef DYAD_GATEWAY_OVERRIDE

 private:
  AnswerServer server_;
};

template <typename Module>
grpc::ServerUnaryReactor* AnswerServer::Serve(grpc::CallbackServerContext* ctx,
                                              const grpc::ByteBuffer* in,
                                              grpc::ByteBuffer* out) const {
  using Req = typename Module::Request;
  using Resp = typename Module::Response;
  // Admission first, before the request is decoded or any backend called:
  // beyond --max_in_flight the call costs nothing but its refusal, so a
  // flood cannot grow the gateway's memory (nor the backends') without bound.
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  // Then the caller's read token, when the gateway requires one.
  if (auth_ != nullptr) DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  auto call = std::make_shared<std::pair<Req, Resp>>();
  if (!ParseByteBuffer(*in, &call->first)) {
    return FinishWith(ctx, absl::InvalidArgumentError(
                               absl::StrCat("request is not a ", Req::descriptor()->full_name())));
  }
  RawAnswer answer;
  answer.out = out;
  if (cache_ != nullptr && cache_->enabled()) {
    // Only whole answers to valid requests are ever stored, so a request is
    // looked up before it is validated.
    answer.key = AnswerCache::Key(Module::kMethod, call->first);
    auto hit = cache_->Lookup(answer.key);
    metrics::AnswerCacheLookup(hit != nullptr);
    if (hit) {
      *out = SharedBytesToByteBuffer(std::move(hit));
      return FinishWith(ctx, absl::OkStatus());
    }
  }
  const Req* req = &call->first;
  Resp* resp = &call->second;
  answer.call = std::move(call);
  auto* reactor = new AnswerCall(NewGroup(ctx), b_, cache_, std::move(answer));
  // A refused request: the module fetched nothing.
  if (absl::Status s = Module::Start(*req, resp, reactor); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
  }
  return reactor;
}

}  // namespace dyad::gateway

#include "gateway_service.h"

namespace dyad::gateway {

absl::Time AnswerServer::Deadline(const grpc::CallbackServerContext* ctx) const {
  const auto d = ctx->deadline();
  const absl::Time client = d == std::chrono::system_clock::time_point::max()
                                ? absl::InfiniteFuture()
                                : absl::FromChrono(d);
  return BackendDeadline(client, timeout_);
}

std::shared_ptr<CallGroup> AnswerServer::NewGroup(const grpc::CallbackServerContext* ctx) const {
  return CallGroup::Create(Deadline(ctx), TraceOf(ctx), b_->authorization());
}

}  // namespace dyad::gateway

#pragma once

#include "absl/strings/string_view.h"
#include <optional>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/status.h"

namespace dyad {

// Finishes a callback-API unary call with `status`.
inline grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* ctx,
                                            const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Moves a result into the response message and finishes the call.
template <typename T>
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* ctx, absl::StatusOr<T> result,
                                      T* response) {
  if (result.ok()) *response = std::move(*result);
  return FinishWith(ctx, result.status());
}

// The "authorization" metadata value of a call, if any.
inline std::optional<absl::string_view> AuthorizationOf(const grpc::CallbackServerContext& ctx) {
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace dyad

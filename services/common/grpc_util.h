#pragma once

#include "absl/strings/string_view.h"
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/status.h"
#include "google/protobuf/message.h"

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

// Runs `check` (an authorization check) and, when it fails, finishes the
// call with its status; returns the reactor then, nullptr when allowed.
#define DYAD_RETURN_IF_DENIED(ctx, status_expr)                 \
  do {                                                          \
    if (absl::Status _st = (status_expr); !_st.ok()) {          \
      return ::dyad::FinishWith((ctx), _st);                    \
    }                                                           \
  } while (0)

// Decodes a raw request.
inline bool ParseByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  if (slices.size() == 1) {
    return message->ParseFromArray(slices[0].begin(), static_cast<int>(slices[0].size()));
  }
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return message->ParseFromString(bytes);
}

// A ByteBuffer over shared bytes, without copying them: the slice keeps the
// bytes alive until gRPC has sent them.
inline grpc::ByteBuffer SharedBytesToByteBuffer(std::shared_ptr<const std::string> bytes) {
  auto* holder = new std::shared_ptr<const std::string>(std::move(bytes));
  grpc::Slice slice(const_cast<char*>((*holder)->data()), (*holder)->size(),
                    [](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); },
                    holder);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace dyad

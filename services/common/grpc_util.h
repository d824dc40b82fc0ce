#pragma once

#include "absl/strings/string_view.h"
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/sqlite/call_limits.h"
#include "common/status.h"
#include "google/protobuf/io/coded_stream.h"
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

// Decodes a raw request the one way every backend method does:
//  - a request that does not parse (bad wire format, a string field that is
//    not valid UTF-8, messages nested deeper than protobuf's limit of 100)
//    is INVALID_ARGUMENT "request is not a valid <full message name>: ...";
//  - unknown fields are discarded, at every depth, so they are never
//    validated, stored, cached or served back.
// How deep ParseRequest looks to tell "nested too deep" from other failures.
inline constexpr int kNestingProbeLimit = 1000;

// Clears unknown fields at every depth, as Message::DiscardUnknownFields
// does, but visits only message-typed fields and allocates nothing where
// there is nothing to clear (DiscardUnknownFields lists every field of every
// message and gives each an empty unknown-field set: a 2,000-record import
// message paid for that). Protos here are proto3: no extensions to visit.
inline void DropUnknownFields(google::protobuf::Message* m) {
  const google::protobuf::Reflection* r = m->GetReflection();
  if (!r->GetUnknownFields(*m).empty()) r->MutableUnknownFields(m)->Clear();
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      const int n = r->FieldSize(*m, f);
      for (int j = 0; j < n; ++j) DropUnknownFields(r->MutableRepeatedMessage(m, f, j));
    } else if (r->HasField(*m, f)) {
      DropUnknownFields(r->MutableMessage(m, f));
    }
  }
}

inline absl::Status ParseRequest(const grpc::ByteBuffer& buffer,
                                 google::protobuf::Message* request) {
  if (!buffer.Valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request is not a valid ", request->GetDescriptor()->full_name(), ": unreadable body"));
  }
  // Parsed from the slices where they are (an import message is hundreds
  // of KiB: copying it into one string cost a large allocation per message).
  grpc::ByteBuffer view(buffer);  // shares the slices
  grpc::ProtoBufferReader reader(&view);
  if (!request->ParseFromZeroCopyStream(&reader)) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (!buffer.Dump(&slices).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "request is not a valid ", request->GetDescriptor()->full_name(), ": unreadable body"));
    }
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    // Tell nesting apart (the one failure a valid encoding can have).
    std::unique_ptr<google::protobuf::Message> probe(request->New());
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    // Bounded: parsing recurses once per level, so a generous limit here
    // would let a 100,000-deep request overflow the stack (found by the
    // soak test). Deeper than this is reported as a plain parse failure.
    in.SetRecursionLimit(kNestingProbeLimit);
    const bool too_deep = probe->MergePartialFromCodedStream(&in) &&
                          in.ConsumedEntireMessage() && probe->IsInitialized();
    request->Clear();
    return absl::InvalidArgumentError(absl::StrCat(
        "request is not a valid ", request->GetDescriptor()->full_name(), ": ",
        too_deep ? "messages or groups are nested deeper than 100 levels"
                 : "not protobuf wire format, or a string field is not valid UTF-8"));
  }
  DropUnknownFields(request);
  return absl::OkStatus();
}

// Installs the call's deadline and cancellation (sql/call_limits.h) for
// the handler's thread: storage work stops when the caller no longer waits.
class CallLimits : public sql::CallLimitsScope {
 public:
  explicit CallLimits(grpc::CallbackServerContext* ctx)
      : sql::CallLimitsScope(absl::FromChrono(ctx->deadline()),
                             [ctx] { return ctx->IsCancelled(); }) {}
};

// Finishes a raw call with `result`: a message (serialized exactly as the
// typed API would), bytes, or shared bytes.
template <typename T>
grpc::ServerUnaryReactor* FinishRaw(grpc::CallbackServerContext* ctx,
                                    const absl::StatusOr<T>& result, grpc::ByteBuffer* resp) {
  if (!result.ok()) return FinishWith(ctx, result.status());
  bool own_buffer = false;
  grpc::Status s = grpc::SerializationTraits<T>::Serialize(*result, resp, &own_buffer);
  if (!s.ok()) return FinishWith(ctx, absl::InternalError("cannot encode the response"));
  return FinishWith(ctx, absl::OkStatus());
}
inline grpc::ServerUnaryReactor* FinishRaw(grpc::CallbackServerContext* ctx,
                                           const absl::StatusOr<std::string>& result,
                                           grpc::ByteBuffer* resp) {
  if (result.ok()) {
    grpc::Slice slice(*result);
    *resp = grpc::ByteBuffer(&slice, 1);
  }
  return FinishWith(ctx, result.status());
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

namespace dyad {
inline grpc::ServerUnaryReactor* FinishRaw(
    grpc::CallbackServerContext* ctx,
    const absl::StatusOr<std::shared_ptr<const std::string>>& result, grpc::ByteBuffer* resp) {
  if (result.ok()) *resp = SharedBytesToByteBuffer(*result);
  return FinishWith(ctx, result.status());
}
}  // namespace dyad

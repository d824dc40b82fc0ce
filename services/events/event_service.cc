#include "event_service.h"

#include "common/grpc_util.h"

namespace dyad::events {

using namespace dyad::events::v1;  // NOLINT: adapter file, names are unambiguous

grpc::ServerUnaryReactor* EventServiceImpl::GetEvent(grpc::CallbackServerContext* ctx,
                                                     const grpc::ByteBuffer* req,
                                                     grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  GetEventRequest request;
  if (!ParseByteBuffer(*req, &request)) {
    return FinishWith(ctx, absl::InvalidArgumentError("request is not a GetEventRequest"));
  }
  auto bytes = core_->GetEventSerialized(request);
  if (bytes.ok()) {
    grpc::Slice slice(*bytes);
    *resp = grpc::ByteBuffer(&slice, 1);
  }
  return FinishWith(ctx, bytes.status());
}

grpc::ServerUnaryReactor* EventServiceImpl::ListEvents(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req,
                                                       grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  ListEventsRequest request;
  if (!ParseByteBuffer(*req, &request)) {
    return FinishWith(ctx, absl::InvalidArgumentError("request is not a ListEventsRequest"));
  }
  auto bytes = core_->ListEventsSerialized(request);
  if (bytes.ok()) *resp = SharedBytesToByteBuffer(*std::move(bytes));
  return FinishWith(ctx, bytes.status());
}

grpc::ServerUnaryReactor* EventServiceImpl::ListEventKinds(grpc::CallbackServerContext* ctx,
                                                           const ListEventKindsRequest* req,
                                                           ListEventKindsResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->ListEventKinds(*req), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::CreateEvent(grpc::CallbackServerContext* ctx,
                                                        const CreateEventRequest* req,
                                                        Event* resp) {
  if (auto s = auth_->Check(AuthorizationOf(*ctx)); !s.ok()) return FinishWith(ctx, s);
  return FinishUnary(ctx, core_->CreateEvent(*req), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::ListSources(grpc::CallbackServerContext* ctx,
                                                        const ListSourcesRequest* req,
                                                        ListSourcesResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  *resp = core_->ListSources();
  return FinishWith(ctx, absl::OkStatus());
}

}  // namespace dyad::events

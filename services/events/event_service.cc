#include "event_service.h"

#include "common/admission.h"
#include "common/grpc_util.h"

namespace dyad::events {

using namespace dyad::events::v1;  // NOLINT: adapter file, names are unambiguous

grpc::ServerUnaryReactor* EventServiceImpl::GetEvent(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  GetEventRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  ReleaseInfo release;
  auto bytes = core_->GetEventSerializedAt(request, &release);
  if (bytes.ok() && !release.id.empty()) ctx->AddInitialMetadata("dyad-release", release.id);
  return FinishRaw(ctx, bytes, resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::ListEvents(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListEventsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListEventsSerialized(request), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::ListEventKinds(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListEventKindsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListEventKinds(request), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::CreateEvent(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->Check(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  CreateEventRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->CreateEvent(request), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::ListSources(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListSourcesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, absl::StatusOr<ListSourcesResponse>(core_->ListSources()), resp);
}

}  // namespace dyad::events

#include "economics_service.h"

#include "common/admission.h"
#include "common/grpc_util.h"

namespace dyad::economics {

using namespace dyad::economics::v1;  // NOLINT: adapter file, names are unambiguous

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListIndicators(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListIndicatorsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, absl::StatusOr<ListIndicatorsResponse>(core_->ListIndicators()), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::GetSeries(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  GetSeriesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->GetSeriesSerialized(request), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListSeries(grpc::CallbackServerContext* ctx,
                                                         const grpc::ByteBuffer* req,
                                                         grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListSeriesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListSeriesSerialized(request), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListObservations(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListObservationsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListObservations(request), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::RecordObservation(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->Check(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  RecordObservationRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->RecordObservation(request), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListSources(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListSourcesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, absl::StatusOr<ListSourcesResponse>(core_->ListSources()), resp);
}

}  // namespace dyad::economics

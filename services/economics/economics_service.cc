#include "economics_service.h"

#include "common/grpc_util.h"

namespace dyad::economics {

using namespace dyad::economics::v1;  // NOLINT: adapter file, names are unambiguous

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListIndicators(grpc::CallbackServerContext* ctx,
                                                               const ListIndicatorsRequest* req,
                                                               ListIndicatorsResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  *resp = core_->ListIndicators();
  return FinishWith(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::GetSeries(grpc::CallbackServerContext* ctx,
                                                          const grpc::ByteBuffer* req,
                                                          grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  GetSeriesRequest request;
  if (!ParseByteBuffer(*req, &request)) {
    return FinishWith(ctx, absl::InvalidArgumentError("request is not a GetSeriesRequest"));
  }
  auto bytes = core_->GetSeriesSerialized(request);
  if (bytes.ok()) *resp = SharedBytesToByteBuffer(*std::move(bytes));
  return FinishWith(ctx, bytes.status());
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListObservations(
    grpc::CallbackServerContext* ctx, const ListObservationsRequest* req,
    ListObservationsResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->ListObservations(*req), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::RecordObservation(
    grpc::CallbackServerContext* ctx, const RecordObservationRequest* req, Observation* resp) {
  if (auto s = auth_->Check(AuthorizationOf(*ctx)); !s.ok()) return FinishWith(ctx, s);
  return FinishUnary(ctx, core_->RecordObservation(*req), resp);
}

grpc::ServerUnaryReactor* EconomicsServiceImpl::ListSources(grpc::CallbackServerContext* ctx,
                                                            const ListSourcesRequest* req,
                                                            ListSourcesResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  *resp = core_->ListSources();
  return FinishWith(ctx, absl::OkStatus());
}

}  // namespace dyad::economics

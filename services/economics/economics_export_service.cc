// EconomicsService.ExportObservations (gRPC adapter only).
#include "common/export_reactor.h"
#include "common/grpc_util.h"
#include "economics_service.h"

namespace dyad::economics {

grpc::ServerWriteReactor<grpc::ByteBuffer>* EconomicsServiceImpl::ExportObservations(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  absl::Status admit = auth_->CheckRead(AuthorizationOf(*ctx));
  absl::StatusOr<std::unique_ptr<ExportSource>> source = absl::InternalError("not started");
  dyad::economics::v1::ExportObservationsRequest request;
  if (admit.ok()) admit = ParseRequest(*req, &request);
  if (admit.ok()) source = core_->ExportObservations(request);
  return new ExportReactor(ctx, admit, std::move(source));
}

}  // namespace dyad::economics

// InstitutionService.ExportInstitutions (gRPC adapter only).
#include "common/export_reactor.h"
#include "common/grpc_util.h"
#include "institution_service.h"

namespace dyad::institutions {

grpc::ServerWriteReactor<grpc::ByteBuffer>* InstitutionServiceImpl::ExportInstitutions(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  absl::Status admit = auth_->CheckRead(AuthorizationOf(*ctx));
  absl::StatusOr<std::unique_ptr<ExportSource>> source = absl::InternalError("not started");
  dyad::institutions::v1::ExportInstitutionsRequest request;
  if (admit.ok()) admit = ParseRequest(*req, &request);
  if (admit.ok()) source = core_->ExportInstitutions(request);
  return new ExportReactor(ctx, admit, std::move(source));
}

}  // namespace dyad::institutions

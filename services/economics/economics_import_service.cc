// EconomicsService's bulk write method (gRPC adapter only).
#include "common/grpc_util.h"
#include "common/import_reactor.h"
#include "economics_service.h"

namespace dyad::economics {

using dyad::economics::v1::ImportObservationsRequest;
using dyad::economics::v1::ImportObservationsResponse;

grpc::ServerReadReactor<grpc::ByteBuffer>* EconomicsServiceImpl::ImportObservations(
    grpc::CallbackServerContext* ctx, grpc::ByteBuffer* resp) {
  EconomicsCore* core = core_;
  return new ImportReactor<ImportObservationsRequest, ImportObservationsResponse>(
      auth_->Check(AuthorizationOf(*ctx)), resp,
      [core](const ImportObservationsRequest& req, int64_t* next,
             ImportObservationsResponse* summary) {
        return core->ImportObservations(req, next, summary);
      });
}

}  // namespace dyad::economics

// EventService's bulk, count and export methods (gRPC adapter only).
#include "common/admission.h"
#include "common/grpc_util.h"
#include "common/export_reactor.h"
#include "common/grouped_import_reactor.h"
#include "event_service.h"

namespace dyad::events {

using dyad::events::v1::ImportEventsRequest;
using dyad::events::v1::ImportEventsResponse;

grpc::ServerReadReactor<grpc::ByteBuffer>* EventServiceImpl::ImportEvents(
    grpc::CallbackServerContext* ctx, grpc::ByteBuffer* resp) {
  EventCore* core = core_;
  using Prepared = EventCore::PreparedImport;
  return new GroupedImportReactor<ImportEventsRequest, ImportEventsResponse, Prepared>(
      auth_->Check(AuthorizationOf(*ctx)), resp,
      [core](std::unique_ptr<ImportEventsRequest> req, int64_t first) {
        return core->PrepareImport(std::move(req), first);
      },
      [core](std::vector<Prepared>& group, ImportEventsResponse* summary) {
        return core->CommitImport(group, summary);
      },
      [core] { return core->FinishImport(); });
}

grpc::ServerUnaryReactor* EventServiceImpl::CountEvents(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* req,
                                                        grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  dyad::events::v1::CountEventsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->CountEvents(request), resp);
}

}  // namespace dyad::events

namespace dyad::events {

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventServiceImpl::ExportEvents(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  absl::Status admit = auth_->CheckRead(AuthorizationOf(*ctx));
  absl::StatusOr<std::unique_ptr<ExportSource>> source = absl::InternalError("not started");
  dyad::events::v1::ExportEventsRequest request;
  if (admit.ok()) admit = ParseRequest(*req, &request);
  if (admit.ok()) source = core_->ExportEvents(request);
  return new ExportReactor(ctx, admit, std::move(source));
}

}  // namespace dyad::events

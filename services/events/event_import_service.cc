// EventService's bulk and count methods (gRPC adapter only).
#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "event_service.h"

namespace dyad::events {
namespace {

using dyad::events::v1::ImportEventsRequest;
using dyad::events::v1::ImportEventsResponse;

// Reads the stream a message at a time; each message is written (one
// transaction) before the next is read, so a slow disk slows the client
// through flow control instead of filling memory.
class ImportEventsReactor final : public grpc::ServerReadReactor<ImportEventsRequest> {
 public:
  ImportEventsReactor(EventCore* core, ImportEventsResponse* summary)
      : core_(core), summary_(summary) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed: the summary is the answer
      Finish(grpc::Status::OK);
      return;
    }
    const int64_t first = next_index_;
    if (absl::Status s = core_->ImportEvents(request_, &next_index_, summary_); !s.ok()) {
      // Messages before this one stay written; running the import again is
      // safe (idempotent by upstream id).
      Finish(ToGrpcStatus(absl::Status(
          s.code(), absl::StrCat("import stopped at record ", first, " (", summary_->received(),
                                 " records before it written): ", s.message()))));
      return;
    }
    request_.Clear();
    StartRead(&request_);
  }

  void OnDone() override { delete this; }
  void OnCancel() override {}

 private:
  EventCore* core_;
  ImportEventsResponse* summary_;
  ImportEventsRequest request_;
  int64_t next_index_ = 0;
};

// A stream finished at once with an error (no token).
class RefusedImport final : public grpc::ServerReadReactor<ImportEventsRequest> {
 public:
  explicit RefusedImport(const absl::Status& s) { Finish(ToGrpcStatus(s)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<ImportEventsRequest>* EventServiceImpl::ImportEvents(
    grpc::CallbackServerContext* ctx, ImportEventsResponse* resp) {
  if (auto s = auth_->Check(AuthorizationOf(*ctx)); !s.ok()) return new RefusedImport(s);
  return new ImportEventsReactor(core_, resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::CountEvents(
    grpc::CallbackServerContext* ctx, const dyad::events::v1::CountEventsRequest* req,
    dyad::events::v1::CountEventsResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->CountEvents(*req), resp);
}

}  // namespace dyad::events

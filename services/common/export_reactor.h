// The server side of a server-streaming export (EventService.ExportEvents,
// EconomicsService.ExportObservations, InstitutionService.ExportInstitutions):
// asks the domain's ExportSource for one message at a time and writes it;
// the next message is read from the store only once gRPC has taken the
// previous one (OnWriteDone), so a slow reader slows the export through
// HTTP/2 flow control and the server holds one batch per call, never the
// whole result. Each page is read under the call's deadline and
// cancellation (CallLimits), and a cancelled call stops reading.
//
// Served raw (ByteBuffer out) like every other backend method: the source
// hands over serialized messages.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/admission.h"
#include "common/export_source.h"
#include "common/grpc_util.h"
#include "common/status.h"

namespace dyad {

class ExportReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // Finishes at once with `source`'s error, or when the process is at its
  // limit of calls in flight (admission.h) or `admit` is an error (e.g. no
  // read token). Deletes itself when the call is done.
  ExportReactor(grpc::CallbackServerContext* ctx, const absl::Status& admit,
                absl::StatusOr<std::unique_ptr<ExportSource>> source)
      : ctx_(ctx) {
    absl::Status s = AdmitCall();
    if (s.ok()) s = admit;
    if (s.ok()) s = source.status();
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    source_ = std::move(*source);
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {  // the client went away (or cancelled): nothing more to send
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the export was cancelled"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    absl::StatusOr<std::optional<std::string>> next;
    {
      CallLimits limits(ctx_);
      next = source_->Next();
    }
    if (!next.ok()) {
      Finish(ToGrpcStatus(next.status()));
      return;
    }
    if (!next->has_value()) {
      Finish(grpc::Status::OK);
      return;
    }
    // Handed over without a copy: the slice owns the bytes until sent.
    buffer_ = SharedBytesToByteBuffer(std::make_shared<const std::string>(std::move(**next)));
    StartWrite(&buffer_);
  }

  grpc::CallbackServerContext* ctx_;
  std::unique_ptr<ExportSource> source_;
  grpc::ByteBuffer buffer_;  // the message being written; kept until OnWriteDone
};

}  // namespace dyad

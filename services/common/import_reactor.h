// The server side of a client-streaming import (EventService.ImportEvents,
// EconomicsService.ImportObservations): reads the stream a message at a
// time and hands each to the domain's import function, which writes it (one
// transaction) before the next message is read, so a slow disk slows the
// client through flow control instead of filling memory. The client's
// half-close finishes the call with the summary; an error from the import
// function finishes it with that error, naming the record it stopped at.
// An optional finish function runs before either answer.
//
// Served raw (ByteBuffer in and out) like every other backend method: each
// message is decoded by ParseRequest, so a malformed one ends the call with
// INVALID_ARGUMENT (a typed stream would see it as the end of the stream and
// answer OK with a short summary), and unknown fields are dropped before
// anything sees them.
#pragma once

#include <cstdint>
#include <functional>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/admission.h"
#include "common/grpc_util.h"
#include "common/status.h"

namespace dyad {

template <typename Request, typename Summary>
class ImportReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  // import(request, &next_index, summary) writes one message. The request
  // is the reactor's, reused for the next message: the import may change
  // it (e.g. map records in place rather than copy them).
  using ImportFn = std::function<absl::Status(Request&, int64_t*, Summary*)>;

  // Runs before the call is answered, whether the stream ended or an import
  // failed (e.g. to make what was written durable); its error fails the call.
  using FinishFn = std::function<absl::Status()>;

  // Starts reading, or finishes at once when the process is at its limit
  // of calls in flight (admission.h) or `admit` is an error (e.g. no write
  // token). Deletes itself when the call is done.
  ImportReactor(const absl::Status& admit, grpc::ByteBuffer* response, ImportFn import,
                FinishFn finish = nullptr)
      : response_(response), import_(std::move(import)), finish_(std::move(finish)) {
    absl::Status s = AdmitCall();
    if (s.ok()) s = admit;
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // half-closed by the client (or cancelled): the summary is the answer
      if (finish_) {
        if (absl::Status s = finish_(); !s.ok()) {
          Finish(ToGrpcStatus(absl::Status(
              s.code(), absl::StrCat("import could not be completed: ", s.message()))));
          return;
        }
      }
      bool own_buffer = false;
      grpc::Status s =
          grpc::SerializationTraits<Summary>::Serialize(summary_, response_, &own_buffer);
      Finish(s.ok() ? grpc::Status::OK
                    : ToGrpcStatus(absl::InternalError("cannot encode the import summary")));
      return;
    }
    const int64_t first = next_index_;
    absl::Status s = ParseRequest(buffer_, &request_);
    buffer_.Clear();
    if (s.ok()) s = import_(request_, &next_index_, &summary_);
    if (!s.ok()) {
      // Earlier messages stay written; running the import again is safe
      // (idempotent by upstream id).
      if (finish_) (void)finish_();  // the error below is the one to report
      Finish(ToGrpcStatus(absl::Status(
          s.code(), absl::StrCat("import stopped at record ", first, " (earlier messages are ",
                                 "written): ", s.message()))));
      return;
    }
    request_.Clear();
    StartRead(&buffer_);
  }

  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer* response_;
  ImportFn import_;
  FinishFn finish_;
  grpc::ByteBuffer buffer_;
  Request request_;
  Summary summary_;
  int64_t next_index_ = 0;
};

}  // namespace dyad

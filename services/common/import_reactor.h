// The server side of a client-streaming import (EventService.ImportEvents,
// EconomicsService.ImportObservations): reads the stream a message at a
// time and hands each to the domain's import function, which writes it (one
// transaction) before the next message is read, so a slow disk slows the
// client through flow control instead of filling memory. The client's
// half-close finishes the call with the summary; an error from the import
// function finishes it with that error, naming the record it stopped at.
#pragma once

#include <cstdint>
#include <functional>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/admission.h"
#include "common/status.h"

namespace dyad {

template <typename Request, typename Summary>
class ImportReactor final : public grpc::ServerReadReactor<Request> {
 public:
  // import(request, &next_index, summary) writes one message.
  using ImportFn = std::function<absl::Status(const Request&, int64_t*, Summary*)>;

  // Starts reading, or finishes at once when the process is at its limit
  // of calls in flight (admission.h) or `admit` is an error (e.g. no write
  // token). Deletes itself when the call is done.
  ImportReactor(const absl::Status& admit, Summary* summary, ImportFn import)
      : summary_(summary), import_(std::move(import)) {
    absl::Status s = AdmitCall();
    if (s.ok()) s = admit;
    if (!s.ok()) {
      this->Finish(ToGrpcStatus(s));
      return;
    }
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // half-closed by the client (or cancelled): the summary is the answer
      this->Finish(grpc::Status::OK);
      return;
    }
    const int64_t first = next_index_;
    // Unknown fields are neither stored nor counted against the record caps.
    request_.DiscardUnknownFields();
    if (absl::Status s = import_(request_, &next_index_, summary_); !s.ok()) {
      // Earlier messages stay written; running the import again is safe
      // (idempotent by upstream id).
      this->Finish(ToGrpcStatus(absl::Status(
          s.code(), absl::StrCat("import stopped at record ", first, " (earlier messages are ",
                                 "written): ", s.message()))));
      return;
    }
    request_.Clear();
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  Summary* summary_;
  ImportFn import_;
  Request request_;
  int64_t next_index_ = 0;
};

}  // namespace dyad

// The server side of a client-streaming import whose messages are written
// in groups, with reading and writing overlapped (EventService.ImportEvents).
//
// Each message is decoded and checked (`prepare`) on the thread that read
// it; consecutive prepared messages gather into a group, and a full group
// (kGroupRows records or kGroupBytes on the wire) is written in one
// transaction (`commit`) while the next group is read and prepared. At
// most one group is being written and one gathered per call: when both are
// full, reading waits for the write, so a slow disk slows the client
// through flow control instead of filling memory. The end of the stream
// writes what remains and answers with the summary (after `finish`, e.g. a
// sync to disk).
//
// Errors: a message that cannot be decoded or prepared ends the call with
// its error after the messages before it are written; a failed commit ends
// it at once, naming the first record of the group it could not write
// (nothing of that group is written; earlier groups are). Running the same
// import again is safe: imports are idempotent by upstream id.
//
// Writes happen on gRPC's callback threads, whichever one completed a
// group; the reactor's own state is guarded by a mutex. Served raw
// (ByteBuffer in and out) like ImportReactor (import_reactor.h), for the
// same reasons.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/admission.h"
#include "common/grpc_util.h"
#include "common/status.h"

namespace dyad {

// How much a group gathers before it is written. Larger groups touch each
// index page once for more records (measured in bench/import_bench.cc); the
// bound keeps a call's memory to two groups.
inline constexpr int64_t kGroupRows = 16384;
inline constexpr size_t kGroupBytes = 4 << 20;

template <typename Request, typename Summary, typename Prepared>
class GroupedImportReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  // Decodes nothing: gets the decoded message and the stream position of
  // its first record. Prepared must have `int64_t rows() const` and
  // `int64_t first_index`.
  using PrepareFn =
      std::function<absl::StatusOr<Prepared>(std::unique_ptr<Request>, int64_t first_index)>;
  // Writes a group in one transaction and adds it to the summary.
  using CommitFn = std::function<absl::Status(std::vector<Prepared>&, Summary*)>;
  // Runs before the call is answered, whatever the outcome.
  using FinishFn = std::function<absl::Status()>;

  GroupedImportReactor(const absl::Status& admit, grpc::ByteBuffer* response, PrepareFn prepare,
                       CommitFn commit, FinishFn finish = nullptr)
      : response_(response),
        prepare_(std::move(prepare)),
        commit_(std::move(commit)),
        finish_(std::move(finish)) {
    absl::Status s = AdmitCall();
    if (s.ok()) s = admit;
    if (!s.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(s));
      return;
    }
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // half-closed by the client (or cancelled): write what remains, answer
      EndInput(absl::OkStatus());
      return;
    }
    const int64_t first = next_index_;
    const size_t bytes = buffer_.Length();
    auto request = std::make_unique<Request>();
    absl::Status s = ParseRequest(buffer_, request.get());
    buffer_.Clear();
    absl::StatusOr<Prepared> prepared =
        s.ok() ? prepare_(std::move(request), first) : absl::StatusOr<Prepared>(s);
    if (!prepared.ok()) {
      EndInput(absl::Status(prepared.status().code(),
                            absl::StrCat("import stopped at record ", first,
                                         " (the records before it are written): ",
                                         prepared.status().message())));
      return;
    }
    next_index_ += prepared->rows();
    std::vector<Prepared> to_write;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;  // a write failed and answered the call
      gathering_rows_ += prepared->rows();
      gathering_bytes_ += bytes;
      gathering_.push_back(*std::move(prepared));
      if (gathering_rows_ < kGroupRows && gathering_bytes_ < kGroupBytes) {
        // Not full: read on (outside the lock).
      } else if (writing_) {
        stalled_ = true;  // the writer takes this group and reads on
        return;
      } else {
        writing_ = true;
        to_write = TakeGroupLocked();
      }
    }
    StartRead(&buffer_);
    if (!to_write.empty()) WriteLoop(std::move(to_write));
  }

  void OnDone() override { delete this; }

 private:
  std::vector<Prepared> TakeGroupLocked() {
    std::vector<Prepared> group;
    group.swap(gathering_);
    gathering_rows_ = 0;
    gathering_bytes_ = 0;
    return group;
  }

  // No more messages: `status` is OK at the end of the stream, or the error
  // of the message that ended it. The writer (this thread, or the one
  // writing now) writes what was gathered and answers.
  void EndInput(absl::Status status) {
    std::vector<Prepared> rest;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_ || input_ended_) return;
      input_ended_ = true;
      end_status_ = std::move(status);
      if (writing_) return;
      writing_ = true;
      rest = TakeGroupLocked();
    }
    WriteLoop(std::move(rest));
  }

  // Writes `group`, then whatever the reader left waiting, until nothing
  // is; answers the call when the input has ended. Only one thread is in
  // here at a time (writing_).
  void WriteLoop(std::vector<Prepared> group) {
    for (;;) {
      if (!group.empty()) {
        const int64_t first = group.front().first_index;
        if (absl::Status s = commit_(group, &summary_); !s.ok()) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            finished_ = true;
          }
          if (finish_) (void)finish_();  // the error below is the one to report
          Finish(ToGrpcStatus(absl::Status(
              s.code(), absl::StrCat("import stopped at record ", first,
                                     " (the records before it are written): ", s.message()))));
          return;  // `this` may be gone
        }
        group.clear();
      }
      bool read_on = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stalled_ || (input_ended_ && !gathering_.empty())) {
          read_on = stalled_ && !input_ended_;
          stalled_ = false;
          group = TakeGroupLocked();
        } else if (!input_ended_) {
          writing_ = false;
          return;
        } else {
          finished_ = true;
        }
      }
      if (!group.empty()) {
        if (read_on) StartRead(&buffer_);
        continue;
      }
      Answer();
      return;  // `this` may be gone
    }
  }

  void Answer() {
    if (finish_) {
      if (absl::Status s = finish_(); !s.ok()) {
        Finish(ToGrpcStatus(absl::Status(
            s.code(), absl::StrCat("import could not be completed: ", s.message()))));
        return;
      }
    }
    if (!end_status_.ok()) {
      Finish(ToGrpcStatus(end_status_));
      return;
    }
    bool own_buffer = false;
    grpc::Status s = grpc::SerializationTraits<Summary>::Serialize(summary_, response_, &own_buffer);
    Finish(s.ok() ? grpc::Status::OK
                  : ToGrpcStatus(absl::InternalError("cannot encode the import summary")));
  }

  grpc::ByteBuffer* response_;
  PrepareFn prepare_;
  CommitFn commit_;
  FinishFn finish_;
  grpc::ByteBuffer buffer_;  // one read at a time
  int64_t next_index_ = 0;   // reader only
  Summary summary_;          // writer only

  std::mutex mu_;
  std::vector<Prepared> gathering_;
  int64_t gathering_rows_ = 0;
  size_t gathering_bytes_ = 0;
  bool writing_ = false;      // a thread is in WriteLoop
  bool stalled_ = false;      // a full group waits; no read is outstanding
  bool input_ended_ = false;  // end of stream or a bad message: no read is outstanding
  bool finished_ = false;     // Finish was called (or is about to be)
  absl::Status end_status_;
};

}  // namespace dyad

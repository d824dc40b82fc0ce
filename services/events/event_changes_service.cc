// EventServiceImpl: UpdateEvent, DeleteEvent, ListReleases, ListChanges and
// the WatchChanges stream (docs/releases.md).
#include <grpcpp/alarm.h>

#include <memory>
#include <mutex>

#include "common/admission.h"
#include "common/grpc_util.h"
#include "common/status.h"
#include "event_service.h"

namespace dyad::events {

using namespace dyad::events::v1;  // NOLINT: adapter file, names are unambiguous

namespace {

// Changes per WatchChanges message at most.
constexpr int kWatchBatch = 200;

// Sends the log after a position, then whatever is committed later, in
// order and once each: `pos_` only moves past what a message carried, and
// the next read starts after it. Reads run on gRPC's threads (a page of at
// most kWatchBatch changes); between polls nothing runs. Lifetime: one
// reference for the call (dropped in OnDone) and one per armed alarm.
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  WatchReactor(EventCore* core, int64_t since, absl::Duration poll)
      : core_(core), pos_(since), poll_(poll) {
    Next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    Next();
  }

  void OnCancel() override {
    grpc::Alarm* armed = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      armed = alarm_.get();  // never replaced once cancelled_ is set
    }
    if (armed) armed->Cancel();  // its callback (fired or not) finishes the call
  }

  void OnDone() override { Release(); }

 private:
  void Next() {
    auto changes = core_->ChangesAfter(pos_, kWatchBatch);
    if (!changes.ok()) {
      FinishOnce(ToGrpcStatus(changes.status()));
      return;
    }
    if (changes->empty()) {
      Wait();
      return;
    }
    WatchChangesResponse msg;
    for (auto& c : *changes) {
      pos_ = c.seq();
      *msg.add_changes() = std::move(c);
    }
    bool own = false;
    buffer_.Clear();  // the previous message's, sent
    if (!grpc::SerializationTraits<WatchChangesResponse>::Serialize(msg, &buffer_, &own).ok()) {
      FinishOnce(grpc::Status(grpc::StatusCode::INTERNAL, "cannot encode the response"));
      return;
    }
    StartWrite(&buffer_);
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    if (cancelled_) {
      lock.unlock();
      FinishOnce(grpc::Status::CANCELLED);
      return;
    }
    ++refs_;
    // A fresh alarm per wait (the previous one has fired: we may be in its
    // callback, which grpc::Alarm allows destroying it from).
    alarm_ = std::make_unique<grpc::Alarm>();
    alarm_->Set(absl::ToChronoTime(absl::Now() + poll_), [this](bool fired) {
      bool cancelled;
      {
        std::lock_guard<std::mutex> lock(mu_);
        cancelled = cancelled_ || !fired;
      }
      if (cancelled) {
        FinishOnce(grpc::Status::CANCELLED);
      } else {
        Next();
      }
      Release();
    });
  }

  // Finish is called without holding mu_ (OnDone takes it).
  void FinishOnce(const grpc::Status& status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  void Release() {
    bool last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  EventCore* core_;
  int64_t pos_;
  absl::Duration poll_;
  grpc::ByteBuffer buffer_;
  std::mutex mu_;
  bool cancelled_ = false;
  bool finished_ = false;
  int refs_ = 1;
  std::unique_ptr<grpc::Alarm> alarm_;
};

}  // namespace

grpc::ServerUnaryReactor* EventServiceImpl::UpdateEvent(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* req,
                                                        grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->Check(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  UpdateEventRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->UpdateEvent(request), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::DeleteEvent(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* req,
                                                        grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->Check(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  DeleteEventRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->DeleteEvent(request), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::ListReleases(grpc::CallbackServerContext* ctx,
                                                         const grpc::ByteBuffer* req,
                                                         grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListReleasesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListReleases(request), resp);
}

grpc::ServerUnaryReactor* EventServiceImpl::ListChanges(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* req,
                                                        grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListChangesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListChanges(request), resp);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventServiceImpl::WatchChanges(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  absl::Status denied = AdmitCall();
  if (denied.ok()) denied = auth_->CheckRead(AuthorizationOf(*ctx));
  WatchChangesRequest request;
  if (denied.ok()) denied = ParseRequest(*req, &request);
  if (denied.ok() && request.since() < 0) denied = InvalidField("since", "must not be negative");
  if (!denied.ok()) {
    class Refused final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
     public:
      explicit Refused(const absl::Status& s) { Finish(ToGrpcStatus(s)); }
      void OnDone() override { delete this; }
    };
    return new Refused(denied);
  }
  return new WatchReactor(core_, request.since(), watch_poll_);
}

}  // namespace dyad::events

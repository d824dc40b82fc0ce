#include "common/health.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/metrics.h"

namespace dyad {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream: writes the current status, then each change. At most one
// write is in flight; a newer status replaces a pending one.
class HealthService::Watcher final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService* owner, std::string service) : owner_(owner), service_(std::move(service)) {}

  // Called with owner_->mu_ held.
  void Push(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    pending_ = status;
    has_pending_ = true;
    MaybeWriteLocked();
  }
  // Called with owner_->mu_ held.
  void End() {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (!writing_) Finish(grpc::Status::OK);
    else finish_after_write_ = true;
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      if (!finished_) {
        finished_ = true;
        Finish(grpc::Status::OK);
      }
      return;
    }
    if (finish_after_write_) {
      finish_after_write_ = false;
      Finish(grpc::Status::OK);
      return;
    }
    MaybeWriteLocked();
  }
  void OnCancel() override { End(); }
  void OnDone() override {
    owner_->Unregister(this);
    delete this;
  }

 private:
  void MaybeWriteLocked() {
    if (writing_ || !has_pending_ || finished_) return;
    response_.set_status(pending_);
    has_pending_ = false;
    writing_ = true;
    StartWrite(&response_);
  }

  HealthService* owner_;
  std::string service_;
  std::mutex mu_;
  HealthCheckResponse response_;
  Status pending_ = HealthCheckResponse::SERVICE_UNKNOWN;
  bool has_pending_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool finish_after_write_ = false;

  friend class HealthService;
};

HealthService::~HealthService() { Shutdown(); }

HealthService::Status HealthService::StatusOfLocked(const std::string& service) const {
  auto it = statuses_.find(service);
  return it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second;
}

void HealthService::SetServingStatus(const std::string& service, bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) serving = false;
  const Status s = serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  statuses_[service] = s;
  for (Watcher* w : watchers_) {
    if (w->service_ == service) w->Push(s);
  }
}

void HealthService::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& [name, status] : statuses_) status = HealthCheckResponse::NOT_SERVING;
  for (Watcher* w : watchers_) {
    w->Push(HealthCheckResponse::NOT_SERVING);
    w->End();
  }
}

void HealthService::Unregister(Watcher* w) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(w);
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* ctx,
                                               const HealthCheckRequest* req,
                                               HealthCheckResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  Status s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = StatusOfLocked(req->service());
  }
  if (s == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 "unknown service \"" + req->service() + "\""));
  } else {
    resp->set_status(s);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* ctx, const HealthCheckRequest* req) {
  auto* w = new Watcher(this, req->service());
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.insert(w);
  w->Push(StatusOfLocked(req->service()));
  if (shut_down_) w->End();
  return w;
}

void StoreHealth::Attach(HealthService* health, std::vector<std::string> names) {
  std::lock_guard<std::mutex> lock(mu_);
  health_ = health;
  names_ = std::move(names);
  ApplyLocked();
}

void StoreHealth::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  health_ = nullptr;
}

void StoreHealth::ApplyLocked() {
  if (health_ == nullptr) return;
  const bool serving = healthy_.load();
  for (const auto& n : names_) health_->SetServingStatus(n, serving);
  health_->SetServingStatus("", serving);
}

void StoreHealth::MarkUnhealthy(const std::string& reason) {
  metrics::StoreError();  // every fault counts; the log has one line per change
  std::lock_guard<std::mutex> lock(mu_);
  if (!healthy_.load()) return;  // one line per change, not per error
  healthy_.store(false);
  metrics::SetStoreHealthy(false);
  reason_ = reason;
  Log().error("store unhealthy: NOT_SERVING, writes refused until a check passes; store={} "
              "reason={}", store_, reason);
  ApplyLocked();
}

void StoreHealth::MarkHealthy() {
  std::lock_guard<std::mutex> lock(mu_);
  if (healthy_.load()) return;
  healthy_.store(true);
  metrics::SetStoreHealthy(true);
  Log().warn("store healthy again: SERVING; store={} (was: {})", store_, reason_);
  reason_.clear();
  ApplyLocked();
}

absl::Status StoreHealth::WriteGate() const {
  if (healthy_.load()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  return absl::UnavailableError(
      absl::StrCat("writes are refused while the database is unhealthy (", reason_, ")"));
}

}  // namespace dyad

#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "grpc/health/v1/health.grpc.pb.h"

namespace dyad {

// grpc.health.v1.Health on the callback API, with a serving status per
// service name ("" is the server as a whole).
//
// Why not grpc::EnableDefaultHealthCheckService: on gRPC 1.51 it keeps the
// server's Shutdown() waiting for the whole grace period once any client has
// called Check, which defeats a prompt graceful stop. This one finishes its
// calls at once and ends every Watch stream on Shutdown().
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  HealthService() = default;
  ~HealthService() override;

  void SetServingStatus(const std::string& service, bool serving);
  // Every service NOT_SERVING, then ends all Watch streams.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req) override;

 private:
  class Watcher;
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;
  Status StatusOfLocked(const std::string& service) const;
  void Unregister(Watcher* w);

  std::mutex mu_;
  std::map<std::string, Status> statuses_;
  std::set<Watcher*> watchers_;
  bool shut_down_ = false;
};

// Whether the service's store can be trusted, shared by whoever finds out
// (start-up checks, sqlite's fault reports, the periodic re-check) and
// whoever must act on it (the health service, the write path). Starts
// healthy. Each change of state logs one line; while unhealthy, the attached
// health service says NOT_SERVING for the attached names and WriteGate()
// refuses writes with UNAVAILABLE. Thread-safe.
class StoreHealth {
 public:
  explicit StoreHealth(std::string store) : store_(std::move(store)) {}

  // From now on, mirror the state into `health` for `names` (and "").
  // Applies the current state at once.
  void Attach(HealthService* health, std::vector<std::string> names);
  void Detach();

  void MarkUnhealthy(const std::string& reason);
  void MarkHealthy();
  bool healthy() const { return healthy_.load(); }
  // OK, or UNAVAILABLE naming the reason.
  absl::Status WriteGate() const;

 private:
  void ApplyLocked();

  const std::string store_;
  mutable std::mutex mu_;
  std::atomic<bool> healthy_{true};
  std::string reason_;
  HealthService* health_ = nullptr;
  std::vector<std::string> names_;
};

}  // namespace dyad

// Prometheus metrics of a Dyad process (prometheus-cpp, pull model).
//
// One registry per process, filled from wherever the events happen and
// served at http://<host>:<--metrics_port>/metrics by the exposer that
// ServerRunner starts (0: no exposer; the counters still count, so tests
// can read them with RenderMetrics()). Every metric is listed, with its
// labels, in docs/operations.md.
//
// Server calls use the names and labels of grpc-ecosystem's Prometheus
// middleware (go-grpc-prometheus / go-grpc-middleware), so existing gRPC
// dashboards and alerts work unchanged:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method} (histogram)
// Dyad's own metrics start with dyad_.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Counter;
class Exposer;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace dyad::metrics {

// The process's registry (created on first use, never destroyed).
std::shared_ptr<prometheus::Registry> Registry();

// Everything the registry holds, in Prometheus' text format (what /metrics
// serves).
std::string RenderMetrics();

// Serves the registry at http://<host>:<port>/metrics until destroyed.
class Exposer {
 public:
  // `port` 0..65535 (0: the system picks one). Fails UNAVAILABLE when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Exposer>> Start(const std::string& host, int port);
  ~Exposer();
  int port() const { return port_; }

 private:
  Exposer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// ---- Server calls (the server's interceptor records them) ----

// "unary", "client_stream", "server_stream" or "bidi_stream".
const char* GrpcTypeName(int rpc_type /* grpc::internal::RpcMethod::RpcType */);

// The metrics of one method, resolved once per method name: "/pkg.Service/Method".
// A method no compiled-in service declares is counted under service and
// method "unknown" (a client cannot grow the label sets).
class ServerMethod {
 public:
  static ServerMethod* For(absl::string_view full_method, const char* grpc_type);
  void Started();
  void Handled(grpc::StatusCode code, double seconds);
  const std::string& service() const { return service_; }
  const std::string& method() const { return method_; }

 private:
  ServerMethod() = default;
  std::string type_, service_, method_;
  prometheus::Counter* started_ = nullptr;
  prometheus::Histogram* seconds_ = nullptr;
  std::vector<prometheus::Counter*> handled_;  // by code, 0..16
};

// dyad_server_calls_in_flight, +1 / -1.
void CallInFlight(int delta);

// ---- Gateway ----

// One backend call the gateway made (the client interceptor of its
// channels records it): dyad_gateway_backend_calls_total{backend,method,code}
// and dyad_gateway_backend_call_seconds{backend,method}.
void BackendCall(const std::string& backend, const std::string& method, grpc::StatusCode code,
                 double seconds);
// A composed answer with failed parts: dyad_gateway_partial_answers_total{method}
// once, and dyad_gateway_part_errors_total{method,part,code} per failed part.
void PartialAnswer(const std::string& method);
void PartError(const std::string& method, const std::string& part, grpc::StatusCode code);
// The gateway's answer cache: dyad_gateway_answer_cache_requests_total{result="hit"|"miss"}.
void AnswerCacheLookup(bool hit);

// ---- Backends ----

// A backend's result cache: dyad_result_cache_requests_total{result}.
void ResultCacheLookup(bool hit);
// dyad_plugins_loaded; dyad_plugin_records{plugin,version,kind}.
void SetPluginsLoaded(int n);
void SetPluginRecords(const std::string& plugin, const std::string& version,
                      const std::string& kind, int64_t records);
// A fault the store reported (dyad_store_errors_total), and whether the
// store is healthy now (dyad_store_healthy 1/0).
void StoreError();
void SetStoreHealthy(bool healthy);

}  // namespace dyad::metrics

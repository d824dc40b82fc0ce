#include "common/metrics.h"

#include <exception>
#include <sstream>

#include <grpcpp/impl/rpc_method.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "google/protobuf/descriptor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace dyad::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr int kCodes = 17;  // grpc::StatusCode 0..16

// Seconds. grpc-ecosystem's default buckets (Prometheus' DefBuckets, 5 ms to
// 10 s) with three below them: most of Dyad's answers take well under 5 ms.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* b = new Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *b;
}

struct Families {
  explicit Families(prometheus::Registry& r)
      : started(prometheus::BuildCounter()
                    .Name("grpc_server_started_total")
                    .Help("Total number of RPCs started on the server.")
                    .Register(r)),
        handled(prometheus::BuildCounter()
                    .Name("grpc_server_handled_total")
                    .Help("Total number of RPCs completed on the server, regardless of success "
                          "or failure.")
                    .Register(r)),
        handling(prometheus::BuildHistogram()
                     .Name("grpc_server_handling_seconds")
                     .Help("Histogram of response latency (seconds) of gRPC that had been "
                           "application-level handled by the server.")
                     .Register(r)),
        in_flight(prometheus::BuildGauge()
                      .Name("dyad_server_calls_in_flight")
                      .Help("Calls being served right now (all methods, health checks too).")
                      .Register(r)
                      .Add({})),
        backend_calls(prometheus::BuildCounter()
                          .Name("dyad_gateway_backend_calls_total")
                          .Help("Calls the gateway made to a backend, by backend, method and "
                                "final gRPC code (a retried call counts once).")
                          .Register(r)),
        backend_seconds(prometheus::BuildHistogram()
                            .Name("dyad_gateway_backend_call_seconds")
                            .Help("Latency of the gateway's calls to a backend (seconds).")
                            .Register(r)),
        partial_answers(prometheus::BuildCounter()
                            .Name("dyad_gateway_partial_answers_total")
                            .Help("Composed answers in which at least one part (backend) "
                                  "failed, by gateway method.")
                            .Register(r)),
        part_errors(prometheus::BuildCounter()
                        .Name("dyad_gateway_part_errors_total")
                        .Help("Failed parts of composed answers, by gateway method, part and "
                              "gRPC code.")
                        .Register(r)),
        answer_cache(prometheus::BuildCounter()
                         .Name("dyad_gateway_answer_cache_requests_total")
                         .Help("Lookups in the gateway's answer cache (--answer_cache_ttl), by "
                               "result (hit, miss).")
                         .Register(r)),
        result_cache(prometheus::BuildCounter()
                         .Name("dyad_result_cache_requests_total")
                         .Help("Lookups in a backend's result cache, by result (hit, miss).")
                         .Register(r)),
        plugins_loaded(prometheus::BuildGauge()
                           .Name("dyad_plugins_loaded")
                           .Help("Domain plugins loaded by this process (all of --plugins, whichever services they contribute to).")
                           .Register(r)
                           .Add({})),
        plugin_records(prometheus::BuildGauge()
                           .Name("dyad_plugin_records")
                           .Help("Curated records a plugin contributes to this service, by "
                                 "plugin, version and kind.")
                           .Register(r)),
        store_errors(prometheus::BuildCounter()
                         .Name("dyad_store_errors_total")
                         .Help("Faults the store reported (SQLite corruption, I/O, full or "
                               "read-only; PostgreSQL connection or query failures; failed "
                               "periodic checks).")
                         .Register(r)
                         .Add({})),
        store_healthy(prometheus::BuildGauge()
                          .Name("dyad_store_healthy")
                          .Help("1 while the store is healthy (health SERVING), 0 while not.")
                          .Register(r)
                          .Add({})) {}

  Family<Counter>& started;
  Family<Counter>& handled;
  Family<Histogram>& handling;
  Gauge& in_flight;
  Family<Counter>& backend_calls;
  Family<Histogram>& backend_seconds;
  Family<Counter>& partial_answers;
  Family<Counter>& part_errors;
  Family<Counter>& answer_cache;
  Family<Counter>& result_cache;
  Gauge& plugins_loaded;
  Family<Gauge>& plugin_records;
  Counter& store_errors;
  Gauge& store_healthy;
};

Families& F() {
  static auto* f = [] {
    auto* families = new Families(*Registry());
    families->store_healthy.Set(1);
    return families;
  }();
  return *f;
}

// Metrics resolved once per label set: prometheus-cpp's Family::Add builds a
// label map and takes the family's lock on every call, too much for a path
// taken once per call.
template <typename T>
class Cache {
 public:
  template <typename Make>
  T* Get(const std::string& key, Make make) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = map_.find(key);
      if (it != map_.end()) return it->second;
    }
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = map_.try_emplace(key, nullptr);
    if (inserted) it->second = make();
    return it->second;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, T*> map_ ABSL_GUARDED_BY(mu_);
};

std::string CodeName(grpc::StatusCode code) { return std::string(GrpcCodeName(code)); }

}  // namespace

std::shared_ptr<prometheus::Registry> Registry() {
  static auto* r = new std::shared_ptr<prometheus::Registry>(
      std::make_shared<prometheus::Registry>());
  return *r;
}

std::string RenderMetrics() {
  F();  // the families exist even before anything was counted
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, Registry()->Collect());
  return out.str();
}

absl::StatusOr<std::unique_ptr<Exposer>> Exposer::Start(const std::string& host, int port) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("metrics_port: must be 0..65535, got ", port));
  }
  F();
  const std::string bind =
      host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                          : absl::StrCat(host, ":", port);
  std::unique_ptr<Exposer> e(new Exposer());
  try {
    // Two threads: a scrape every few seconds needs no more.
    e->exposer_ = std::make_unique<prometheus::Exposer>(bind, 2);
  } catch (const std::exception& ex) {
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", bind, " (address in use?): ", ex.what()));
  }
  e->exposer_->RegisterCollectable(Registry());
  const auto ports = e->exposer_->GetListeningPorts();
  e->port_ = ports.empty() ? port : ports.front();
  return e;
}

Exposer::~Exposer() = default;

const char* GrpcTypeName(int rpc_type) {
  switch (static_cast<grpc::internal::RpcMethod::RpcType>(rpc_type)) {
    case grpc::internal::RpcMethod::NORMAL_RPC: return "unary";
    case grpc::internal::RpcMethod::CLIENT_STREAMING: return "client_stream";
    case grpc::internal::RpcMethod::SERVER_STREAMING: return "server_stream";
    case grpc::internal::RpcMethod::BIDI_STREAMING: return "bidi_stream";
  }
  return "unary";
}

ServerMethod* ServerMethod::For(absl::string_view full_method, const char* grpc_type) {
  static auto* cache = new Cache<ServerMethod>();
  return cache->Get(absl::StrCat(grpc_type, full_method), [&] {
    auto* m = new ServerMethod();
    m->type_ = grpc_type;
    m->service_ = "unknown";
    m->method_ = "unknown";
    // "/pkg.Service/Method", counted under its own name only when a
    // compiled-in service declares it.
    absl::string_view path = full_method;
    if (!path.empty() && path[0] == '/') path.remove_prefix(1);
    const size_t slash = path.find('/');
    if (slash != absl::string_view::npos) {
      const std::string service(path.substr(0, slash));
      const std::string method(path.substr(slash + 1));
      const auto* sd = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
      if (sd != nullptr && sd->FindMethodByName(method) != nullptr) {
        m->service_ = service;
        m->method_ = method;
      }
    }
    const std::map<std::string, std::string> labels{
        {"grpc_type", m->type_}, {"grpc_service", m->service_}, {"grpc_method", m->method_}};
    m->started_ = &F().started.Add(labels);
    m->seconds_ = &F().handling.Add(labels, LatencyBuckets());
    m->handled_.resize(kCodes, nullptr);
    return m;
  });
}

void ServerMethod::Started() { started_->Increment(); }

void ServerMethod::Handled(grpc::StatusCode code, double seconds) {
  const int c = static_cast<int>(code);
  const int i = c >= 0 && c < kCodes ? c : static_cast<int>(grpc::StatusCode::UNKNOWN);
  // Resolved on first use of each code (Add is idempotent; a race only
  // stores the same pointer twice).
  Counter* counter = __atomic_load_n(&handled_[i], __ATOMIC_ACQUIRE);
  if (counter == nullptr) {
    counter = &F().handled.Add({{"grpc_type", type_},
                                {"grpc_service", service_},
                                {"grpc_method", method_},
                                {"grpc_code", CodeName(static_cast<grpc::StatusCode>(i))}});
    __atomic_store_n(&handled_[i], counter, __ATOMIC_RELEASE);
  }
  counter->Increment();
  seconds_->Observe(seconds);
}

void CallInFlight(int delta) {
  if (delta > 0) F().in_flight.Increment(delta);
  else F().in_flight.Decrement(-delta);
}

void BackendCall(const std::string& backend, const std::string& method, grpc::StatusCode code,
                 double seconds) {
  static auto* counters = new Cache<Counter>();
  static auto* histograms = new Cache<Histogram>();
  const std::string code_name = CodeName(code);
  counters
      ->Get(absl::StrCat(backend, "/", method, "/", code_name),
            [&] {
              return &F().backend_calls.Add(
                  {{"backend", backend}, {"method", method}, {"code", code_name}});
            })
      ->Increment();
  histograms
      ->Get(absl::StrCat(backend, "/", method),
            [&] {
              return &F().backend_seconds.Add({{"backend", backend}, {"method", method}},
                                              LatencyBuckets());
            })
      ->Observe(seconds);
}

void PartialAnswer(const std::string& method) {
  F().partial_answers.Add({{"method", method}}).Increment();
}

void PartError(const std::string& method, const std::string& part, grpc::StatusCode code) {
  F().part_errors.Add({{"method", method}, {"part", part}, {"code", CodeName(code)}}).Increment();
}

void AnswerCacheLookup(bool hit) {
  static Counter* hits = &F().answer_cache.Add({{"result", "hit"}});
  static Counter* misses = &F().answer_cache.Add({{"result", "miss"}});
  (hit ? hits : misses)->Increment();
}

void ResultCacheLookup(bool hit) {
  static Counter* hits = &F().result_cache.Add({{"result", "hit"}});
  static Counter* misses = &F().result_cache.Add({{"result", "miss"}});
  (hit ? hits : misses)->Increment();
}

void SetPluginsLoaded(int n) { F().plugins_loaded.Set(n); }

void SetPluginRecords(const std::string& plugin, const std::string& version,
                      const std::string& kind, int64_t records) {
  F().plugin_records.Add({{"plugin", plugin}, {"version", version}, {"kind", kind}})
      .Set(static_cast<double>(records));
}

void StoreError() { F().store_errors.Increment(); }

void SetStoreHealthy(bool healthy) { F().store_healthy.Set(healthy ? 1 : 0); }

}  // namespace dyad::metrics

#include "common/server.h"

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <thread>
#include <pthread.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/admission.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/status.h"
#include "common/trace.h"
#include "common/tls.h"

namespace dyad {
namespace {

// One per call (gRPC creates it when the call arrives and destroys it when
// the call is over): counts the call in flight, takes the caller's trace
// (trace.h), and when the status goes out records the call's metrics
// (metrics.h) and writes its access log line:
//   call method=/dyad.events.v1.EventService/ListEvents code=OK duration=0.000412
//        peer=ipv4:10.0.0.7:51234 trace_id=... span_id=... parent_span_id=...
// at info for Dyad's own methods, at debug for health checks and reflection
// (probes would flood the log).
class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(std::shared_ptr<ServerRunner::Counters> c, grpc::experimental::ServerRpcInfo* info)
      : c_(std::move(c)),
        // Copied: the interceptor may be destroyed inside the context's
        // destructor, when neither may be read any more.
        ctx_(info->server_context()),
        method_(info->method() != nullptr ? info->method() : ""),
        dyad_method_(absl::StartsWith(method_, "/dyad.")),
        start_(absl::Now()),
        metrics_(metrics::ServerMethod::For(
            method_, metrics::GrpcTypeName(static_cast<int>(info->type())))) {
    ++c_->in_flight;
    if (dyad_method_) {
      c_->served.fetch_add(1, std::memory_order_relaxed);
      internal::CallStarted();
    }
    metrics::CallInFlight(1);
    metrics_->Started();
  }
  ~CallInterceptor() override {
    // A call that ended without a status going out (the client went away
    // first) still counts, as CANCELLED.
    if (!finished_) Finished(grpc::StatusCode::CANCELLED);
    if (traced_) internal::UnregisterCallTrace(ctx_);
    metrics::CallInFlight(-1);
    if (dyad_method_) internal::CallEnded();
    --c_->in_flight;
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      absl::string_view traceparent, tracestate;
      if (auto* md = methods->GetRecvInitialMetadata()) {
        if (auto it = md->find("traceparent"); it != md->end()) {
          traceparent = absl::string_view(it->second.data(), it->second.size());
        }
        if (auto it = md->find("tracestate"); it != md->end()) {
          tracestate = absl::string_view(it->second.data(), it->second.size());
        }
      }
      trace_ = ServerTrace(traceparent, tracestate);
      internal::RegisterCallTrace(ctx_, trace_);
      traced_ = true;
      if (ctx_ != nullptr) peer_ = ctx_->peer();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finished(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Finished(grpc::StatusCode code) {
    finished_ = true;
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    metrics_->Handled(code, seconds);
    const auto level = dyad_method_ ? spdlog::level::info : spdlog::level::debug;
    if (!Log().should_log(level)) return;
    Log().log(level, "call method={} code={} duration={:.6f} peer={} trace_id={} span_id={}{}{}",
              LogValue(method_), std::string(GrpcCodeName(code)), seconds, LogValue(peer_),
              traced_ ? trace_.trace_id : "none", traced_ ? trace_.span_id : "none",
              trace_.parent_span_id.empty() ? "" : " parent_span_id=", trace_.parent_span_id);
  }

  std::shared_ptr<ServerRunner::Counters> c_;
  const grpc::ServerContextBase* ctx_;
  const std::string method_;
  const bool dyad_method_;
  std::string peer_;
  const absl::Time start_;
  metrics::ServerMethod* metrics_;
  TraceContext trace_;
  bool traced_ = false;
  bool finished_ = false;
};

class CallInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(std::shared_ptr<ServerRunner::Counters> c) : c_(std::move(c)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(c_, info);
  }

 private:
  std::shared_ptr<ServerRunner::Counters> c_;
};

}  // namespace

ServerConfig ServerConfigFromFlags(int default_port) {
  ServerConfig c;
  c.host = absl::GetFlag(FLAGS_host);
  const int port = absl::GetFlag(FLAGS_port);
  c.port = port < 0 ? default_port : port;
  c.max_receive_bytes = absl::GetFlag(FLAGS_max_receive_bytes);
  c.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  c.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  c.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  c.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  c.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  c.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  c.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  return c;
}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

absl::Status ServerRunner::Start(const ServerConfig& config,
                                 const std::vector<grpc::Service*>& services,
                                 const std::vector<std::string>& service_names,
                                 grpc::CallbackGenericService* generic) {
  if (config.port < 0 || config.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("port: must be 0..65535, got ", config.port));
  }
  if (config.max_receive_bytes <= 0) {
    return absl::InvalidArgumentError("max_receive_bytes: must be positive");
  }
  if (config.max_in_flight < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_in_flight: must be 0 (no limit) or positive, got ", config.max_in_flight));
  }
  if (config.max_connection_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("max_connection_age: must not be negative, got ",
                                                   absl::FormatDuration(config.max_connection_age)));
  }
  if (config.metrics_port < -1 || config.metrics_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics_port: must be 0 (off), 1..65535, or -1 (any free port), got ",
        config.metrics_port));
  }
  config_ = config;
  service_names_ = service_names;
  if (config.metrics_port != 0) {
    auto exposer = metrics::Exposer::Start(config.host, std::max(config.metrics_port, 0));
    if (!exposer.ok()) return exposer.status();
    metrics_ = std::move(*exposer);
    Log().info("metrics address={}:{} path=/metrics", config.host, metrics_->port());
  }
  SetMaxCallsInFlight(config.max_in_flight);
  grpc::EnableDefaultHealthCheckService(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string host = config.host.find(':') != std::string::npos
                               ? absl::StrCat("[", config.host, "]")
                               : config.host;
  auto creds = MakeServerCredentials(
      {config.tls_cert_file, config.tls_key_file, config.tls_client_ca_file});
  if (!creds.ok()) return creds.status();
  builder.AddListeningPort(absl::StrCat(host, ":", config.port), *creds, &port_);
  builder.SetMaxReceiveMessageSize(config.max_receive_bytes);
  if (config.max_connection_age > absl::ZeroDuration()) {
    auto ms = [](absl::Duration d) {
      return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
    };
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ms(config.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, ms(config.shutdown_grace));
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<CallInterceptorFactory>(counters_));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  builder.RegisterService(&health_);
  for (grpc::Service* s : services) builder.RegisterService(s);
  if (generic != nullptr) builder.RegisterCallbackGenericService(generic);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", host, ":", config.port, " (address in use?)"));
  }
  for (const auto& name : service_names_) health_.SetServingStatus(name, true);
  health_.SetServingStatus("", true);
  return absl::OkStatus();
}

int ServerRunner::metrics_port() const { return metrics_ ? metrics_->port() : 0; }

std::string ServerRunner::address() const { return absl::StrCat(config_.host, ":", port_); }

int ServerRunner::WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  Log().info("shutting down signal={} grace_seconds={}", sig == SIGTERM ? "SIGTERM" : "SIGINT",
             absl::ToDoubleSeconds(config_.shutdown_grace));
  Shutdown();
  return sig;
}

void ServerRunner::Shutdown() {
  if (server_ == nullptr || stopped_) return;
  stopped_ = true;
  health_.Shutdown();  // NOT_SERVING everywhere, Watch streams end
  const absl::Time deadline = absl::Now() + config_.shutdown_grace;
  auto done = std::make_shared<std::atomic<bool>>(false);
  grpc::Server* server = server_.get();
  std::thread stopper([server, deadline, done] {
    server->Shutdown(absl::ToChronoTime(deadline));
    server->Wait();
    *done = true;
  });
  // Wait for gRPC, or until no call has been in flight for a moment (so the
  // last responses are flushed), or the deadline plus a margin for the
  // cancellations gRPC sends at the deadline.
  absl::Time idle_since = absl::InfiniteFuture();
  while (!*done && absl::Now() < deadline + absl::Seconds(1)) {
    if (counters_->in_flight.load() == 0) {
      if (idle_since == absl::InfiniteFuture()) idle_since = absl::Now();
      if (absl::Now() - idle_since > absl::Milliseconds(200)) break;
    } else {
      idle_since = absl::InfiniteFuture();
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (*done) {
    stopper.join();
    Log().info("stopped calls_served={}", counters_->served.load());
  } else {
    stopper.detach();
    server_.release();  // still inside gRPC's Shutdown(); freed by process exit
    abandoned_ = true;
    Log().info("stopped calls_served={} in_flight={}", counters_->served.load(),
               counters_->in_flight.load());
  }
}

}  // namespace dyad

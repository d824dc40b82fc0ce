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
#include "common/tls.h"

namespace dyad {
namespace {

// Counts calls in flight (gRPC creates one interceptor per call and destroys
// it when the call is over) and the calls served to Dyad's own services
// (health checks and reflection left out).
class CountingInterceptor final : public grpc::experimental::Interceptor {
 public:
  CountingInterceptor(std::shared_ptr<ServerRunner::Counters> c, bool dyad_method)
      : c_(std::move(c)), dyad_method_(dyad_method) {
    ++c_->in_flight;
    if (dyad_method_) internal::CallStarted();
  }
  ~CountingInterceptor() override {
    if (dyad_method_) internal::CallEnded();
    --c_->in_flight;
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  std::shared_ptr<ServerRunner::Counters> c_;
  const bool dyad_method_;
};

class CountingFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingFactory(std::shared_ptr<ServerRunner::Counters> c) : c_(std::move(c)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const bool dyad_method = absl::StartsWith(info->method(), "/dyad.");
    if (dyad_method) {
      c_->served.fetch_add(1, std::memory_order_relaxed);
      Log().debug("call method={}", info->method());  // the access log, at debug level
    }
    return new CountingInterceptor(c_, dyad_method);
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
  config_ = config;
  service_names_ = service_names;
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
  creators.push_back(std::make_unique<CountingFactory>(counters_));
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

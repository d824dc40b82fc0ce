// dyad-load: a closed-loop gRPC load generator (callback API, generic stub).
// Keeps --concurrency calls in flight over --channels connections for
// --duration after a --warmup, and counts only calls that really succeeded
// (status OK and a response of at least --min_response_bytes). Prints one
// JSON line:
//   {"method":..., "ok":N, "failed":N, "rps":R, "p50_us":..., "p90_us":...,
//    "p99_us":..., "max_us":..., "response_bytes":B, "first_error":"..."}
//
// The request is given as proto3 JSON and encoded with the descriptors the
// binary links (libdyad_proto), so any Dyad method can be driven.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "dyad/events/v1/event_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address");
ABSL_FLAG(std::string, method, "", "Full method, /package.Service/Method");
ABSL_FLAG(std::string, request, "{}", "Request as proto3 JSON");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured time first");
ABSL_FLAG(int, concurrency, 32, "Calls kept in flight");
ABSL_FLAG(int, channels, 2, "Connections (channels) the calls spread over");
ABSL_FLAG(int, min_response_bytes, 0, "A reply shorter than this counts as failed");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "Per-call deadline");
ABSL_FLAG(std::string, label, "", "Label printed with the result");
ABSL_FLAG(std::string, metadata, "", "Extra metadata as key=value");

namespace {

std::string Encode(const std::string& method, const std::string& json) {
  // "/pkg.Service/Method" → "pkg.Service.Method"
  std::vector<std::string> parts = absl::StrSplit(method, '/', absl::SkipEmpty());
  if (parts.size() != 2) {
    std::fprintf(stderr, "--method must look like /package.Service/Method\n");
    std::exit(2);
  }
  // Referencing one generated type keeps libdyad_proto linked (and so every
  // Dyad descriptor registered) despite --as-needed.
  (void)dyad::events::v1::ListEventsRequest::descriptor();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* m = pool->FindMethodByName(parts[0] + "." + parts[1]);
  if (m == nullptr) {
    std::fprintf(stderr, "unknown method %s\n", method.c_str());
    std::exit(2);
  }
  google::protobuf::DynamicMessageFactory factory(pool);
  std::unique_ptr<google::protobuf::Message> msg(factory.GetPrototype(m->input_type())->New());
  auto st = google::protobuf::util::JsonStringToMessage(json, msg.get());
  if (!st.ok()) {
    std::fprintf(stderr, "--request: %s\n", st.ToString().c_str());
    std::exit(2);
  }
  return msg->SerializeAsString();
}

struct Stats {
  std::mutex mu;
  std::vector<int64_t> latencies_us;
  int64_t ok = 0;
  int64_t failed = 0;
  int64_t response_bytes = 0;
  std::string first_error;
};

class Driver {
 public:
  Driver(std::vector<std::unique_ptr<grpc::GenericStub>>* stubs, const std::string& method,
         const std::string& request, Stats* stats)
      : stubs_(stubs), method_(method), stats_(stats) {
    grpc::Slice slice(request);
    request_ = grpc::ByteBuffer(&slice, 1);
  }

  void Run(int concurrency, absl::Time measure_from, absl::Time stop_at) {
    measure_from_ = measure_from;
    stop_at_ = stop_at;
    outstanding_ = concurrency;
    for (int i = 0; i < concurrency; ++i) Issue(i);
    std::unique_lock<std::mutex> lock(done_mu_);
    done_cv_.wait(lock, [&] { return outstanding_ == 0; });
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer response;
    absl::Time start;
  };

  void Issue(int slot) {
    if (absl::Now() >= stop_at_) {
      std::lock_guard<std::mutex> lock(done_mu_);
      if (--outstanding_ == 0) done_cv_.notify_all();
      return;
    }
    auto* call = new Call();
    call->start = absl::Now();
    call->ctx.set_deadline(absl::ToChronoTime(call->start + absl::GetFlag(FLAGS_timeout)));
    const std::string md = absl::GetFlag(FLAGS_metadata);
    if (auto eq = md.find('='); eq != std::string::npos) {
      call->ctx.AddMetadata(md.substr(0, eq), md.substr(eq + 1));
    }
    auto& stub = (*stubs_)[slot % stubs_->size()];
    stub->UnaryCall(&call->ctx, method_, grpc::StubOptions(), &request_, &call->response,
                    [this, call, slot](grpc::Status status) {
                      const absl::Time end = absl::Now();
                      if (call->start >= measure_from_ && end <= stop_at_) {
                        Record(status, call, end);
                      }
                      delete call;
                      Issue(slot);
                    });
  }

  void Record(const grpc::Status& status, Call* call, absl::Time end) {
    const size_t bytes = call->response.Length();
    std::lock_guard<std::mutex> lock(stats_->mu);
    if (status.ok() && static_cast<int>(bytes) >= absl::GetFlag(FLAGS_min_response_bytes)) {
      ++stats_->ok;
      stats_->response_bytes = static_cast<int64_t>(bytes);
      stats_->latencies_us.push_back(absl::ToInt64Microseconds(end - call->start));
    } else {
      ++stats_->failed;
      if (stats_->first_error.empty()) {
        stats_->first_error = status.ok() ? absl::StrCat("short reply: ", bytes, " bytes")
                                          : absl::StrCat(status.error_code(), ": ",
                                                         status.error_message());
      }
    }
  }

  std::vector<std::unique_ptr<grpc::GenericStub>>* stubs_;
  std::string method_;
  grpc::ByteBuffer request_;
  Stats* stats_;
  absl::Time measure_from_;
  absl::Time stop_at_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  int outstanding_ = 0;
};

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string method = absl::GetFlag(FLAGS_method);
  const std::string request = Encode(method, absl::GetFlag(FLAGS_request));
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct args → distinct connections
    stubs.push_back(std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args)));
  }
  Stats stats;
  Driver driver(&stubs, method, request, &stats);
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + absl::GetFlag(FLAGS_warmup);
  const absl::Time stop_at = measure_from + absl::GetFlag(FLAGS_duration);
  driver.Run(absl::GetFlag(FLAGS_concurrency), measure_from, stop_at);

  auto& l = stats.latencies_us;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) -> int64_t {
    if (l.empty()) return 0;
    return l[std::min(l.size() - 1, static_cast<size_t>(p * l.size()))];
  };
  const double secs = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  std::printf(
      "{\"label\":\"%s\",\"method\":\"%s\",\"ok\":%lld,\"failed\":%lld,\"rps\":%.1f,"
      "\"p50_us\":%lld,\"p90_us\":%lld,\"p99_us\":%lld,\"max_us\":%lld,\"response_bytes\":%lld,"
      "\"first_error\":\"%s\"}\n",
      JsonEscape(absl::GetFlag(FLAGS_label)).c_str(), method.c_str(),
      static_cast<long long>(stats.ok), static_cast<long long>(stats.failed), stats.ok / secs,
      static_cast<long long>(pct(0.50)), static_cast<long long>(pct(0.90)),
      static_cast<long long>(pct(0.99)), static_cast<long long>(l.empty() ? 0 : l.back()),
      static_cast<long long>(stats.response_bytes), JsonEscape(stats.first_error).c_str());
  return stats.ok > 0 ? 0 : 1;
}

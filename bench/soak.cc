// dyad-soak: the soak test of the four processes (see bench/soak.sh and
// docs/reliability.md). For --duration it keeps four classes of calls in
// flight at once, each class on its own connections, every call with a
// deadline:
//
//   well-behaved  the reads a user makes: ListEvents AZE-CHN by year,
//                 GetEvent, GetSeries trade.turnover, ListInstitutions and
//                 the gateway's GetOverview, GetYearInReview, GetTimeline and
//                 Search; their latencies are the figures that matter.
//   write         CreateEvent, RecordObservation and CreateInstitution with
//                 unique ids; every acknowledged write is remembered.
//   hostile       a ~3.9 MB unknown field appended to valid requests (reads
//                 and writes), 100k-entry filter lists, a request over the
//                 receive limit, invalid UTF-8, 100k-deep nested groups.
//   flood         the gateway's composed answers, many at once.
//
// Meanwhile it samples VmRSS of the watched server processes (--pids) every
// 100 ms, keeping each one's peak. It stops the run early, as a failure,
// when a process dies, when one grows past --rss_limit_mib, or when the
// machine's available memory falls below --min_available_mib: the point is
// to measure the servers, not to exhaust a shared machine.
//
// At the end it reads every acknowledged write back (GetEvent,
// ListObservations, GetInstitution) and prints the figures: calls per
// second, each class's error mix (status code -> count), p50/p99 per method,
// peak RSS per process, acknowledged and verified writes. Exit status 0 only
// when no process died, no limit was hit, some well-behaved calls succeeded
// and every acknowledged write was read back.
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, events, "", "EventService address, host:port");
ABSL_FLAG(std::string, economics, "", "EconomicsService address");
ABSL_FLAG(std::string, institutions, "", "InstitutionService address");
ABSL_FLAG(std::string, gateway, "", "RelationsGateway address");
ABSL_FLAG(std::string, write_token_file, "", "File holding the backends' write token");
ABSL_FLAG(std::string, pids, "",
          "Server processes to watch, name=pid,... (VmRSS every 100 ms, liveness)");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(10), "How long the traffic runs");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(5), "Deadline of every call");
ABSL_FLAG(int, well_behaved, 8, "Well-behaved reads kept in flight");
ABSL_FLAG(int, writers, 3, "Writes kept in flight");
ABSL_FLAG(int, hostile, 4, "Hostile calls kept in flight");
ABSL_FLAG(int, flood, 48, "Composed gateway answers kept in flight by the flood");
ABSL_FLAG(int, channels, 2, "Connections per class and process");
ABSL_FLAG(int, oversized_bytes, 3900000, "Size of the unknown field appended by hostile calls");
ABSL_FLAG(int, huge_list, 100000, "Entries of the hostile filter lists");
ABSL_FLAG(int, nesting, 100000, "Depth of the hostile nested groups");
ABSL_FLAG(std::string, hostile_only, "",
          "Send only the hostile calls whose label holds this text (to isolate one)");
ABSL_FLAG(int64_t, rss_limit_mib, 4096,
          "Stop the run (a failure) when a watched process's RSS exceeds this");
ABSL_FLAG(int64_t, min_available_mib, 2048,
          "Stop the run (a failure) when the machine's MemAvailable falls below this");
ABSL_FLAG(absl::Duration, verify_timeout, absl::Minutes(5),
          "Longest time spent reading acknowledged writes back");
ABSL_FLAG(absl::Duration, progress_every, absl::Seconds(10),
          "A progress line on stderr this often; 0: none");
ABSL_FLAG(std::string, json, "", "Also write the figures as one JSON object to this file");

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

enum Service { kEvents, kEconomics, kInstitutions, kGateway, kServiceCount };
constexpr const char* kServiceNames[] = {"events", "economics", "institutions", "gateway"};
constexpr const char* kServiceFullNames[] = {
    "dyad.events.v1.EventService", "dyad.economics.v1.EconomicsService",
    "dyad.institutions.v1.InstitutionService", "dyad.gateway.v1.RelationsGateway"};

enum Class { kWell, kWrite, kHostile, kFlood, kClassCount };
constexpr const char* kClassNames[] = {"well-behaved", "write", "hostile", "flood"};

enum class Written { kNone, kEvent, kObservation, kInstitution };

// Records written by the soak use these countries, so that the well-behaved
// reads (AZE-CHN) keep reading the same data the whole run.
constexpr char kWriteReporter[] = "ISL";
constexpr char kWritePartner[] = "NZL";

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK",           "CANCELLED",          "UNKNOWN",           "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",     "ALREADY_EXISTS",    "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",    "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",          "UNAVAILABLE",       "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int c = static_cast<int>(code);
  return c >= 0 && c <= 16 ? kNames[c] : "UNKNOWN_CODE";
}

// Latencies in microseconds, log-linear buckets (128 per power of two, so a
// percentile is within 0.8% of the true value), bounded memory however long
// the run.
class Histogram {
 public:
  Histogram() : counts_(64 * kSub, 0) {}
  void Add(int64_t us) {
    us = std::max<int64_t>(us, 0);
    ++counts_[Index(us)];
    ++n_;
    max_ = std::max(max_, us);
  }
  int64_t count() const { return n_; }
  int64_t max() const { return max_; }
  // The value below which a fraction p of the samples lie (bucket's upper end).
  int64_t Percentile(double p) const {
    if (n_ == 0) return 0;
    const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(p * n_)));
    int64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(Upper(static_cast<int>(i)), max_);
    }
    return max_;
  }
  void Merge(const Histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    n_ += o.n_;
    max_ = std::max(max_, o.max_);
  }

 private:
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;
  static int Index(int64_t v) {
    if (v < 2 * kSub) return static_cast<int>(v);
    const int e = 63 - __builtin_clzll(static_cast<unsigned long long>(v));
    const int shift = e - kSubBits;
    return (shift + 1) * kSub + static_cast<int>((v >> shift) - kSub);
  }
  static int64_t Upper(int i) {
    if (i < 2 * kSub) return i;
    const int shift = i / kSub - 1;
    const int64_t m = i % kSub + kSub;
    return ((m + 1) << shift) - 1;
  }
  std::vector<int64_t> counts_;
  int64_t n_ = 0;
  int64_t max_ = 0;
};

// ---- Wire encoding for the requests no generated class would write. ----

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutTag(int field, int wire_type, std::string* out) {
  PutVarint((static_cast<uint64_t>(field) << 3) | wire_type, out);
}
std::string LengthDelimited(int field, absl::string_view bytes) {
  std::string out;
  PutTag(field, 2, &out);
  PutVarint(bytes.size(), &out);
  out.append(bytes.data(), bytes.size());
  return out;
}

// A field number no Dyad message uses: parsers keep it as an unknown field.
constexpr int kUnknownField = 4242;

// ---- Calls ----

struct Request {
  Service service = kEvents;
  std::string label;   // e.g. "events.ListEvents" or "hostile: 100k kinds, ListEvents"
  std::string method;  // "/dyad.events.v1.EventService/ListEvents"
  grpc::ByteBuffer body;
  bool authorize = false;
  Written written = Written::kNone;
  // Parse the reply into this type (well-behaved calls and writes): a reply
  // that does not parse is counted apart, a composed answer whose `parts`
  // report a failed backend is counted as degraded.
  const Descriptor* reply_type = nullptr;
};

const google::protobuf::MethodDescriptor* FindMethod(Service s, const std::string& name) {
  // Referencing generated types keeps libdyad_proto linked (and so every
  // descriptor registered) despite --as-needed.
  (void)dyad::events::v1::ListEventsRequest::descriptor();
  const auto* m = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrCat(kServiceFullNames[s], ".", name));
  if (m == nullptr) {
    std::fprintf(stderr, "dyad-soak: no method %s.%s\n", kServiceFullNames[s], name.c_str());
    std::exit(2);
  }
  return m;
}

// A request from slices (kept by reference: the 3.9 MB field is shared by
// every call that sends it).
Request MakeRequest(Service s, const std::string& method, std::vector<grpc::Slice> slices,
                    std::string label, bool parse_reply) {
  Request r;
  r.service = s;
  r.method = absl::StrCat("/", kServiceFullNames[s], "/", method);
  r.label = std::move(label);
  r.body = grpc::ByteBuffer(slices.data(), slices.size());
  if (parse_reply) r.reply_type = FindMethod(s, method)->output_type();
  return r;
}
Request MakeRequest(Service s, const std::string& method, const grpc::Slice& body,
                    std::string label, bool parse_reply) {
  return MakeRequest(s, method, std::vector<grpc::Slice>{body}, std::move(label), parse_reply);
}

std::string Flatten(const grpc::ByteBuffer& bb) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!bb.Dump(&slices).ok()) return out;
  out.reserve(bb.Length());
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

struct Watched {
  std::string name;
  pid_t pid = 0;
  int64_t peak_kb = 0;
  int64_t last_kb = 0;
  bool died = false;
};

// VmRSS of a process; false when it is gone (or a zombie: exited, not reaped).
bool SampleRss(Watched* w) {
  std::ifstream f(absl::StrCat("/proc/", w->pid, "/status"));
  if (!f) return false;
  std::string line;
  bool alive = true;
  while (std::getline(f, line)) {
    if (absl::StartsWith(line, "State:")) {
      const std::string state(absl::StripAsciiWhitespace(line.substr(6)));
      if (!state.empty() && (state[0] == 'Z' || state[0] == 'X')) alive = false;
    } else if (absl::StartsWith(line, "VmRSS:")) {
      int64_t kb = 0;
      std::vector<std::string> parts =
          absl::StrSplit(absl::StripAsciiWhitespace(line.substr(6)), ' ', absl::SkipEmpty());
      if (!parts.empty() && absl::SimpleAtoi(parts[0], &kb)) {
        w->last_kb = kb;
        w->peak_kb = std::max(w->peak_kb, kb);
      }
    }
  }
  return alive;
}

int64_t MemAvailableKb() {
  std::ifstream f("/proc/meminfo");
  std::string key, unit;
  int64_t v = 0;
  while (f >> key >> v >> unit) {
    if (key == "MemAvailable:") return v;
  }
  return -1;
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

class Soak;

// One traffic class: `slots` calls kept in flight (closed loop), each made
// by `make` and sent over the class's own connections.
class Lane {
 public:
  using Maker = std::function<Request(uint64_t n)>;
  Lane(Soak* soak, Class cls, int slots, Maker make)
      : soak_(soak), cls_(cls), slots_(slots), make_(std::move(make)) {}
  void Start();
  // Waits until every slot stopped; false after `timeout`.
  bool WaitDrained(absl::Duration timeout);

 private:
  struct Call {
    Request req;
    grpc::ClientContext ctx;
    grpc::ByteBuffer reply;
    absl::Time start;
  };
  void Issue(int slot);
  void SlotDone();

  Soak* soak_;
  Class cls_;
  int slots_;
  Maker make_;
  std::atomic<uint64_t> seq_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int outstanding_ = 0;
};

struct Setup {
  std::string event_kind;
  std::string event_source;
  std::vector<std::string> event_names;  // AZE-CHN events, for GetEvent
  std::string indicator;
  std::string indicator_unit;
  std::string economics_source;
  std::string institution_kind;
  std::string institution_source;
};

class Soak {
 public:
  Soak() {
    targets_[kEvents] = absl::GetFlag(FLAGS_events);
    targets_[kEconomics] = absl::GetFlag(FLAGS_economics);
    targets_[kInstitutions] = absl::GetFlag(FLAGS_institutions);
    targets_[kGateway] = absl::GetFlag(FLAGS_gateway);
    timeout_ = absl::GetFlag(FLAGS_call_timeout);
    run_id_ = absl::StrFormat("%x", absl::ToUnixMillis(absl::Now()) & 0xffffffffff);
  }

  absl::Status Init();
  absl::Status Prepare();
  void Run();
  void Verify();
  int Report();

  // For the lanes.
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  grpc::GenericStub* Stub(Class c, Service s, int slot) {
    auto& v = stubs_[c][s];
    return v[static_cast<size_t>(slot) % v.size()].get();
  }
  const std::string& token() const { return token_; }
  absl::Duration timeout() const { return timeout_; }
  void Record(Class cls, const Request& req, const grpc::Status& status,
              const grpc::ByteBuffer& reply, absl::Duration latency);

 private:
  std::shared_ptr<grpc::Channel> NewChannel(Service s, int id);
  Request WellBehaved(uint64_t n);
  Request Write(uint64_t n, std::vector<grpc::Slice> extra, const std::string& label_prefix);
  Request Hostile(uint64_t n);
  Request Flood(uint64_t n);
  void BuildHostile();
  absl::Status FilterHostile();
  void Fail(const std::string& why) {
    std::lock_guard<std::mutex> lock(fail_mu_);
    failures_.push_back(why);
  }

  std::array<std::string, kServiceCount> targets_;
  std::string token_;
  absl::Duration timeout_;
  std::string run_id_;
  Setup setup_;
  std::array<std::array<std::vector<std::unique_ptr<grpc::GenericStub>>, kServiceCount>,
             kClassCount>
      stubs_;
  std::vector<Watched> watched_;
  std::atomic<bool> stop_{false};

  // Pre-built hostile requests (shared slices, built once).
  grpc::Slice big_unknown_;
  std::vector<std::function<Request(uint64_t)>> hostile_;

  // Figures.
  std::mutex mu_;
  std::array<std::map<std::string, int64_t>, kClassCount> codes_;
  std::array<int64_t, kClassCount> calls_{};
  std::map<std::string, std::string> first_message_;  // "class code" -> message
  std::map<std::pair<int, std::string>, Histogram> latency_;  // (class, label), OK only
  std::map<std::pair<int, std::string>, std::map<std::string, int64_t>> label_codes_;
  Histogram well_all_;
  std::vector<std::string> acked_[3];  // events, observations, institutions
  absl::Duration ran_for_;
  int64_t verified_ = 0;
  int64_t missing_ = 0;
  int64_t unverified_ = 0;
  std::vector<std::string> missing_examples_;
  std::mutex fail_mu_;
  std::vector<std::string> failures_;
};

void Lane::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    outstanding_ = slots_;
  }
  for (int i = 0; i < slots_; ++i) Issue(i);
}

void Lane::SlotDone() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--outstanding_ == 0) cv_.notify_all();
}

bool Lane::WaitDrained(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return outstanding_ == 0; });
}

void Lane::Issue(int slot) {
  if (soak_->stopping()) {
    SlotDone();
    return;
  }
  auto* call = new Call();
  call->req = make_(seq_.fetch_add(1));
  call->start = absl::Now();
  call->ctx.set_deadline(absl::ToChronoTime(call->start + soak_->timeout()));
  if (call->req.authorize) call->ctx.AddMetadata("authorization", "Bearer " + soak_->token());
  grpc::GenericStub* stub = soak_->Stub(cls_, call->req.service, slot);
  stub->UnaryCall(&call->ctx, call->req.method, grpc::StubOptions(), &call->req.body,
                  &call->reply, [this, call, slot](grpc::Status status) {
                    soak_->Record(cls_, call->req, status, call->reply,
                                  absl::Now() - call->start);
                    delete call;
                    Issue(slot);
                  });
}

std::shared_ptr<grpc::Channel> Soak::NewChannel(Service s, int id) {
  grpc::ChannelArguments args;
  args.SetInt("grpc.channel_id", id);  // distinct args → distinct connections
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(-1);
  return grpc::CreateCustomChannel(targets_[s], grpc::InsecureChannelCredentials(), args);
}

absl::Status Soak::Init() {
  for (int s = 0; s < kServiceCount; ++s) {
    if (targets_[s].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--", kServiceNames[s], " is required"));
    }
  }
  const std::string token_file = absl::GetFlag(FLAGS_write_token_file);
  if (token_file.empty()) return absl::InvalidArgumentError("--write_token_file is required");
  std::ifstream f(token_file);
  if (!f) return absl::NotFoundError(absl::StrCat("--write_token_file: cannot read ", token_file));
  std::getline(f, token_);
  token_ = std::string(absl::StripAsciiWhitespace(token_));
  if (token_.empty()) return absl::InvalidArgumentError("--write_token_file: the file is empty");

  for (absl::string_view item : absl::StrSplit(absl::GetFlag(FLAGS_pids), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    Watched w;
    w.name = kv.first;
    if (!absl::SimpleAtoi(kv.second, &w.pid) || w.pid <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--pids: \"", item, "\" is not name=pid with a positive pid"));
    }
    if (!SampleRss(&w)) {
      return absl::FailedPreconditionError(absl::StrCat("--pids: ", w.name, " (pid ", w.pid,
                                                        ") is not running"));
    }
    watched_.push_back(w);
  }

  const int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  int id = 0;
  for (int c = 0; c < kClassCount; ++c) {
    for (int s = 0; s < kServiceCount; ++s) {
      for (int i = 0; i < channels; ++i) {
        stubs_[c][s].push_back(
            std::make_unique<grpc::GenericStub>(NewChannel(static_cast<Service>(s), ++id)));
      }
    }
  }
  return absl::OkStatus();
}

template <typename Fn>
grpc::Status CallWithDeadline(absl::Duration timeout, Fn fn, const std::string& token = "") {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  return fn(&ctx);
}

absl::Status ToAbsl(const grpc::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

// Waits until every service reports SERVING, then reads what the valid
// requests need: kinds, indicators and sources that exist, event names.
absl::Status Soak::Prepare() {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int s = 0; s < kServiceCount; ++s) {
    auto health = grpc::health::v1::Health::NewStub(NewChannel(static_cast<Service>(s), 0));
    for (;;) {
      grpc::health::v1::HealthCheckRequest req;
      req.set_service(kServiceFullNames[s]);
      grpc::health::v1::HealthCheckResponse resp;
      auto st = CallWithDeadline(absl::Seconds(2), [&](grpc::ClientContext* ctx) {
        return health->Check(ctx, req, &resp);
      });
      if (st.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) break;
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            kServiceNames[s], " at ", targets_[s], " did not report SERVING within 30s",
            st.ok() ? "" : absl::StrCat(" (", st.error_message(), ")")));
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  const absl::Duration t = absl::Seconds(10);
  auto events = dyad::events::v1::EventService::NewStub(NewChannel(kEvents, 0));
  dyad::events::v1::ListEventKindsResponse kinds;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return events->ListEventKinds(ctx, {}, &kinds);
                      }),
                      "events.ListEventKinds");
      !s.ok()) {
    return s;
  }
  // The diplomacy plugin's validation hook holds its kinds to rules about
  // states; any other kind takes a plain record.
  for (const auto& k : kinds.kinds()) {
    if (!absl::StartsWith(k.id(), "diplomacy.") && k.taxonomy().empty()) {
      setup_.event_kind = k.id();
      break;
    }
  }
  if (setup_.event_kind.empty()) return absl::FailedPreconditionError("no usable event kind");
  dyad::events::v1::ListSourcesResponse ev_sources;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return events->ListSources(ctx, {}, &ev_sources);
                      }),
                      "events.ListSources");
      !s.ok()) {
    return s;
  }
  if (ev_sources.sources().empty()) return absl::FailedPreconditionError("events: no sources");
  setup_.event_source = ev_sources.sources(0).id();
  dyad::events::v1::ListEventsRequest le;
  le.add_countries("AZE");
  le.add_countries("CHN");
  le.set_page_size(200);
  dyad::events::v1::ListEventsResponse events_page;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return events->ListEvents(ctx, le, &events_page);
                      }),
                      "events.ListEvents");
      !s.ok()) {
    return s;
  }
  for (const auto& e : events_page.events()) setup_.event_names.push_back(e.name());
  if (setup_.event_names.empty()) {
    return absl::FailedPreconditionError("events: no AZE-CHN events (are the plugins loaded?)");
  }

  auto economics = dyad::economics::v1::EconomicsService::NewStub(NewChannel(kEconomics, 0));
  dyad::economics::v1::ListIndicatorsResponse indicators;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return economics->ListIndicators(ctx, {}, &indicators);
                      }),
                      "economics.ListIndicators");
      !s.ok()) {
    return s;
  }
  for (const auto& i : indicators.indicators()) {
    if (i.derived()) continue;
    if (setup_.indicator.empty() || i.id() == "trade.turnover") {
      setup_.indicator = i.id();
      setup_.indicator_unit = i.unit();
    }
  }
  if (setup_.indicator.empty()) return absl::FailedPreconditionError("no sourced indicator");
  dyad::economics::v1::ListSourcesResponse ec_sources;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return economics->ListSources(ctx, {}, &ec_sources);
                      }),
                      "economics.ListSources");
      !s.ok()) {
    return s;
  }
  if (ec_sources.sources().empty()) return absl::FailedPreconditionError("economics: no sources");
  setup_.economics_source = ec_sources.sources(0).id();

  auto institutions =
      dyad::institutions::v1::InstitutionService::NewStub(NewChannel(kInstitutions, 0));
  dyad::institutions::v1::ListInstitutionKindsResponse ikinds;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return institutions->ListInstitutionKinds(ctx, {}, &ikinds);
                      }),
                      "institutions.ListInstitutionKinds");
      !s.ok()) {
    return s;
  }
  if (ikinds.kinds().empty()) return absl::FailedPreconditionError("no institution kinds");
  setup_.institution_kind = ikinds.kinds(0).id();
  dyad::institutions::v1::ListSourcesResponse in_sources;
  if (auto s = ToAbsl(CallWithDeadline(t, [&](grpc::ClientContext* ctx) {
                        return institutions->ListSources(ctx, {}, &in_sources);
                      }),
                      "institutions.ListSources");
      !s.ok()) {
    return s;
  }
  if (in_sources.sources().empty()) {
    return absl::FailedPreconditionError("institutions: no sources");
  }
  setup_.institution_source = in_sources.sources(0).id();
  BuildHostile();
  return FilterHostile();
}

grpc::Slice SliceOf(const Message& m) { return grpc::Slice(m.SerializeAsString()); }
grpc::Slice SliceOf(std::string bytes) { return grpc::Slice(std::move(bytes)); }

Request Soak::WellBehaved(uint64_t n) {
  using namespace dyad;
  const int year = 2005 + static_cast<int>(n / 8 % 20);
  switch (n % 8) {
    case 0: {
      events::v1::ListEventsRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      r.mutable_period()->mutable_start()->set_year(year);
      r.mutable_period()->mutable_end()->set_year(year);
      return MakeRequest(kEvents, "ListEvents", SliceOf(r), "events.ListEvents", true);
    }
    case 1: {
      events::v1::GetEventRequest r;
      r.set_name(setup_.event_names[n / 8 % setup_.event_names.size()]);
      return MakeRequest(kEvents, "GetEvent", SliceOf(r), "events.GetEvent", true);
    }
    case 2: {
      economics::v1::GetSeriesRequest r;
      r.set_indicator("trade.turnover");
      r.set_reporter("AZE");
      r.set_partner("CHN");
      return MakeRequest(kEconomics, "GetSeries", SliceOf(r), "economics.GetSeries", true);
    }
    case 3: {
      institutions::v1::ListInstitutionsRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      return MakeRequest(kInstitutions, "ListInstitutions", SliceOf(r),
                         "institutions.ListInstitutions", true);
    }
    case 4: {
      gateway::v1::GetOverviewRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      return MakeRequest(kGateway, "GetOverview", SliceOf(r), "gateway.GetOverview", true);
    }
    case 5: {
      gateway::v1::GetYearInReviewRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      r.set_year(year);
      return MakeRequest(kGateway, "GetYearInReview", SliceOf(r), "gateway.GetYearInReview",
                         true);
    }
    case 6: {
      gateway::v1::GetTimelineRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      return MakeRequest(kGateway, "GetTimeline", SliceOf(r), "gateway.GetTimeline", true);
    }
    default: {
      static constexpr const char* kWords[] = {"oil", "trade", "university", "railway",
                                               "visit", "gas", "agreement", "investment"};
      gateway::v1::SearchRequest r;
      r.set_query(kWords[n / 8 % 8]);
      return MakeRequest(kGateway, "Search", SliceOf(r), "gateway.Search", true);
    }
  }
}

// A valid write with a unique id; `extra` slices (the hostile unknown field)
// follow the message.
Request Soak::Write(uint64_t n, std::vector<grpc::Slice> extra, const std::string& label_prefix) {
  using namespace dyad;
  const std::string id = absl::StrCat("soak-", run_id_, "-", label_prefix.empty() ? "" : "h",
                                      n);
  std::vector<grpc::Slice> slices;
  Request r;
  switch (n % 3) {
    case 0: {
      events::v1::CreateEventRequest req;
      req.set_event_id(id);
      auto* e = req.mutable_event();
      e->set_kind(setup_.event_kind);
      e->set_title(absl::StrCat("Soak test event ", n));
      e->mutable_date()->set_year(2000 + static_cast<int>(n % 25));
      e->add_countries(kWriteReporter);
      e->add_countries(kWritePartner);
      auto* c = e->add_citations();
      c->set_source_id(setup_.event_source);
      c->set_locator("p1");
      slices.push_back(SliceOf(req));
      for (auto& s : extra) slices.push_back(s);
      r = MakeRequest(kEvents, "CreateEvent", slices, label_prefix + "events.CreateEvent", true);
      r.written = Written::kEvent;
      break;
    }
    case 1: {
      economics::v1::RecordObservationRequest req;
      req.set_observation_id(id);
      auto* o = req.mutable_observation();
      o->set_indicator(setup_.indicator);
      o->set_reporter(kWriteReporter);
      o->set_partner(kWritePartner);
      o->mutable_period()->set_year(1990 + static_cast<int>(n % 35));
      o->mutable_value()->set_value(1000.0 + static_cast<double>(n));
      o->mutable_value()->set_unit(setup_.indicator_unit);
      o->mutable_value()->set_qualifier(type::v1::Quantity::QUALIFIER_EXACT);
      auto* c = o->add_citations();
      c->set_source_id(setup_.economics_source);
      c->set_locator("p1");
      slices.push_back(SliceOf(req));
      for (auto& s : extra) slices.push_back(s);
      r = MakeRequest(kEconomics, "RecordObservation", slices,
                      label_prefix + "economics.RecordObservation", true);
      r.written = Written::kObservation;
      break;
    }
    default: {
      institutions::v1::CreateInstitutionRequest req;
      req.set_institution_id(id);
      auto* i = req.mutable_institution();
      i->set_display_name(absl::StrCat("Soak test institution ", n));
      i->set_kind(setup_.institution_kind);
      i->set_host_country(kWriteReporter);
      i->add_countries(kWriteReporter);
      i->add_countries(kWritePartner);
      i->mutable_founded()->set_year(1990 + static_cast<int>(n % 35));
      auto* c = i->add_citations();
      c->set_source_id(setup_.institution_source);
      c->set_locator("p1");
      slices.push_back(SliceOf(req));
      for (auto& s : extra) slices.push_back(s);
      r = MakeRequest(kInstitutions, "CreateInstitution", slices,
                      label_prefix + "institutions.CreateInstitution", true);
      r.written = Written::kInstitution;
      break;
    }
  }
  r.authorize = true;
  return r;
}

void Soak::BuildHostile() {
  using namespace dyad;
  const int big = std::max(0, absl::GetFlag(FLAGS_oversized_bytes));
  const int huge = std::max(1, absl::GetFlag(FLAGS_huge_list));
  const int depth = std::max(1, absl::GetFlag(FLAGS_nesting));
  big_unknown_ = SliceOf(LengthDelimited(kUnknownField, std::string(static_cast<size_t>(big), 'x')));
  const std::string big_label = absl::StrFormat("%.1f MB unknown field, ", big / 1e6);

  // Valid requests with the big unknown field appended: the server must
  // parse ~3.9 MB (below the 4 MiB receive limit) for a small question.
  {
    events::v1::ListEventsRequest r;
    r.add_countries("AZE");
    r.add_countries("CHN");
    auto req = std::make_shared<Request>(MakeRequest(
        kEvents, "ListEvents", {SliceOf(r), big_unknown_}, big_label + "events.ListEvents", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    economics::v1::GetSeriesRequest r;
    r.set_indicator("trade.turnover");
    r.set_reporter("AZE");
    r.set_partner("CHN");
    auto req = std::make_shared<Request>(MakeRequest(kEconomics, "GetSeries",
                                                     {SliceOf(r), big_unknown_},
                                                     big_label + "economics.GetSeries", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    institutions::v1::ListInstitutionsRequest r;
    r.add_countries("AZE");
    auto req = std::make_shared<Request>(
        MakeRequest(kInstitutions, "ListInstitutions", {SliceOf(r), big_unknown_},
                    big_label + "institutions.ListInstitutions", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    gateway::v1::GetYearInReviewRequest r;
    r.add_countries("AZE");
    r.add_countries("CHN");
    r.set_year(2019);
    auto req = std::make_shared<Request>(
        MakeRequest(kGateway, "GetYearInReview", {SliceOf(r), big_unknown_},
                    big_label + "gateway.GetYearInReview", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  // Writes carrying it: valid records, so an acknowledged one is remembered
  // and read back like any other.
  hostile_.push_back([this, big_label](uint64_t n) {
    return Write(n, {big_unknown_}, big_label);
  });

  // Huge filter lists.
  {
    events::v1::ListEventsRequest r;
    r.add_countries("AZE");
    r.add_countries("CHN");
    for (int i = 0; i < huge; ++i) r.add_kinds(absl::StrFormat("soak.kind.%06d", i));
    auto req = std::make_shared<Request>(MakeRequest(
        kEvents, "ListEvents", SliceOf(r), absl::StrCat(huge, " kinds, events.ListEvents"), false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    institutions::v1::ListInstitutionsRequest r;
    for (int i = 0; i < huge; ++i) r.add_kinds(absl::StrFormat("soak.kind.%06d", i));
    auto req = std::make_shared<Request>(
        MakeRequest(kInstitutions, "ListInstitutions", SliceOf(r),
                    absl::StrCat(huge, " kinds, institutions.ListInstitutions"), false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    economics::v1::ListObservationsRequest r;
    for (int i = 0; i < huge; ++i) r.add_countries("AZE");
    auto req = std::make_shared<Request>(
        MakeRequest(kEconomics, "ListObservations", SliceOf(r),
                    absl::StrCat(huge, " countries, economics.ListObservations"), false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    gateway::v1::GetTimelineRequest r;
    r.add_countries("AZE");
    r.add_countries("CHN");
    for (int i = 0; i < huge; ++i) r.add_domains(absl::StrFormat("soak-domain-%06d", i));
    auto req = std::make_shared<Request>(
        MakeRequest(kGateway, "GetTimeline", SliceOf(r),
                    absl::StrCat(huge, " domains, gateway.GetTimeline"), false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  // Over the receive limit (4 MiB by default): refused by the transport.
  {
    events::v1::GetEventRequest r;
    r.set_name(setup_.event_names[0]);
    auto req = std::make_shared<Request>(MakeRequest(
        kEvents, "GetEvent",
        {SliceOf(r), SliceOf(LengthDelimited(kUnknownField, std::string(4500000, 'y')))},
        "4.5 MB request (over the limit), events.GetEvent", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  // Invalid UTF-8 in a string field (proto3 strings must be UTF-8).
  {
    std::string body = LengthDelimited(1, "AZE") + LengthDelimited(1, "CHN") +
                       LengthDelimited(5, std::string("oil \xc3\x28 \xff\xfe gas"));
    auto req = std::make_shared<Request>(MakeRequest(
        kEvents, "ListEvents", SliceOf(body), "invalid UTF-8, events.ListEvents", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    std::string body = LengthDelimited(1, std::string("\xed\xa0\x80 railway \xc0\xaf"));
    auto req = std::make_shared<Request>(MakeRequest(kGateway, "Search", SliceOf(body),
                                                     "invalid UTF-8, gateway.Search", false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  // Deeply nested groups in an unknown field.
  {
    events::v1::GetEventRequest r;
    r.set_name(setup_.event_names[0]);
    std::string body = r.SerializeAsString();
    for (int i = 0; i < depth; ++i) PutTag(kUnknownField + 1, 3, &body);  // start group
    for (int i = 0; i < depth; ++i) PutTag(kUnknownField + 1, 4, &body);  // end group
    auto req = std::make_shared<Request>(
        MakeRequest(kEvents, "GetEvent", SliceOf(body),
                    absl::StrCat(depth, "-deep nested groups, events.GetEvent"), false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
  {
    std::string body = LengthDelimited(1, "AZE") + LengthDelimited(1, "CHN");
    for (int i = 0; i < depth; ++i) PutTag(kUnknownField + 1, 3, &body);
    for (int i = 0; i < depth; ++i) PutTag(kUnknownField + 1, 4, &body);
    auto req = std::make_shared<Request>(
        MakeRequest(kGateway, "GetOverview", SliceOf(body),
                    absl::StrCat(depth, "-deep nested groups, gateway.GetOverview"), false));
    hostile_.push_back([req](uint64_t) { return *req; });
  }
}

Request Soak::Hostile(uint64_t n) { return hostile_[n % hostile_.size()](n / hostile_.size()); }

// Keeps the hostile calls whose label holds --hostile_only.
absl::Status Soak::FilterHostile() {
  const std::string only = absl::GetFlag(FLAGS_hostile_only);
  if (only.empty()) return absl::OkStatus();
  std::vector<std::function<Request(uint64_t)>> kept;
  for (auto& make : hostile_) {
    if (absl::StrContains(make(0).label, only)) kept.push_back(make);
  }
  if (kept.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--hostile_only: no hostile call's label holds \"", only, "\""));
  }
  hostile_ = std::move(kept);
  return absl::OkStatus();
}

// Composed answers, as many as the flood keeps in flight: years vary so
// that an answer cache, if any, does not absorb them all.
Request Soak::Flood(uint64_t n) {
  using namespace dyad;
  const int year = 1992 + static_cast<int>(n / 6 % 34);
  switch (n % 6) {
    case 0: {
      gateway::v1::GetOverviewRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      return MakeRequest(kGateway, "GetOverview", SliceOf(r), "gateway.GetOverview", true);
    }
    case 1: {
      gateway::v1::GetTimelineRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      r.set_page_size(500);
      return MakeRequest(kGateway, "GetTimeline", SliceOf(r), "gateway.GetTimeline (500)", true);
    }
    case 2: {
      gateway::v1::GetYearInReviewRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      r.set_year(year);
      return MakeRequest(kGateway, "GetYearInReview", SliceOf(r), "gateway.GetYearInReview",
                         true);
    }
    case 3: {
      gateway::v1::ListDiscrepanciesRequest r;
      r.add_countries("AZE");
      r.add_countries("CHN");
      return MakeRequest(kGateway, "ListDiscrepancies", SliceOf(r),
                         "gateway.ListDiscrepancies", true);
    }
    case 4: {
      gateway::v1::ExplainChangeRequest r;
      r.set_indicator("trade.turnover");
      r.add_countries("AZE");
      r.add_countries("CHN");
      r.set_year(std::max(year, 1995));
      return MakeRequest(kGateway, "ExplainChange", SliceOf(r), "gateway.ExplainChange", true);
    }
    default: {
      gateway::v1::SearchRequest r;
      r.set_query("cooperation");
      r.set_page_size(100);
      return MakeRequest(kGateway, "Search", SliceOf(r), "gateway.Search (100)", true);
    }
  }
}

void Soak::Record(Class cls, const Request& req, const grpc::Status& status,
                  const grpc::ByteBuffer& reply, absl::Duration latency) {
  std::string code = CodeName(status.error_code());
  std::string message = status.error_message();
  std::string name;
  if (status.ok() && req.reply_type != nullptr) {
    std::unique_ptr<Message> msg(google::protobuf::MessageFactory::generated_factory()
                                     ->GetPrototype(req.reply_type)
                                     ->New());
    if (!msg->ParseFromString(Flatten(reply))) {
      code = "OK, reply does not parse";
    } else {
      const auto* refl = msg->GetReflection();
      if (const FieldDescriptor* parts = req.reply_type->FindFieldByName("parts");
          parts != nullptr && parts->is_repeated() && parts->message_type() != nullptr) {
        for (int i = 0; i < refl->FieldSize(*msg, parts); ++i) {
          const Message& p = refl->GetRepeatedMessage(*msg, parts, i);
          const auto* pd = p.GetDescriptor();
          const std::string part_code = p.GetReflection()->GetString(p, pd->FindFieldByName("code"));
          if (part_code != "OK") {
            code = "OK, degraded";
            message = absl::StrCat(p.GetReflection()->GetString(p, pd->FindFieldByName("part")),
                                   " ", part_code, ": ",
                                   p.GetReflection()->GetString(p, pd->FindFieldByName("message")));
            break;
          }
        }
      }
      if (req.written != Written::kNone) {
        if (const FieldDescriptor* f = req.reply_type->FindFieldByName("name"); f != nullptr) {
          name = refl->GetString(*msg, f);
        }
        if (name.empty()) code = "OK, written record has no name";
      }
    }
  }
  const int64_t us = absl::ToInt64Microseconds(latency);
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_[cls];
  ++codes_[cls][code];
  ++label_codes_[{cls, req.label}][code];
  if (code != "OK") {
    auto& first = first_message_[absl::StrCat(kClassNames[cls], " | ", req.label, " | ", code)];
    if (first.empty()) first = message.substr(0, 160);
  }
  if (status.ok()) {
    latency_[{cls, req.label}].Add(us);
    if (cls == kWell) well_all_.Add(us);
  }
  if (!name.empty()) {
    switch (req.written) {
      case Written::kEvent: acked_[0].push_back(name); break;
      case Written::kObservation: acked_[1].push_back(name); break;
      case Written::kInstitution: acked_[2].push_back(name); break;
      case Written::kNone: break;
    }
  }
}

void Soak::Run() {
  std::vector<std::unique_ptr<Lane>> lanes;
  lanes.push_back(std::make_unique<Lane>(this, kWell, absl::GetFlag(FLAGS_well_behaved),
                                         [this](uint64_t n) { return WellBehaved(n); }));
  lanes.push_back(std::make_unique<Lane>(this, kWrite, absl::GetFlag(FLAGS_writers),
                                         [this](uint64_t n) { return Write(n, {}, ""); }));
  lanes.push_back(std::make_unique<Lane>(this, kHostile, absl::GetFlag(FLAGS_hostile),
                                         [this](uint64_t n) { return Hostile(n); }));
  lanes.push_back(std::make_unique<Lane>(this, kFlood, absl::GetFlag(FLAGS_flood),
                                         [this](uint64_t n) { return Flood(n); }));
  const absl::Time start = absl::Now();
  const absl::Time stop_at = start + absl::GetFlag(FLAGS_duration);
  for (auto& l : lanes) l->Start();

  const int64_t rss_limit_kb = absl::GetFlag(FLAGS_rss_limit_mib) * 1024;
  const int64_t min_available_kb = absl::GetFlag(FLAGS_min_available_mib) * 1024;
  const absl::Duration progress_every = absl::GetFlag(FLAGS_progress_every);
  absl::Time next_progress = start + progress_every;
  bool aborted = false;
  while (absl::Now() < stop_at && !aborted) {
    absl::SleepFor(absl::Milliseconds(100));
    for (auto& w : watched_) {
      if (!SampleRss(&w)) {
        w.died = true;
        Fail(absl::StrFormat("%s (pid %d) died after %.1f s", w.name, w.pid,
                             absl::ToDoubleSeconds(absl::Now() - start)));
        aborted = true;
      } else if (w.last_kb > rss_limit_kb) {
        Fail(absl::StrFormat("%s grew to %.1f MiB RSS (limit %d MiB) after %.1f s; run stopped",
                             w.name, w.last_kb / 1024.0, rss_limit_kb / 1024,
                             absl::ToDoubleSeconds(absl::Now() - start)));
        aborted = true;
      }
    }
    const int64_t available = MemAvailableKb();
    if (available >= 0 && available < min_available_kb) {
      Fail(absl::StrCat("machine MemAvailable fell to ", available / 1024, " MiB (floor ",
                        min_available_kb / 1024, " MiB); run stopped"));
      aborted = true;
    }
    if (progress_every > absl::ZeroDuration() && absl::Now() >= next_progress) {
      next_progress += progress_every;
      std::string line = absl::StrFormat(
          "[soak %4.0fs]", absl::ToDoubleSeconds(absl::Now() - start));
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (int c = 0; c < kClassCount; ++c) {
          absl::StrAppend(&line, " ", kClassNames[c], "=", calls_[c]);
        }
      }
      absl::StrAppend(&line, " | RSS MiB");
      for (const auto& w : watched_) absl::StrAppend(&line, " ", w.name, "=", w.last_kb / 1024);
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
  stop_.store(true);
  ran_for_ = absl::Now() - start;
  // Calls in flight end within their deadline. After an abort the servers
  // are about to be killed, so only wait briefly.
  const absl::Duration drain = aborted ? absl::Seconds(2) : timeout_ + absl::Seconds(5);
  bool drained = true;
  const absl::Time drain_until = absl::Now() + drain;
  for (auto& l : lanes) {
    drained = l->WaitDrained(std::max(absl::ZeroDuration(), drain_until - absl::Now())) && drained;
  }
  // One last look: a process may have died in the drain.
  for (auto& w : watched_) {
    if (!w.died && !SampleRss(&w)) {
      w.died = true;
      Fail(absl::StrCat(w.name, " (pid ", w.pid, ") died at the end of the run"));
    }
  }
  if (!drained) {
    if (!aborted) Fail("calls still in flight well past their deadline");
    // Lanes (and the stubs their calls use) must outlive those calls: report
    // and leave without tearing anything down.
    Report();
    std::fflush(stdout);
    std::_Exit(1);
  }
}

// Reads every acknowledged write back. Transient errors are retried; a
// NOT_FOUND is a lost write.
void Soak::Verify() {
  {
    std::lock_guard<std::mutex> lock(fail_mu_);
    if (!failures_.empty()) {
      unverified_ = static_cast<int64_t>(acked_[0].size() + acked_[1].size() + acked_[2].size());
      return;  // a failed run: its processes may be gone or unresponsive
    }
  }
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_verify_timeout);
  auto transient = [](const grpc::Status& s) {
    return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
           s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
           s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  };
  std::mutex mu;
  auto missing = [&](const std::string& name, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu);
    ++missing_;
    if (missing_examples_.size() < 5) missing_examples_.push_back(absl::StrCat(name, " (", why, ")"));
  };

  // Observations: list the written pair's figures page by page.
  {
    auto economics = dyad::economics::v1::EconomicsService::NewStub(NewChannel(kEconomics, 0));
    std::set<std::string> found;
    std::string token;
    bool ok = true;
    do {
      dyad::economics::v1::ListObservationsRequest req;
      req.set_indicator(setup_.indicator);
      req.add_countries(kWriteReporter);
      req.add_countries(kWritePartner);
      req.set_page_size(500);
      req.set_page_token(token);
      dyad::economics::v1::ListObservationsResponse resp;
      grpc::Status st;
      for (int attempt = 0; attempt < 5; ++attempt) {
        st = CallWithDeadline(absl::Seconds(30), [&](grpc::ClientContext* ctx) {
          return economics->ListObservations(ctx, req, &resp);
        });
        if (!transient(st) || absl::Now() > deadline) break;
        absl::SleepFor(absl::Milliseconds(200 << attempt));
      }
      if (!st.ok()) {
        Fail(absl::StrCat("reading observations back: ", CodeName(st.error_code()), " ",
                          st.error_message()));
        ok = false;
        break;
      }
      for (const auto& o : resp.observations()) found.insert(o.name());
      token = resp.next_page_token();
    } while (!token.empty() && absl::Now() < deadline);
    if (ok && !token.empty()) {
      Fail("reading observations back: --verify_timeout reached");
      ok = false;
    }
    for (const auto& name : acked_[1]) {
      if (!ok) {
        ++unverified_;
      } else if (found.count(name)) {
        ++verified_;
      } else {
        missing(name, "not listed by ListObservations");
      }
    }
  }

  // Events and institutions: one Get each, from several threads.
  struct Item {
    bool event;
    const std::string* name;
  };
  std::vector<Item> items;
  for (const auto& n : acked_[0]) items.push_back({true, &n});
  for (const auto& n : acked_[2]) items.push_back({false, &n});
  std::atomic<size_t> next{0};
  std::atomic<int64_t> verified{0}, unverified{0};
  auto ev = dyad::events::v1::EventService::NewStub(NewChannel(kEvents, 0));
  auto in = dyad::institutions::v1::InstitutionService::NewStub(NewChannel(kInstitutions, 0));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < items.size(); i = next++) {
        if (absl::Now() > deadline) {
          ++unverified;
          continue;
        }
        const Item& item = items[i];
        grpc::Status st;
        for (int attempt = 0; attempt < 5; ++attempt) {
          st = CallWithDeadline(absl::Seconds(10), [&](grpc::ClientContext* ctx) {
            if (item.event) {
              dyad::events::v1::GetEventRequest req;
              req.set_name(*item.name);
              dyad::events::v1::Event e;
              return ev->GetEvent(ctx, req, &e);
            }
            dyad::institutions::v1::GetInstitutionRequest req;
            req.set_name(*item.name);
            dyad::institutions::v1::Institution inst;
            return in->GetInstitution(ctx, req, &inst);
          });
          if (!transient(st)) break;
          absl::SleepFor(absl::Milliseconds(100 << attempt));
        }
        if (st.ok()) {
          ++verified;
        } else if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
          missing(*item.name, "NOT_FOUND");
        } else {
          ++unverified;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  verified_ += verified.load();
  unverified_ += unverified.load();
  if (missing_ > 0) {
    Fail(absl::StrCat(missing_, " acknowledged writes missing, e.g. ",
                      absl::StrJoin(missing_examples_, ", ")));
  }
  if (unverified_ > 0) {
    Fail(absl::StrCat(unverified_, " acknowledged writes could not be read back"));
  }
}

int Soak::Report() {
  std::lock_guard<std::mutex> lock(mu_);
  const double secs = std::max(1e-9, absl::ToDoubleSeconds(ran_for_));
  int64_t total = 0;
  for (auto c : calls_) total += c;
  std::lock_guard<std::mutex> flock(fail_mu_);
  if (well_all_.count() == 0) failures_.push_back("no well-behaved call succeeded");
  const bool pass = failures_.empty();
  const int64_t acked = static_cast<int64_t>(acked_[0].size() + acked_[1].size() + acked_[2].size());

  std::printf("\n==== Dyad soak test ====\n");
  std::printf("duration      %.1f s (asked %s)\n", secs,
              absl::FormatDuration(absl::GetFlag(FLAGS_duration)).c_str());
  std::printf("calls         %lld in all, %.0f/s\n", static_cast<long long>(total), total / secs);
  std::printf("in flight     well-behaved %d, write %d, hostile %d, flood %d; deadline %s\n",
              absl::GetFlag(FLAGS_well_behaved), absl::GetFlag(FLAGS_writers),
              absl::GetFlag(FLAGS_hostile), absl::GetFlag(FLAGS_flood),
              absl::FormatDuration(timeout_).c_str());
  std::printf("\nerror mix (status -> calls)\n");
  for (int c = 0; c < kClassCount; ++c) {
    std::vector<std::string> parts;
    for (const auto& [code, n] : codes_[c]) parts.push_back(absl::StrCat(code, " ", n));
    std::printf("  %-13s %8lld calls %7.0f/s  %s\n", kClassNames[c],
                static_cast<long long>(calls_[c]), calls_[c] / secs,
                absl::StrJoin(parts, ", ").c_str());
  }
  std::printf("\nper call (latency of successful calls, ms)                      calls     p50     p99"
              "     max  not OK\n");
  static const Histogram kNone;
  for (const auto& [key, codes] : label_codes_) {
    auto it = latency_.find(key);
    const Histogram& h = it == latency_.end() ? kNone : it->second;
    int64_t n = 0;
    std::vector<std::string> bad;
    for (const auto& [code, k] : codes) {
      n += k;
      if (code != "OK") bad.push_back(absl::StrCat(code, " ", k));
    }
    std::printf("  %-13s %-52s %7lld %7.1f %7.1f %7.1f  %s\n", kClassNames[key.first],
                key.second.c_str(), static_cast<long long>(n), h.Percentile(0.5) / 1e3,
                h.Percentile(0.99) / 1e3, h.max() / 1e3, absl::StrJoin(bad, ", ").c_str());
  }
  if (!first_message_.empty()) {
    std::printf("\nfirst message per error\n");
    for (const auto& [k, m] : first_message_) std::printf("  %s: %s\n", k.c_str(), m.c_str());
  }
  const int64_t well_ok = well_all_.count();
  std::printf("\nwell-behaved  p50 %.2f ms, p99 %.2f ms over %lld successful calls (%.1f%% of %lld)\n",
              well_all_.Percentile(0.5) / 1e3, well_all_.Percentile(0.99) / 1e3,
              static_cast<long long>(well_ok),
              calls_[kWell] ? 100.0 * well_ok / calls_[kWell] : 0.0,
              static_cast<long long>(calls_[kWell]));
  std::printf("peak RSS      ");
  for (const auto& w : watched_) {
    std::printf("%s %.1f MiB%s  ", w.name.c_str(), w.peak_kb / 1024.0, w.died ? " (died)" : "");
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("(dyad-soak itself %.1f MiB, %.1f CPU s)\n", ru.ru_maxrss / 1024.0,
              ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  std::printf("writes        %lld acknowledged (events %zu, observations %zu, institutions %zu); "
              "%lld read back, %lld missing, %lld not checked\n",
              static_cast<long long>(acked), acked_[0].size(), acked_[1].size(),
              acked_[2].size(), static_cast<long long>(verified_),
              static_cast<long long>(missing_), static_cast<long long>(unverified_));
  std::printf("result        %s\n", pass ? "PASS" : "FAIL");
  for (const auto& f : failures_) std::printf("  - %s\n", f.c_str());

  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty()) {
    std::string j = absl::StrFormat("{\"duration_s\":%.1f,\"calls\":%d,\"calls_per_s\":%.1f,",
                                    secs, total, total / secs);
    absl::StrAppend(&j, "\"classes\":{");
    for (int c = 0; c < kClassCount; ++c) {
      if (c) j += ",";
      absl::StrAppend(&j, "\"", kClassNames[c], "\":{\"calls\":", calls_[c], ",\"codes\":{");
      bool first = true;
      for (const auto& [code, n] : codes_[c]) {
        absl::StrAppend(&j, first ? "" : ",", "\"", JsonEscape(code), "\":", n);
        first = false;
      }
      j += "}}";
    }
    absl::StrAppend(&j, "},\"calls_by_label\":[");
    bool first = true;
    for (const auto& [key, codes] : label_codes_) {
      auto it = latency_.find(key);
      const Histogram& h = it == latency_.end() ? kNone : it->second;
      std::vector<std::string> cs;
      for (const auto& [code, k] : codes) cs.push_back(absl::StrCat("\"", JsonEscape(code), "\":", k));
      absl::StrAppend(&j, first ? "" : ",",
                      absl::StrFormat("{\"class\":\"%s\",\"label\":\"%s\",\"codes\":{%s},"
                                      "\"ok\":%d,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}",
                                      kClassNames[key.first], JsonEscape(key.second),
                                      absl::StrJoin(cs, ","), h.count(), h.Percentile(0.5) / 1e3,
                                      h.Percentile(0.99) / 1e3, h.max() / 1e3));
      first = false;
    }
    absl::StrAppend(&j, absl::StrFormat("],\"well_behaved_p99_ms\":%.3f,\"well_behaved_ok\":%d,",
                                        well_all_.Percentile(0.99) / 1e3, well_ok));
    absl::StrAppend(&j, "\"peak_rss_mib\":{");
    first = true;
    for (const auto& w : watched_) {
      absl::StrAppend(&j, first ? "" : ",",
                      absl::StrFormat("\"%s\":%.1f", JsonEscape(w.name), w.peak_kb / 1024.0));
      first = false;
    }
    absl::StrAppend(&j, absl::StrFormat("},\"acknowledged\":%d,\"verified\":%d,\"missing\":%d,"
                                        "\"unverified\":%d,\"pass\":%s,\"failures\":[",
                                        acked, verified_, missing_, unverified_,
                                        pass ? "true" : "false"));
    first = true;
    for (const auto& f : failures_) {
      absl::StrAppend(&j, first ? "" : ",", "\"", JsonEscape(f), "\"");
      first = false;
    }
    j += "]}\n";
    std::ofstream out(json_path);
    out << j;
  }
  std::fflush(stdout);
  return pass ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  Soak soak;
  if (auto s = soak.Init(); !s.ok()) {
    std::fprintf(stderr, "dyad-soak: %s\n", s.ToString().c_str());
    return 2;
  }
  if (auto s = soak.Prepare(); !s.ok()) {
    std::fprintf(stderr, "dyad-soak: setup: %s\n", s.ToString().c_str());
    return 2;
  }
  soak.Run();
  soak.Verify();
  return soak.Report();
}

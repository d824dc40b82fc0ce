#include "common/trace.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <random>
#include <unordered_map>

#include "absl/strings/str_cat.h"

namespace dyad {
namespace {

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZeros(absl::string_view s) { return s.find_first_not_of('0') == absl::string_view::npos; }

std::string RandomHex(int digits) {
  // One generator per thread, seeded once from the system's entropy:
  // ids must not collide across processes, they need not be secret.
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  do {
    out.clear();
    while (static_cast<int>(out.size()) < digits) {
      uint64_t v = gen();
      for (int i = 0; i < 16 && static_cast<int>(out.size()) < digits; ++i, v >>= 4) {
        out.push_back(kHex[v & 0xf]);
      }
    }
  } while (AllZeros(out));
  return out;
}

// Calls in flight and their traces. Sharded by context address so that
// concurrent calls rarely share a lock.
class TraceRegistry {
 public:
  void Put(const void* key, TraceContext t) {
    Shard& s = ShardOf(key);
    std::lock_guard<std::mutex> lock(s.mu);
    s.traces[key] = std::move(t);
  }
  void Erase(const void* key) {
    Shard& s = ShardOf(key);
    std::lock_guard<std::mutex> lock(s.mu);
    s.traces.erase(key);
  }
  std::optional<TraceContext> Get(const void* key) {
    Shard& s = ShardOf(key);
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.traces.find(key);
    if (it == s.traces.end()) return std::nullopt;
    return it->second;
  }

 private:
  struct Shard {
    std::mutex mu;
    std::unordered_map<const void*, TraceContext> traces;
  };
  Shard& ShardOf(const void* key) {
    return shards_[(reinterpret_cast<uintptr_t>(key) >> 4) % shards_.size()];
  }
  std::array<Shard, 16> shards_;
};

TraceRegistry& Registry() {
  static auto* r = new TraceRegistry();  // never destroyed: calls may outlive main
  return *r;
}

}  // namespace

std::string TraceContext::Traceparent() const {
  return absl::StrCat("00-", trace_id, "-", span_id, "-", flags);
}

std::optional<TraceContext> ParseTraceparent(absl::string_view v) {
  // version "-" trace-id "-" parent-id "-" trace-flags
  constexpr size_t kLen = 2 + 1 + 32 + 1 + 16 + 1 + 2;
  if (v.size() < kLen) return std::nullopt;
  const absl::string_view version = v.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && v.size() != kLen) return std::nullopt;
  if (v.size() > kLen && v[kLen] != '-') return std::nullopt;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const absl::string_view trace_id = v.substr(3, 32);
  const absl::string_view parent = v.substr(36, 16);
  const absl::string_view flags = v.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent) || !IsLowerHex(flags)) return std::nullopt;
  if (AllZeros(trace_id) || AllZeros(parent)) return std::nullopt;
  TraceContext t;
  t.trace_id = std::string(trace_id);
  t.parent_span_id = std::string(parent);
  t.flags = std::string(flags);
  return t;
}

std::string NewSpanId() { return RandomHex(16); }
std::string NewTraceId() { return RandomHex(32); }

TraceContext ServerTrace(absl::string_view traceparent, absl::string_view tracestate) {
  TraceContext t;
  if (auto parsed = ParseTraceparent(traceparent)) {
    t = std::move(*parsed);
    // tracestate belongs to the traceparent it came with; a bounded copy
    // (the specification allows 32 members of at most 256 characters).
    if (tracestate.size() <= 8192) t.tracestate = std::string(tracestate);
  } else {
    t.trace_id = NewTraceId();
  }
  t.span_id = NewSpanId();
  return t;
}

std::string ChildTraceparent(const TraceContext& trace) {
  return absl::StrCat("00-", trace.trace_id, "-", NewSpanId(), "-", trace.flags);
}

TraceContext TraceOf(const grpc::ServerContextBase* ctx) {
  if (auto t = Registry().Get(ctx)) return std::move(*t);
  return ServerTrace("", "");
}

namespace internal {
void RegisterCallTrace(const grpc::ServerContextBase* ctx, TraceContext trace) {
  Registry().Put(ctx, std::move(trace));
}
void UnregisterCallTrace(const grpc::ServerContextBase* ctx) { Registry().Erase(ctx); }
}  // namespace internal

}  // namespace dyad

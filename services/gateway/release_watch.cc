#include "release_watch.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "backends.h"
#include "common/logging.h"

namespace dyad::gateway {
namespace {

std::mutex& StateMu() {
  static auto* mu = new std::mutex();
  return *mu;
}
std::map<std::string, dyad::type::v1::Release>& State() {
  static auto* state = new std::map<std::string, dyad::type::v1::Release>();
  return *state;
}

}  // namespace

ReleaseWatch::ReleaseWatch(dyad::events::v1::EventService::Stub* events, absl::Duration interval,
                           std::string authorization)
    : events_(events), interval_(interval), authorization_(std::move(authorization)) {}

ReleaseWatch::~ReleaseWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Set(kEventsPart, std::nullopt);
}

void ReleaseWatch::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ReleaseWatch::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    PollOnce();
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [this] { return stop_; });
  }
}

void ReleaseWatch::PollOnce() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (!authorization_.empty()) ctx.AddMetadata("authorization", authorization_);
  dyad::events::v1::ListReleasesRequest req;
  req.set_page_size(1);
  dyad::events::v1::ListReleasesResponse resp;
  grpc::Status s = events_->ListReleases(&ctx, req, &resp);
  if (!s.ok()) {
    // A backend that does not answer has not moved as far as we know: the
    // last release seen stays (cached whole answers are served until their
    // TTL, as without releases). An older backend without the method
    // (UNIMPLEMENTED) never names one.
    if (!failing_) {
      Log().warn("release poll failed part=events code={}", static_cast<int>(s.error_code()));
    }
    failing_ = true;
    return;
  }
  failing_ = false;
  Set(kEventsPart, resp.releases_size() > 0
                       ? std::optional<dyad::type::v1::Release>(resp.releases(0))
                       : std::nullopt);
}

std::optional<dyad::type::v1::Release> ReleaseWatch::Latest(absl::string_view part) {
  std::lock_guard<std::mutex> lock(StateMu());
  auto it = State().find(std::string(part));
  if (it == State().end()) return std::nullopt;
  return it->second;
}

std::string ReleaseWatch::Tag() {
  std::lock_guard<std::mutex> lock(StateMu());
  std::string out;
  for (const auto& [part, r] : State()) absl::StrAppend(&out, part, "=", r.id(), ";");
  return out;
}

void ReleaseWatch::Set(absl::string_view part, std::optional<dyad::type::v1::Release> release) {
  std::lock_guard<std::mutex> lock(StateMu());
  if (release) {
    State()[std::string(part)] = std::move(*release);
  } else {
    State().erase(std::string(part));
  }
}

}  // namespace dyad::gateway

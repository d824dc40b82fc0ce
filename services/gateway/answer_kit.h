// What an answer module (answers/*/answer.cc, registered in answers.h) is
// given for one call and the helpers every module shares: the call in
// progress (its backend call group, the backends, how it finishes), request
// checks, and the `parts` of an answer. Serving, deadlines, the answer cache
// and the registry are gateway_service.h's; fetching and composing are the
// module's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "answer_cache.h"
#include "backends.h"
#include "common/grpc_util.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "gather.h"

namespace dyad::gateway {

// What a composed call answers into: the raw reply, the cache key (empty:
// not cached) and the call's request and response, kept alive by whoever
// holds this.
struct RawAnswer {
  grpc::ByteBuffer* out = nullptr;
  std::string key;
  std::shared_ptr<void> call;
};

// One composed call in progress, and its reactor: when the client cancels
// (or the server shuts down and cancels what is in flight), every backend
// call of the group is cancelled too, so the reads finish at once and the
// call completes instead of waiting for backend deadlines.
//
// FinishAnswer() serializes the composed answer once into the call's raw
// reply, offers those bytes to the answer cache (which keeps only whole
// answers) and finishes. The call owns the request and response (`answer`),
// so they live until gRPC is done with the call.
class AnswerCall final : public grpc::ServerUnaryReactor {
 public:
  AnswerCall(std::shared_ptr<CallGroup> group, Backends* backends, AnswerCache* cache,
             RawAnswer answer)
      : group_(std::move(group)), backends_(backends), cache_(cache), answer_(std::move(answer)) {}
  void OnCancel() override { group_->CancelAll(); }
  void OnDone() override { delete this; }
  // The call's backend calls: its deadline, trace and token.
  const std::shared_ptr<CallGroup>& group() const { return group_; }
  Backends* backends() const { return backends_; }

  template <typename Resp>
  void FinishAnswer(const Resp& resp) {
    auto bytes = std::make_shared<const std::string>(resp.SerializeAsString());
    if (cache_ != nullptr && !answer_.key.empty()) cache_->Remember(answer_.key, bytes, resp.parts());
    *answer_.out = SharedBytesToByteBuffer(std::move(bytes));
    Finish(grpc::Status::OK);
  }

 private:
  std::shared_ptr<CallGroup> group_;
  Backends* backends_;
  AnswerCache* cache_;
  RawAnswer answer_;
};

using Countries = std::vector<std::string>;

// At least `min` ISO 3166-1 alpha-3 codes, each valid (INVALID_ARGUMENT
// naming `countries`).
absl::Status ValidateDyad(const google::protobuf::RepeatedPtrField<std::string>& countries,
                          int min);
absl::Status ValidateYear(int year, const char* field = "year");
// Origin_IsValid: proto3 enums are open, so a client can send any number.
absl::Status ValidateOrigin(dyad::type::v1::Origin origin);

// The event counts of one country or a dyad (both directions) by month,
// for an intensity series; nullopt for three or more distinct countries,
// which CountEvents does not count. A country named twice counts once (as
// ListEvents reads it; CountEvents refuses a repeated one).
std::optional<dyad::events::v1::CountEventsRequest> IntensityRequest(
    const Countries& countries, dyad::type::v1::Origin origin);

// "GEO–TUR", for answers in words.
std::string DyadLabel(const Countries& countries);

// The years from..to.
dyad::type::v1::DateRange Years(int from, int to);

template <typename Req>
void SetCountries(const Countries& countries, Req* req) {
  for (const auto& c : countries) req->add_countries(c);
}

// Adds the three parts (always in the same order), logs failed ones with
// the call's trace id and counts them (metrics.h: partial answers).
void AddParts(const AnswerCall& call, const char* method, const grpc::Status& events,
              const grpc::Status& economics, const grpc::Status& institutions,
              google::protobuf::RepeatedPtrField<dyad::gateway::v1::Part>* parts);

}  // namespace dyad::gateway

// dyad.gateway.v1.RelationsGateway over the callback API. Each method
// validates its request, starts its backend reads in parallel (backends.h:
// callback client calls under one deadline derived from the client's), and
// once every part is in, composes the answer with compose.h / ranking.h and
// adds one `parts` entry per backend. A failed backend never fails the
// call; invalid input is INVALID_ARGUMENT naming the field. When the client
// cancels (or the server shuts down), the backend calls are cancelled too.
#pragma once

#include "absl/time/time.h"
#include "answer_cache.h"
#include "backends.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"

namespace dyad::gateway {

class RelationsGatewayImpl final : public dyad::gateway::v1::RelationsGateway::CallbackService {
 public:
  // `backends` must outlive the server. `backend_timeout` is the deadline of
  // backend calls when the client sets a later one or none.
  // `cache` (may be null: no answer cache) keeps whole answers for a short
  // time; it must outlive the server too.
  RelationsGatewayImpl(Backends* backends, absl::Duration backend_timeout,
                       AnswerCache* cache = nullptr)
      : b_(backends), timeout_(backend_timeout), cache_(cache) {}

  grpc::ServerUnaryReactor* GetOverview(grpc::CallbackServerContext* ctx,
                                        const dyad::gateway::v1::GetOverviewRequest* req,
                                        dyad::gateway::v1::GetOverviewResponse* resp) override;
  grpc::ServerUnaryReactor* GetTimeline(grpc::CallbackServerContext* ctx,
                                        const dyad::gateway::v1::GetTimelineRequest* req,
                                        dyad::gateway::v1::GetTimelineResponse* resp) override;
  grpc::ServerUnaryReactor* GetYearInReview(grpc::CallbackServerContext* ctx,
                                            const dyad::gateway::v1::GetYearInReviewRequest* req,
                                            dyad::gateway::v1::GetYearInReviewResponse* resp) override;
  grpc::ServerUnaryReactor* ExplainChange(grpc::CallbackServerContext* ctx,
                                          const dyad::gateway::v1::ExplainChangeRequest* req,
                                          dyad::gateway::v1::ExplainChangeResponse* resp) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* ctx,
                                   const dyad::gateway::v1::SearchRequest* req,
                                   dyad::gateway::v1::SearchResponse* resp) override;
  grpc::ServerUnaryReactor* ListDiscrepancies(
      grpc::CallbackServerContext* ctx, const dyad::gateway::v1::ListDiscrepanciesRequest* req,
      dyad::gateway::v1::ListDiscrepanciesResponse* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::gateway::v1::ListSourcesRequest* req,
                                        dyad::gateway::v1::ListSourcesResponse* resp) override;

 private:
  // The deadline of this call's backend calls (BackendDeadline).
  absl::Time Deadline(const grpc::CallbackServerContext* ctx) const;

  // A fresh cached answer to `req`: finishes the call with it and returns
  // the reactor. Otherwise nullptr, with `*key` set when the answer should be
  // remembered.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* FromCache(grpc::CallbackServerContext* ctx, absl::string_view method,
                                      const Req& req, Resp* resp, std::string* key);

  Backends* b_;
  absl::Duration timeout_;
  AnswerCache* cache_;
};

}  // namespace dyad::gateway

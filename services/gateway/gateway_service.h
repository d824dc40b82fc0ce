#pragma once

#include "absl/time/time.h"
#include "backends.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "thread_pool.h"

namespace dyad::gateway {

// RelationsGateway: each method validates, then runs one "part" per backend
// in parallel on the pool (blocking stub calls with a deadline derived from
// the client's), and composes the answer with compose.h once all parts are
// done. A failed backend never fails the call: its part says why.
class RelationsGatewayImpl final : public dyad::gateway::v1::RelationsGateway::CallbackService {
 public:
  RelationsGatewayImpl(Backends* backends, ThreadPool* pool, absl::Duration backend_timeout)
      : b_(backends), pool_(pool), timeout_(backend_timeout) {}

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
  absl::Time Deadline(grpc::CallbackServerContext* ctx) const;

  Backends* b_;
  ThreadPool* pool_;
  absl::Duration timeout_;
};

}  // namespace dyad::gateway

// dyad.gateway.v1.RelationsGateway over the callback API. Each method
// validates its request, starts its backend reads in parallel (backends.h:
// callback client calls under one deadline derived from the client's), and
// once every part is in, composes the answer with compose.h / ranking.h and
// adds one `parts` entry per backend. A failed backend never fails the
// call; invalid input is INVALID_ARGUMENT naming the field. When the client
// cancels (or the server shuts down), the backend calls are cancelled too.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "answer_cache.h"
#include "backends.h"
#include "common/auth.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"

namespace dyad::gateway {

namespace gwv1 = dyad::gateway::v1;

// What a composed call answers into: the raw reply, the cache key (empty:
// not cached) and the call's request and response, kept alive by whoever
// holds this.
struct RawAnswer {
  grpc::ByteBuffer* out = nullptr;
  std::string key;
  std::shared_ptr<void> call;
};

// Every method is served raw: the request is decoded here, and the answer is
// serialized once, both for the reply and for the answer cache, whose hits
// go out as stored bytes without being decoded and encoded again.
class RelationsGatewayImpl final
    : public gwv1::RelationsGateway::WithRawCallbackMethod_GetOverview<
          gwv1::RelationsGateway::WithRawCallbackMethod_GetTimeline<
              gwv1::RelationsGateway::WithRawCallbackMethod_GetYearInReview<
                  gwv1::RelationsGateway::WithRawCallbackMethod_ExplainChange<
                      gwv1::RelationsGateway::WithRawCallbackMethod_Search<
                          gwv1::RelationsGateway::WithRawCallbackMethod_ListDiscrepancies<
                              gwv1::RelationsGateway::WithRawCallbackMethod_ListSources<
                                  gwv1::RelationsGateway::CallbackService>>>>>>> {
 public:
  // `backends` must outlive the server. `backend_timeout` is the deadline of
  // backend calls when the client sets a later one or none. `cache` (may be
  // null: no answer cache) keeps whole answers for a short time; it must
  // outlive the server too.
  // `auth` (may be null: reads open) checks the callers' read token
  // (--read_token_file); it must outlive the server too.
  RelationsGatewayImpl(Backends* backends, absl::Duration backend_timeout,
                       AnswerCache* cache = nullptr, const WriteAuthorizer* auth = nullptr)
      : b_(backends), timeout_(backend_timeout), cache_(cache), auth_(auth) {}

  grpc::ServerUnaryReactor* GetOverview(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* in, grpc::ByteBuffer* out) override;
  grpc::ServerUnaryReactor* GetTimeline(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* in, grpc::ByteBuffer* out) override;
  grpc::ServerUnaryReactor* GetYearInReview(grpc::CallbackServerContext* ctx,
                                            const grpc::ByteBuffer* in,
                                            grpc::ByteBuffer* out) override;
  grpc::ServerUnaryReactor* ExplainChange(grpc::CallbackServerContext* ctx,
                                          const grpc::ByteBuffer* in, grpc::ByteBuffer* out) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,
                                   grpc::ByteBuffer* out) override;
  grpc::ServerUnaryReactor* ListDiscrepancies(grpc::CallbackServerContext* ctx,
                                              const grpc::ByteBuffer* in,
                                              grpc::ByteBuffer* out) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* in, grpc::ByteBuffer* out) override;

 private:
  // Decodes the request, answers from the cache when it can, else calls
  // `handler` with the typed request and response.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Serve(
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, grpc::ByteBuffer* out,
      absl::string_view method,
      grpc::ServerUnaryReactor* (RelationsGatewayImpl::*handler)(grpc::CallbackServerContext*,
                                                                 const Req*, Resp*, RawAnswer));

  // The composed methods: validate, start the backend reads, compose.
  grpc::ServerUnaryReactor* DoGetOverview(grpc::CallbackServerContext* ctx,
                                          const gwv1::GetOverviewRequest* req,
                                          gwv1::GetOverviewResponse* resp, RawAnswer answer);
  grpc::ServerUnaryReactor* DoGetTimeline(grpc::CallbackServerContext* ctx,
                                          const gwv1::GetTimelineRequest* req,
                                          gwv1::GetTimelineResponse* resp, RawAnswer answer);
  grpc::ServerUnaryReactor* DoGetYearInReview(grpc::CallbackServerContext* ctx,
                                              const gwv1::GetYearInReviewRequest* req,
                                              gwv1::GetYearInReviewResponse* resp,
                                              RawAnswer answer);
  grpc::ServerUnaryReactor* DoExplainChange(grpc::CallbackServerContext* ctx,
                                            const gwv1::ExplainChangeRequest* req,
                                            gwv1::ExplainChangeResponse* resp, RawAnswer answer);
  grpc::ServerUnaryReactor* DoSearch(grpc::CallbackServerContext* ctx,
                                     const gwv1::SearchRequest* req, gwv1::SearchResponse* resp,
                                     RawAnswer answer);
  grpc::ServerUnaryReactor* DoListDiscrepancies(grpc::CallbackServerContext* ctx,
                                                const gwv1::ListDiscrepanciesRequest* req,
                                                gwv1::ListDiscrepanciesResponse* resp,
                                                RawAnswer answer);
  grpc::ServerUnaryReactor* DoListSources(grpc::CallbackServerContext* ctx,
                                          const gwv1::ListSourcesRequest* req,
                                          gwv1::ListSourcesResponse* resp, RawAnswer answer);

  // The deadline of this call's backend calls (BackendDeadline).
  absl::Time Deadline(const grpc::CallbackServerContext* ctx) const;
  // The group of this call's backend calls: its deadline, its trace (the
  // caller's, or the one the server started), the backend token.
  std::shared_ptr<CallGroup> NewGroup(const grpc::CallbackServerContext* ctx) const;

  Backends* b_;
  absl::Duration timeout_;
  AnswerCache* cache_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::gateway

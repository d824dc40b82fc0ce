#pragma once

#include "common/auth.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "institution_core.h"

namespace dyad::institutions {

// gRPC adapter (callback API): unpacks, asks InstitutionCore, maps status.
// ListInstitutions is served raw: a page's bytes come from the result cache
// and go out without being decoded into a message and encoded again.
class InstitutionServiceImpl final
    : public dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_ListInstitutions<
          dyad::institutions::v1::InstitutionService::CallbackService> {
 public:
  InstitutionServiceImpl(InstitutionCore* core, const WriteAuthorizer* auth)
      : core_(core), auth_(auth) {}

  grpc::ServerUnaryReactor* GetInstitution(
      grpc::CallbackServerContext* ctx, const dyad::institutions::v1::GetInstitutionRequest* req,
      dyad::institutions::v1::Institution* resp) override;
  grpc::ServerUnaryReactor* ListInstitutions(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListInstitutionKinds(
      grpc::CallbackServerContext* ctx,
      const dyad::institutions::v1::ListInstitutionKindsRequest* req,
      dyad::institutions::v1::ListInstitutionKindsResponse* resp) override;
  grpc::ServerUnaryReactor* ListMemberships(
      grpc::CallbackServerContext* ctx, const dyad::institutions::v1::ListMembershipsRequest* req,
      dyad::institutions::v1::ListMembershipsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateInstitution(
      grpc::CallbackServerContext* ctx,
      const dyad::institutions::v1::CreateInstitutionRequest* req,
      dyad::institutions::v1::Institution* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                        const dyad::institutions::v1::ListSourcesRequest* req,
                                        dyad::institutions::v1::ListSourcesResponse* resp) override;

 private:
  InstitutionCore* core_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::institutions

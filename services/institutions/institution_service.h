#pragma once

#include "common/auth.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "institution_core.h"

namespace dyad::institutions {

// gRPC adapter (callback API): admits the call, checks auth, decodes the
// request, asks InstitutionCore, maps the status. No domain logic here.
// Every method is served raw (ByteBuffer in and out): requests are decoded
// by ParseRequest (common/grpc_util.h), so a malformed one is
// INVALID_ARGUMENT naming the message and unknown fields are dropped before
// anything sees them; cached and stored answers go out as the bytes they
// already are. Replies are byte for byte what the typed API would send.
class InstitutionServiceImpl final
    : public dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_GetInstitution<
          dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_ListInstitutions<
          dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_ListInstitutionKinds<
          dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_ListMemberships<
          dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_CreateInstitution<
          dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_ListSources<
          dyad::institutions::v1::InstitutionService::WithRawCallbackMethod_ExportInstitutions<
          dyad::institutions::v1::InstitutionService::CallbackService>>>>>>> {
 public:
  InstitutionServiceImpl(InstitutionCore* core, const WriteAuthorizer* auth) : core_(core), auth_(auth) {}

  grpc::ServerUnaryReactor* GetInstitution(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListInstitutions(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListInstitutionKinds(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListMemberships(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* CreateInstitution(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* ctx,
                                     const grpc::ByteBuffer* req,
                                     grpc::ByteBuffer* resp) override;

  // institutions_export_service.cc: server streaming, one page per message
  // (common/export_reactor.h).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportInstitutions(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req) override;

 private:
  InstitutionCore* core_;
  const WriteAuthorizer* auth_;
};

}  // namespace dyad::institutions

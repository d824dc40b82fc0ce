#include "institution_service.h"

#include "common/admission.h"
#include "common/grpc_util.h"

namespace dyad::institutions {

using namespace dyad::institutions::v1;  // NOLINT: adapter file, names are unambiguous

grpc::ServerUnaryReactor* InstitutionServiceImpl::GetInstitution(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  GetInstitutionRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->GetInstitution(request), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListInstitutions(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListInstitutionsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListInstitutionsSerialized(request), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListInstitutionKinds(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListInstitutionKindsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListInstitutionKinds(request), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListMemberships(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListMembershipsRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->ListMemberships(request), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::CreateInstitution(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->Check(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  CreateInstitutionRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, core_->CreateInstitution(request), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListSources(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  CallLimits limits(ctx);
  ListSourcesRequest request;
  DYAD_RETURN_IF_DENIED(ctx, ParseRequest(*req, &request));
  return FinishRaw(ctx, absl::StatusOr<ListSourcesResponse>(core_->ListSources()), resp);
}

}  // namespace dyad::institutions

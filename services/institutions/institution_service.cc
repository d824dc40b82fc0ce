#include "institution_service.h"

#include "common/grpc_util.h"

namespace dyad::institutions {

using namespace dyad::institutions::v1;  // NOLINT: adapter file

grpc::ServerUnaryReactor* InstitutionServiceImpl::GetInstitution(
    grpc::CallbackServerContext* ctx, const GetInstitutionRequest* req, Institution* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->GetInstitution(*req), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListInstitutions(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  ListInstitutionsRequest request;
  if (!ParseByteBuffer(*req, &request)) {
    return FinishWith(ctx, absl::InvalidArgumentError("request is not a ListInstitutionsRequest"));
  }
  auto bytes = core_->ListInstitutionsSerialized(request);
  if (bytes.ok()) *resp = SharedBytesToByteBuffer(*std::move(bytes));
  return FinishWith(ctx, bytes.status());
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListInstitutionKinds(
    grpc::CallbackServerContext* ctx, const ListInstitutionKindsRequest* req,
    ListInstitutionKindsResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->ListInstitutionKinds(*req), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListMemberships(
    grpc::CallbackServerContext* ctx, const ListMembershipsRequest* req,
    ListMembershipsResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->ListMemberships(*req), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::CreateInstitution(
    grpc::CallbackServerContext* ctx, const CreateInstitutionRequest* req, Institution* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->Check(AuthorizationOf(*ctx)));
  return FinishUnary(ctx, core_->CreateInstitution(*req), resp);
}

grpc::ServerUnaryReactor* InstitutionServiceImpl::ListSources(grpc::CallbackServerContext* ctx,
                                                              const ListSourcesRequest* req,
                                                              ListSourcesResponse* resp) {
  DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  *resp = core_->ListSources();
  return FinishWith(ctx, absl::OkStatus());
}

}  // namespace dyad::institutions

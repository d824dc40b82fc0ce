#include "common/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace dyad {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsFiles& f) {
  if (f.cert_file.empty() && f.key_file.empty() && f.client_ca_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (f.cert_file.empty() || f.key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert_file and tls_key_file: both are needed for TLS (tls_client_ca_file adds mTLS)");
  }
  auto cert = ReadFile(f.cert_file);
  if (!cert.ok()) return absl::InvalidArgumentError(absl::StrCat("tls_cert_file: ", cert.status().message()));
  auto key = ReadFile(f.key_file);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("tls_key_file: ", key.status().message()));
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!f.client_ca_file.empty()) {
    auto ca = ReadFile(f.client_ca_file);
    if (!ca.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("tls_client_ca_file: ", ca.status().message()));
    }
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientTlsFiles& f) {
  if (f.ca_file.empty()) {
    if (!f.cert_file.empty() || !f.key_file.empty()) {
      return absl::InvalidArgumentError("a client certificate needs the CA file too (TLS)");
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions options;
  auto ca = ReadFile(f.ca_file);
  if (!ca.ok()) return ca.status();
  options.pem_root_certs = *ca;
  if (!f.cert_file.empty() || !f.key_file.empty()) {
    auto cert = ReadFile(f.cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(f.key_file);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return grpc::SslCredentials(options);
}

}  // namespace dyad

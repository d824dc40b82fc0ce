#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace dyad {

// Server transport security. No files: plaintext. cert + key: TLS.
// cert + key + client CA: mutual TLS, every client must present a
// certificate signed by that CA.
struct ServerTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsFiles& files);

// Client side (the gateway's backend connections, the CLI). No CA: plaintext.
// CA: TLS verifying the server against it. CA + cert + key: mutual TLS.
struct ClientTlsFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientTlsFiles& files);

// Reads a whole file; NOT_FOUND naming it when unreadable.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace dyad

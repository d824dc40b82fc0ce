// TLS and mutual TLS on a real dyad-events, with certificates made for the
// test by openssl (a CA, a server certificate for 127.0.0.1/localhost, and a
// client certificate).
#include <signal.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include "common/tls.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::events::v1;  // NOLINT

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = ::testing::TempDir() + "/tls_" + std::to_string(getpid());
    const std::string script = R"(set -e
cd ")" + dir_ + R"("
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dyad-test-ca -keyout ca.key -out ca.pem 2>/dev/null
make() {
  openssl req -newkey rsa:2048 -nodes -subj /CN=$1 -keyout $1.key -out $1.csr 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' "$2" > $1.ext
  openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile $1.ext -out $1.pem 2>/dev/null
}
make server serverAuth
make client clientAuth
)";
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "' && bash -c '" +
                      "$0' <<'EOF'\n" + script + "EOF\n").c_str()),
              0);
  }
  static void TearDownTestSuite() { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  absl::StatusOr<ChildProcess> Start(bool mutual) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                     "--db=:memory:", "--plugins=" + BuildPath("fixtures/good"),
                                     "--tls_cert_file=" + dir_ + "/server.pem",
                                     "--tls_key_file=" + dir_ + "/server.key"};
    if (mutual) argv.push_back("--tls_client_ca_file=" + dir_ + "/ca.pem");
    auto p = ChildProcess::Start(argv);
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    port_ = dyad::testing::ParseServingPort(*out);
    return p;
  }

  grpc::Status Call(std::shared_ptr<grpc::ChannelCredentials> creds) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto stub = EventService::NewStub(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_), creds, args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ListEventKindsResponse resp;
    return stub->ListEventKinds(&ctx, ListEventKindsRequest(), &resp);
  }

  static std::string dir_;
  int port_ = 0;
};
std::string TlsTest::dir_;

TEST_F(TlsTest, TlsServesTrustingClientsAndRefusesPlaintext) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(/*mutual=*/false));
  ASSERT_OK_AND_ASSIGN(auto tls, MakeChannelCredentials({dir_ + "/ca.pem", "", ""}));
  grpc::Status s = Call(tls);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(Call(grpc::InsecureChannelCredentials()).ok());
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificate) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(/*mutual=*/true));
  ASSERT_OK_AND_ASSIGN(auto no_cert, MakeChannelCredentials({dir_ + "/ca.pem", "", ""}));
  EXPECT_FALSE(Call(no_cert).ok());
  ASSERT_OK_AND_ASSIGN(auto with_cert, MakeChannelCredentials({dir_ + "/ca.pem",
                                                              dir_ + "/client.pem",
                                                              dir_ + "/client.key"}));
  grpc::Status s = Call(with_cert);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, HalfConfiguredTlsStopsStartup) {
  auto p = ChildProcess::Start({BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                "--db=:memory:", "--tls_cert_file=" + dir_ + "/server.pem"});
  ASSERT_OK(p);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(absl::Seconds(20)));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(p->Output(), ::testing::HasSubstr("tls_key_file"));
}

}  // namespace
}  // namespace dyad

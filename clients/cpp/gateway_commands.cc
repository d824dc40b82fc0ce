// Commands answered by the gateway (dyad.gateway.v1.RelationsGateway).
#include "cli.h"

namespace dyad::cli {

void RegisterGatewayCommands(std::map<std::string, Command>& m) {}

}  // namespace dyad::cli

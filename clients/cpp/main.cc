// dyad: the command-line client. See `dyad --help`.
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return dyad::cli::Main(args, std::cout, std::cerr);
}

// STUB: replaced by the real command.
#include <iostream>

#include "cli/commands.h"

namespace nzcli {

int cmdInfo(const Args&) {
  std::cerr << "nzview-cli: 'info' is not implemented yet\n";
  return 2;
}

}  // namespace nzcli

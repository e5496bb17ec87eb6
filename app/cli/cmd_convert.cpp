// STUB: replaced by the real command.
#include <iostream>

#include "cli/commands.h"

namespace nzcli {

int cmdConvert(const Args&) {
  std::cerr << "nzview-cli: 'convert' is not implemented yet\n";
  return 2;
}

}  // namespace nzcli

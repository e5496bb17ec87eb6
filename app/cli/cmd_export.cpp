// STUB: replaced by the real command.
#include <iostream>

#include "cli/commands.h"

namespace nzcli {

int cmdExport(const Args&) {
  std::cerr << "nzview-cli: 'export' is not implemented yet\n";
  return 2;
}

}  // namespace nzcli

#include "cli/cli_part.h"

#include <cstdlib>

#include "core/error.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

long long number(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorKind::InvalidArgument,
                what + " must be a non-negative integer, not '" + text + "'");
  }
  return std::stoll(text);
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

nz::PartIndex checked(long long index, long long count, const std::string& from) {
  if (count < 1 || index >= count) {
    throw Error(ErrorKind::InvalidArgument, "--part: index " + std::to_string(index) +
                                                " is not below the count " + std::to_string(count) +
                                                " (" + from + ")");
  }
  return {index, count};
}

}  // namespace

nz::PartIndex parsePart(const std::string& text, std::optional<long long> partCount) {
  auto agree = [&](nz::PartIndex p, const std::string& from) {
    if (partCount && *partCount != p.count) {
      throw Error(ErrorKind::InvalidArgument, "--part-count " + std::to_string(*partCount) +
                                                  " differs from " + from + " (" +
                                                  std::to_string(p.count) + ")");
    }
    return p;
  };
  if (text != "auto") {
    const auto slash = text.find('/');
    if (slash == std::string::npos) {
      throw Error(ErrorKind::InvalidArgument,
                  "--part takes I/N (e.g. 0/8) or auto, not '" + text + "'");
    }
    const nz::PartIndex p = checked(number(text.substr(0, slash), "--part I"),
                                    number(text.substr(slash + 1), "--part N"), "--part " + text);
    return agree(p, "--part " + text);
  }
  if (auto id = env("SLURM_ARRAY_TASK_ID")) {
    const long long task = number(*id, "SLURM_ARRAY_TASK_ID");
    const auto countText = env("SLURM_ARRAY_TASK_COUNT");
    if (!countText) {
      throw Error(ErrorKind::InvalidArgument,
                  "--part auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    }
    const long long count = number(*countText, "SLURM_ARRAY_TASK_COUNT");
    const long long min = number(env("SLURM_ARRAY_TASK_MIN").value_or("0"), "SLURM_ARRAY_TASK_MIN");
    const long long step =
        number(env("SLURM_ARRAY_TASK_STEP").value_or("1"), "SLURM_ARRAY_TASK_STEP");
    if (task < min || step < 1 || (task - min) % step != 0) {
      throw Error(ErrorKind::InvalidArgument,
                  "--part auto: SLURM_ARRAY_TASK_ID " + *id + " is not on the array's range (min " +
                      std::to_string(min) + ", step " + std::to_string(step) +
                      "); use --array=0-N-1 or a regular range");
    }
    return agree(checked((task - min) / step, count, "SLURM_ARRAY_TASK_ID/COUNT"),
                 "SLURM_ARRAY_TASK_COUNT");
  }
  if (auto id = env("JOB_COMPLETION_INDEX")) {
    if (!partCount) {
      throw Error(ErrorKind::InvalidArgument,
                  "--part auto with JOB_COMPLETION_INDEX (Kubernetes Indexed Job) needs "
                  "--part-count N (the Job's spec.completions)");
    }
    return checked(number(*id, "JOB_COMPLETION_INDEX"), *partCount,
                   "JOB_COMPLETION_INDEX, --part-count");
  }
  if (auto id = env("AWS_BATCH_JOB_ARRAY_INDEX")) {
    const auto size = env("AWS_BATCH_JOB_ARRAY_SIZE");
    if (!size) {
      throw Error(ErrorKind::InvalidArgument,
                  "--part auto: AWS_BATCH_JOB_ARRAY_INDEX is set but "
                  "AWS_BATCH_JOB_ARRAY_SIZE is not");
    }
    return agree(
        checked(number(*id, "AWS_BATCH_JOB_ARRAY_INDEX"), number(*size, "AWS_BATCH_JOB_ARRAY_SIZE"),
                "AWS_BATCH_JOB_ARRAY_INDEX/SIZE"),
        "AWS_BATCH_JOB_ARRAY_SIZE");
  }
  throw Error(ErrorKind::InvalidArgument,
              "--part auto: not inside an array job (none of SLURM_ARRAY_TASK_ID, "
              "JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX is set); use --part I/N");
}

}  // namespace nzcli

#pragma once
// `--part I/N` and `--part auto` of the commands that run as array-job workers (convert,
// export): which share of the work this process does.
//
//   nz::PartIndex p = nzcli::parsePart("auto", std::nullopt);   // from the scheduler's env
#include <optional>
#include <string>

#include "convert/convert_parts.h"

namespace nzcli {

// "I/N" (0 <= I < N), or "auto": the index and count from, in this order,
//   Slurm          SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT (index counted from
//                  SLURM_ARRAY_TASK_MIN in steps of SLURM_ARRAY_TASK_STEP)
//   Kubernetes     JOB_COMPLETION_INDEX (Indexed Job) with the count from `partCount`
//                  (--part-count: the Job's spec.completions)
//   AWS Batch      AWS_BATCH_JOB_ARRAY_INDEX, AWS_BATCH_JOB_ARRAY_SIZE
// `partCount`, when given, must agree with the count found. Throws nz::Error(InvalidArgument)
// naming the variable or value that is wrong.
nz::PartIndex parsePart(const std::string& text, std::optional<long long> partCount);

}  // namespace nzcli

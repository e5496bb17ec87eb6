#pragma once
// S3 wrong-region answers: which region the bucket is in.
#include <string>

#include "http/http_client.h"

namespace nz::cloud {

// The region a wrong-region S3 answer names: a 301 PermanentRedirect or 400
// AuthorizationHeaderMalformed/IllegalLocationConstraint carries it in x-amz-bucket-region or
// in <Region> of the body. Empty when the answer is not about the region.
std::string s3RegionHint(const HttpResponse& response);

}  // namespace nz::cloud

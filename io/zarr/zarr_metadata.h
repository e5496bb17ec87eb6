#pragma once
// Zarr array metadata (v2 .zarray and v3 zarr.json) parsed into one validated struct.
// Spec: the Zarr v2 and v3 core specifications (zarr-specs: v2.0, v3 core).
//
//   nz::ZarrArrayMeta m = nz::parseZarrArrayV2(text, "scan.nii.zarr/0/.zarray");
//   std::string key = m.chunkKey("0", {0, 1, 2});   // "0/0/1/2"
//
// Pure functions, safe for concurrent use. Errors: nz::Error(InvalidData) naming the file and
// the field; nz::Error(Unsupported) naming an unknown codec or data type.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "volume/dtype.h"
#include "zarr/array_filters.h"
#include "zarr/codecs.h"

namespace nz {

struct ZarrSharding;

// Everything between the stored bytes of one chunk and its C-order native-endian elements.
struct ZarrCodecChain {
  std::vector<int> transpose;           // decoded bytes are C order over shape[transpose[i]]
  bool bigEndian = false;               // element byte order of the stored bytes
  std::vector<BytesCodec> bytesCodecs;  // encoding order
  // Array->array steps after the bytes codecs (v2 delta/fixedscaleoffset filters, float16
  // widening), encoding order; their output is in host byte order.
  std::vector<ArrayFilter> filters;
  std::shared_ptr<const ZarrSharding> sharding;  // set when the array->bytes codec shards
};

struct ZarrSharding {
  std::vector<std::int64_t> innerShape;
  ZarrCodecChain inner;
  ZarrCodecChain index;
  bool indexAtStart = false;
};

struct ZarrArrayMeta {
  int zarrFormat = 2;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> chunks;  // storage object shape (the shard shape when sharded)
  DType dtype = DType::UInt8;
  std::size_t itemSize = 1;  // bytes per element (== dtypeSize(dtype) except raw "S<n>"/"V<n>")
  std::size_t swapUnit = 0;  // byte-swap unit of an element (0 = never swap)
  bool rawBytes = false;     // "S<n>"/"V<n>" dtype: opaque bytes, only for the nifti header
  Bytes fillValue;           // one element, native byte order
  double fillDouble = 0;     // the same as a number (NaN allowed)
  std::string keyPrefix;     // "c" for the v3 default encoding, "" otherwise
  char separator = '/';
  ZarrCodecChain codecs;
  std::vector<std::string> dimensionNames;  // v3 dimension_names or v2 _ARRAY_DIMENSIONS if known
  std::vector<std::string> codecNames;      // outermost last
  std::string compressorDetail;
  bool storedFloat16 = false;  // stored as float16, decoded (and shown) as float32

  std::size_t ndim() const { return shape.size(); }
  // The decoded read unit: the inner chunk when sharded, else the chunk.
  const std::vector<std::int64_t>& readShape() const;
  std::vector<std::int64_t> gridShape() const;  // chunks of readShape() per axis
  // Key of the storage object at storage-chunk index `idx`, under array path `path` ("" = root).
  std::string chunkKey(const std::string& path, const std::vector<std::int64_t>& idx) const;
};

ZarrArrayMeta parseZarrArrayV2(const std::string& text, const std::string& what);
ZarrArrayMeta parseZarrArrayV3(const std::string& text, const std::string& what);

// Parses a fill value of element type `dtype` ("NaN", "Infinity", "-Infinity", hex "0x...",
// numbers, null = 0) into native element bytes. Exposed for tests.
Bytes parseFillValueText(const std::string& json, DType dtype, std::size_t itemSize,
                         const std::string& what);

}  // namespace nz

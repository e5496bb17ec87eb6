#include "volume/dtype.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace nz {

std::size_t dtypeSize(DType t) {
  switch (t) {
    case DType::UInt8:
    case DType::Int8:
      return 1;
    case DType::UInt16:
    case DType::Int16:
      return 2;
    case DType::UInt32:
    case DType::Int32:
    case DType::Float32:
      return 4;
    case DType::UInt64:
    case DType::Int64:
    case DType::Float64:
    case DType::Complex64:
      return 8;
    case DType::Complex128:
      return 16;
    case DType::RGB24:
      return 3;
    case DType::RGBA32:
      return 4;
  }
  return 1;
}

const char* dtypeName(DType t) {
  switch (t) {
    case DType::UInt8:
      return "uint8";
    case DType::Int8:
      return "int8";
    case DType::UInt16:
      return "uint16";
    case DType::Int16:
      return "int16";
    case DType::UInt32:
      return "uint32";
    case DType::Int32:
      return "int32";
    case DType::UInt64:
      return "uint64";
    case DType::Int64:
      return "int64";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Complex64:
      return "complex64";
    case DType::Complex128:
      return "complex128";
    case DType::RGB24:
      return "rgb24";
    case DType::RGBA32:
      return "rgba32";
  }
  return "unknown";
}

bool dtypeFromName(const std::string& name, DType& out) {
  static const DType all[] = {DType::UInt8,   DType::Int8,    DType::UInt16,    DType::Int16,
                              DType::UInt32,  DType::Int32,   DType::UInt64,    DType::Int64,
                              DType::Float32, DType::Float64, DType::Complex64, DType::Complex128,
                              DType::RGB24,   DType::RGBA32};
  for (DType t : all) {
    if (name == dtypeName(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

namespace {

template <typename T>
T load(const void* data, std::size_t index) {
  T v;
  std::memcpy(&v, static_cast<const std::uint8_t*>(data) + index * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
void store(void* data, std::size_t index, T v) {
  std::memcpy(static_cast<std::uint8_t*>(data) + index * sizeof(T), &v, sizeof(T));
}

// Round and clamp so out-of-range pad values never invoke undefined conversions.
template <typename T>
T clampTo(double v) {
  if (std::isnan(v)) return T(0);
  v = std::nearbyint(v);
  const double lo = static_cast<double>(std::numeric_limits<T>::lowest());
  const double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (v <= lo) return std::numeric_limits<T>::lowest();
  if (v >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

}  // namespace

double readAsDouble(const void* data, DType t, std::size_t index) {
  switch (t) {
    case DType::UInt8:
      return load<std::uint8_t>(data, index);
    case DType::Int8:
      return load<std::int8_t>(data, index);
    case DType::UInt16:
      return load<std::uint16_t>(data, index);
    case DType::Int16:
      return load<std::int16_t>(data, index);
    case DType::UInt32:
      return load<std::uint32_t>(data, index);
    case DType::Int32:
      return load<std::int32_t>(data, index);
    case DType::UInt64:
      return static_cast<double>(load<std::uint64_t>(data, index));
    case DType::Int64:
      return static_cast<double>(load<std::int64_t>(data, index));
    case DType::Float32:
      return load<float>(data, index);
    case DType::Float64:
      return load<double>(data, index);
    case DType::Complex64:
      return load<float>(data, index * 2);
    case DType::Complex128:
      return load<double>(data, index * 2);
    case DType::RGB24:
    case DType::RGBA32: {
      const auto* p = static_cast<const std::uint8_t*>(data) + index * dtypeSize(t);
      // ITU-R BT.601 luma, the usual grey value for a colour voxel.
      return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    }
  }
  return 0;
}

void writeFromDouble(void* data, DType t, std::size_t index, double value) {
  switch (t) {
    case DType::UInt8:
      return store(data, index, clampTo<std::uint8_t>(value));
    case DType::Int8:
      return store(data, index, clampTo<std::int8_t>(value));
    case DType::UInt16:
      return store(data, index, clampTo<std::uint16_t>(value));
    case DType::Int16:
      return store(data, index, clampTo<std::int16_t>(value));
    case DType::UInt32:
      return store(data, index, clampTo<std::uint32_t>(value));
    case DType::Int32:
      return store(data, index, clampTo<std::int32_t>(value));
    case DType::UInt64:
      return store(data, index, clampTo<std::uint64_t>(value));
    case DType::Int64:
      return store(data, index, clampTo<std::int64_t>(value));
    case DType::Float32:
      return store(data, index, static_cast<float>(value));
    case DType::Float64:
      return store(data, index, value);
    case DType::Complex64:
      store(data, index * 2, static_cast<float>(value));
      return store(data, index * 2 + 1, 0.0f);
    case DType::Complex128:
      store(data, index * 2, value);
      return store(data, index * 2 + 1, 0.0);
    case DType::RGB24:
    case DType::RGBA32: {
      auto* p = static_cast<std::uint8_t*>(data) + index * dtypeSize(t);
      std::memset(p, clampTo<std::uint8_t>(value), dtypeSize(t));
      return;
    }
  }
}

Bytes elementFromDouble(DType t, double value) {
  Bytes b(dtypeSize(t));
  writeFromDouble(b.data(), t, 0, value);
  return b;
}

void fillElements(void* data, DType t, std::size_t count, const void* element) {
  const std::size_t size = dtypeSize(t);
  auto* out = static_cast<std::uint8_t*>(data);
  const auto* e = static_cast<const std::uint8_t*>(element);
  if (count == 0) return;
  if (std::all_of(e, e + size, [&](std::uint8_t b) { return b == e[0]; })) {
    std::memset(out, e[0], count * size);  // zero and other byte-uniform patterns
    return;
  }
  std::memcpy(out, e, size);
  // Doubling copies: O(log n) memcpy calls.
  std::size_t done = 1;
  while (done < count) {
    const std::size_t n = std::min(done, count - done);
    std::memcpy(out + done * size, out, n * size);
    done += n;
  }
}

}  // namespace nz

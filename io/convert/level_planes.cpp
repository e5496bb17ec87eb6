#include "convert/level_planes.h"

#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>

#include "core/error.h"

namespace nz {

void readLevelPlanes(ZarrArray& array, std::int64_t t, std::int64_t c, std::int64_t z0,
                     std::int64_t z1, std::uint8_t* out) {
  const ZarrArrayMeta& m = array.meta();
  const std::size_t nd = m.ndim();
  if (nd < 3 || nd > 5 || z0 < 0 || z1 > m.shape[nd - 3] || z0 >= z1) {
    throw Error(ErrorKind::InvalidArgument, array.describe() + ": bad plane range");
  }
  const std::size_t zA = nd - 3, yA = nd - 2, xA = nd - 1;
  const std::int64_t nx = m.shape[xA], ny = m.shape[yA];
  const std::vector<std::int64_t>& rs = m.readShape();
  const std::size_t item = m.itemSize;
  const std::size_t total = static_cast<std::size_t>(nx * ny * (z1 - z0));
  for (std::size_t i = 0; i < total; ++i) std::memcpy(out + i * item, m.fillValue.data(), item);

  std::vector<std::vector<std::int64_t>> chunks;
  for (std::int64_t iz = z0 / rs[zA]; iz <= (z1 - 1) / rs[zA]; ++iz) {
    for (std::int64_t iy = 0; iy * rs[yA] < ny; ++iy) {
      for (std::int64_t ix = 0; ix * rs[xA] < nx; ++ix) {
        std::vector<std::int64_t> idx;
        if (nd >= 4) idx.push_back(t / rs[0]);
        if (nd == 5) idx.push_back(c / rs[1]);
        idx.insert(idx.end(), {iz, iy, ix});
        chunks.push_back(std::move(idx));
      }
    }
  }
  std::mutex mu;
  std::condition_variable cv;
  std::size_t pending = chunks.size();
  std::exception_ptr error;
  for (const auto& idx : chunks) {
    array.readChunkAsync(idx, {}, [&, idx](ZarrChunk chunk, std::exception_ptr e) {
      if (!e && !chunk.missing) {
        try {
          std::int64_t base = 0;  // element offset of (t, c) inside the chunk
          if (nd >= 4) base += (t % rs[0]) * chunk.strides[0];
          if (nd == 5) base += (c % rs[1]) * chunk.strides[1];
          const std::int64_t oz = idx[zA] * rs[zA], oy = idx[yA] * rs[yA], ox = idx[xA] * rs[xA];
          const std::int64_t wx = std::min(rs[xA], nx - ox);
          for (std::int64_t z = std::max(z0, oz); z < std::min(z1, oz + rs[zA]); ++z) {
            for (std::int64_t y = oy; y < std::min(ny, oy + rs[yA]); ++y) {
              const std::int64_t src0 =
                  base + (z - oz) * chunk.strides[zA] + (y - oy) * chunk.strides[yA];
              std::uint8_t* dst =
                  out + static_cast<std::size_t>(((z - z0) * ny + y) * nx + ox) * item;
              if (chunk.strides[xA] == 1) {
                std::memcpy(dst, chunk.data.data() + static_cast<std::size_t>(src0) * item,
                            static_cast<std::size_t>(wx) * item);
              } else {
                for (std::int64_t x = 0; x < wx; ++x) {
                  std::memcpy(dst + static_cast<std::size_t>(x) * item,
                              chunk.data.data() +
                                  static_cast<std::size_t>(src0 + x * chunk.strides[xA]) * item,
                              item);
                }
              }
            }
          }
        } catch (...) {
          e = std::current_exception();
        }
      }
      std::lock_guard lock(mu);
      if (e && !error) error = e;
      if (--pending == 0) cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return pending == 0; });
  if (error) std::rethrow_exception(error);
}

}  // namespace nz

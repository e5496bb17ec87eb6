// Times one whole read the way a user would do it (fresh process: open the dataset, then read)
// and prints one JSON line: seconds to open (metadata), seconds for the read, requests, bytes,
// chunks, and the stored bytes of the intersecting chunks (when --local names the same data on
// disk). Modes: header (open only), slice (full-resolution axial slice z = Z), roi (box).
//   bench_reader URI header|slice|roi [--z Z] [--roi i0:i1,j0:j1,k0:k1] [--local DIR]
//                [--concurrency N] [--level L] [--option KEY=VALUE]...
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "dataset/dataset.h"
#include "store/store_options.h"

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nz::Box parseRoi(const std::string& s) {
  nz::Box b;
  std::size_t pos = 0;
  for (int axis = 0; axis < 3; ++axis) {
    std::size_t comma = s.find(',', pos);
    std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    std::size_t colon = part.find(':');
    if (colon == std::string::npos) throw std::runtime_error("bad --roi " + s);
    b.begin[axis] = std::stoll(part.substr(0, colon));
    b.end[axis] = std::stoll(part.substr(colon + 1));
    pos = comma == std::string::npos ? s.size() : comma + 1;
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_reader URI header|slice|roi [--z Z] [--roi i0:i1,j0:j1,k0:k1] "
                 "[--local DIR] [--concurrency N] [--level L]\n";
    return 2;
  }
  std::string uri = argv[1], mode = argv[2], local, roi = "100:228,200:328,300:428";
  std::int64_t z = -1;
  int level = 0;
  nz::StoreOptions options;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--z")
      z = std::stoll(v);
    else if (k == "--roi")
      roi = v;
    else if (k == "--local")
      local = v;
    else if (k == "--concurrency")
      options.maxConcurrency = std::stoi(v);
    else if (k == "--level")
      level = std::stoi(v);
    else if (k == "--option" && v.find('=') != std::string::npos)
      options.extra[v.substr(0, v.find('='))] = v.substr(v.find('=') + 1);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    auto ds = nz::openDataset(uri, options);
    double openSeconds = since(t0);
    const auto& lv = ds->info().levels.at(static_cast<std::size_t>(level));
    nz::Box box;
    if (mode == "slice") {
      box.end = lv.shape;
      if (z < 0) z = lv.shape[2] / 2;
      box.begin[2] = z;
      box.end[2] = z + 1;
    } else if (mode == "roi") {
      box = parseRoi(roi);
    } else if (mode != "header") {
      std::cerr << "unknown mode " << mode << "\n";
      return 2;
    }
    double readSeconds = 0;
    std::size_t chunks = 0;
    std::uint64_t chunkBytes = 0, rawBytes = 0, checksum = 0;
    if (mode != "header") {
      auto t1 = std::chrono::steady_clock::now();
      // A (no-op) progress callback: also keeps readRegion's wait loop from spinning in
      // builds where it only tracks completions when progress is reported.
      nz::Volume v = ds->readRegion(level, box, 0, {}, [](double) {});
      readSeconds = since(t1);
      for (std::size_t i = 0; i < v.data.size(); i += 4093) checksum += v.data[i];
      auto list = ds->chunksIntersecting(level, box);
      chunks = list.size();
      rawBytes =
          chunks *
          static_cast<std::uint64_t>(lv.chunkShape[0] * lv.chunkShape[1] * lv.chunkShape[2]) *
          nz::dtypeSize(lv.dtype);
      if (!local.empty()) {
        for (const auto& c : list) {
          auto p = std::filesystem::path(local) / lv.path /
                   (std::to_string(c[2]) + "/" + std::to_string(c[1]) + "/" + std::to_string(c[0]));
          std::error_code ec;
          auto s = std::filesystem::file_size(p, ec);
          if (!ec) chunkBytes += s;
        }
      }
    }
    double total = since(t0);
    nz::StoreStats st = ds->store().stats();
    std::printf(
        "{\"mode\":\"%s\",\"open_s\":%.4f,\"read_s\":%.4f,\"total_s\":%.4f,\"requests\":%llu,"
        "\"retries\":%llu,\"bytes\":%llu,\"chunks\":%zu,\"chunk_bytes\":%llu,\"raw_bytes\":%llu,"
        "\"checksum\":%llu}\n",
        mode.c_str(), openSeconds, readSeconds, total, (unsigned long long)st.requests,
        (unsigned long long)st.retries, (unsigned long long)st.bytesReceived, chunks,
        (unsigned long long)chunkBytes, (unsigned long long)rawBytes, (unsigned long long)checksum);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_reader: " << e.what() << "\n";
    return 1;
  }
}

#pragma once
// Streaming gzip inflate on Intel ISA-L's igzip, several times faster than zlib on one core
// (a whole remote .nii.gz is bound by inflate once the download is fast). One gzip member at a
// time: inflate() reports the end of a member, reset() starts the next one (concatenated
// members are valid gzip). The trailer's CRC-32 and length are verified by ISA-L.
//
//   GzipInflater z;
//   auto step = z.inflate(in, inLen, out, outLen);   // step.consumed, step.produced,
//   step.memberEnd
//
// Not thread-safe; one per stream. Throws nz::Error(InvalidData) on corrupt data, naming `what`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace nz {

class GzipInflater {
 public:
  explicit GzipInflater(std::string what);
  ~GzipInflater();
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  struct Step {
    std::size_t consumed = 0;  // input bytes used
    std::size_t produced = 0;  // output bytes written
    bool memberEnd = false;    // the member (trailer included) is complete
  };
  // Inflates from `in` into `out` until the input is used up, the output is full or the member
  // ends. Input after a member's end is not consumed.
  Step inflate(const std::uint8_t* in, std::size_t inLen, std::uint8_t* out, std::size_t outLen);
  // Prepares for the next member.
  void reset();

 private:
  struct State;
  std::unique_ptr<State> state_;  // ISA-L's state is tens of KiB: on the heap
  std::string what_;
};

}  // namespace nz

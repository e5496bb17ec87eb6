#pragma once
// The 3D view's voxels for VTK. A VTK array that answers VTK's range queries (GetRange and
// GetFiniteRange of component 0) from a range given with the voxels. The upload render otherwise
// scans them on the GUI thread: VTK's GetFiniteRange (for the texture's scale and bias) took
// 60-75 ms for 256^3 float voxels under llvmpipe's load, GetRange 12-24 ms. Without a known range
// VTK computes it as usual (and the array counts the scan). No vtkTypeMacro: VTK sees the base
// class (GetClassName, NewInstance), which is all it needs. And the transfer functions for a
// texture of 16-bit codes.
#include <vtkColorTransferFunction.h>
#include <vtkObjectFactory.h>
#include <vtkPiecewiseFunction.h>

#include <array>
#include <vector>

namespace nzviewer {

template <class Base>  // vtkFloatArray (any VTK data array type)
class RangedArray : public Base {
 public:
  static RangedArray* New() { VTK_STANDARD_NEW_BODY(RangedArray); }
  // Ranges of the voxels now set (SetArray): known (both given), or not (VTK scans; a scan is
  // counted when `counted`: the view's volumes, not its warm-up stand-in).
  void setRange(const double* range, const double* finiteRange, bool counted) {
    known_ = range && finiteRange;
    if (known_) {
      range_[0] = range[0], range_[1] = range[1];
      finite_[0] = finiteRange[0], finite_[1] = finiteRange[1];
    }
    counted_ = counted;
  }
  int scans() const { return scans_; }  // since resetScans
  void resetScans() { scans_ = 0; }

 protected:
  void ComputeRange(double range[2], int comp) override {
    if (!answer(range_, range, comp)) Base::ComputeRange(range, comp);
  }
  void ComputeFiniteRange(double range[2], int comp) override {
    if (!answer(finite_, range, comp)) Base::ComputeFiniteRange(range, comp);
  }

 private:
  // The known range of component 0 into `range`; false (a scan, counted) otherwise.
  bool answer(const double* known, double range[2], int comp) {
    if (known_ && comp == 0) {
      range[0] = known[0], range[1] = known[1];
      return true;
    }
    if (counted_) ++scans_;
    return false;
  }

  bool known_ = false, counted_ = false;
  double range_[2] = {0, 0}, finite_[2] = {0, 0};
  int scans_ = 0;
};

// Moves the transfer functions' nodes from values x to 16-bit codes (x - low) * scale, for a
// texture of codes (LevelVolume::codes). The nodes are read first and added again: setting one in
// place re-sorts them under the loop.
inline void toCodes(vtkColorTransferFunction* colour, vtkPiecewiseFunction* opacity, double low,
                    double scale) {
  auto code = [&](double x) { return (x - low) * scale; };
  std::vector<std::array<double, 6>> nodes(std::size_t(colour->GetSize()));
  for (std::size_t i = 0; i < nodes.size(); ++i) colour->GetNodeValue(int(i), nodes[i].data());
  colour->RemoveAllPoints();
  for (const auto& n : nodes) colour->AddRGBPoint(code(n[0]), n[1], n[2], n[3], n[4], n[5]);
  nodes.resize(std::size_t(opacity->GetSize()));
  for (std::size_t i = 0; i < nodes.size(); ++i) opacity->GetNodeValue(int(i), nodes[i].data());
  opacity->RemoveAllPoints();
  for (const auto& n : nodes) opacity->AddPoint(code(n[0]), n[1], n[2], n[3]);
}

}  // namespace nzviewer

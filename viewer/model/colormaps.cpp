#include "model/colormaps.h"

#include <vtkLookupTable.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace nzviewer {

QStringList colormapNames() { return {"Grey", "Hot", "Viridis", "Labels"}; }
QString colormapName(Colormap map) { return colormapNames().value(static_cast<int>(map)); }

namespace {
// Viridis control points (matplotlib), linearly interpolated.
constexpr std::array<std::array<double, 3>, 9> kViridis{{{0.267, 0.005, 0.329},
                                                         {0.275, 0.194, 0.496},
                                                         {0.213, 0.359, 0.552},
                                                         {0.153, 0.498, 0.558},
                                                         {0.122, 0.632, 0.531},
                                                         {0.207, 0.718, 0.473},
                                                         {0.478, 0.821, 0.318},
                                                         {0.741, 0.873, 0.150},
                                                         {0.993, 0.906, 0.144}}};

std::array<double, 3> viridis(double f) {
  const double x = std::clamp(f, 0.0, 1.0) * (kViridis.size() - 1);
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(x), kViridis.size() - 2);
  const double w = x - static_cast<double>(i);
  std::array<double, 3> c;
  for (int k = 0; k < 3; ++k) c[k] = kViridis[i][k] * (1 - w) + kViridis[i + 1][k] * w;
  return c;
}

std::array<double, 3> labelColour(int label) {
  // Distinct hues by the golden ratio, alternating brightness.
  const double h = std::fmod(label * 0.618033988749895, 1.0) * 6.0;
  const double s = 0.75, v = (label % 2) ? 1.0 : 0.8;
  const int i = static_cast<int>(h);
  const double f = h - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (i % 6) {
    case 0:
      return {v, t, p};
    case 1:
      return {q, v, p};
    case 2:
      return {p, v, t};
    case 3:
      return {p, q, v};
    case 4:
      return {t, p, v};
    default:
      return {v, p, q};
  }
}
}  // namespace

void fillLookupTable(vtkLookupTable* lut, Colormap map, double lo, double hi, double maxLabel) {
  lut->SetNanColor(0, 0, 0, 1);
  lut->SetUseBelowRangeColor(false);
  lut->SetUseAboveRangeColor(false);
  if (map == Colormap::Labels) {
    const int n = static_cast<int>(std::clamp(std::ceil(maxLabel) + 1, 2.0, 65536.0));
    lut->SetNumberOfTableValues(n);
    lut->SetTableRange(-0.5, n - 0.5);
    lut->SetTableValue(0, 0, 0, 0, 1);
    for (int i = 1; i < n; ++i) {
      auto c = labelColour(i);
      lut->SetTableValue(i, c[0], c[1], c[2], 1);
    }
    return;
  }
  if (!(hi > lo)) hi = lo + 1;
  lut->SetNumberOfTableValues(256);
  lut->SetTableRange(lo, hi);
  for (int i = 0; i < 256; ++i) {
    const double f = i / 255.0;
    std::array<double, 3> c{f, f, f};
    if (map == Colormap::Hot)
      c = {std::clamp(f * 3, 0.0, 1.0), std::clamp(f * 3 - 1, 0.0, 1.0),
           std::clamp(f * 3 - 2, 0.0, 1.0)};
    else if (map == Colormap::Viridis)
      c = viridis(f);
    lut->SetTableValue(i, c[0], c[1], c[2], 1);
  }
}

}  // namespace nzviewer

#pragma once
// Colour maps of the slice views, as VTK lookup tables driven by window/level.
#include <QString>
#include <QStringList>

class vtkLookupTable;

namespace nzviewer {

enum class Colormap { Grey = 0, Hot = 1, Viridis = 2, Labels = 3 };
QStringList colormapNames();  // in enum order, for combo boxes
QString colormapName(Colormap map);

// Fills `lut` for values in [lo, hi]. Grey/Hot/Viridis: 256 entries, value v lands in entry
// floor((v - lo) / (hi - lo) * 256) (clamped), so a grey pixel equals that entry index.
// Labels: integer labels 0..N-1 (lo/hi ignored; N covers `maxLabel`), 0 transparent-black,
// each other label a distinct colour. NaN (no data yet) is black.
void fillLookupTable(vtkLookupTable* lut, Colormap map, double lo, double hi,
                     double maxLabel = 255);

}  // namespace nzviewer

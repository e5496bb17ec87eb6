#pragma once
// One layer drawn over the reference image (the first dataset opened): a second scan or a
// label map, on any grid. Its voxels come from the session's one ChunkLoader (DataSource), and
// each view resamples it into its own plane through the layer's affine (layer_slice.h).
#include <QString>
#include <memory>

#include "dataset/dataset.h"
#include "labels/label_table.h"
#include "model/colormaps.h"
#include "store/store_options.h"

namespace nzviewer {

enum class LayerKind { Image, Labels };

struct LayerDisplay {
  bool visible = true;
  double opacity = 0.5;  // 0..1 (ITK-SNAP's default label opacity)
  bool outline = false;  // labels: only the boundary pixels of each label
  bool linear = false;   // images: trilinear within the level (labels: always nearest)
  Colormap colormap = Colormap::Hot;
  double low = 0, high = 1;  // images: window
  bool windowSet = false;    // images: false until the first data set an automatic window
};

struct Layer {
  int id = 0;
  QString uri;
  QString name;  // shown in the panel and the readout (file name of the URI)
  LayerKind kind = LayerKind::Labels;
  std::shared_ptr<nz::Dataset> dataset;
  nz::StoreOptions options;  // how it was opened (an export reopens it with these)
  LayerDisplay display;
  nz::LabelTable labels;  // Labels: colours and names
  bool overlapsReference = true;
};

}  // namespace nzviewer

#pragma once
// Label layers in 3D: for every label layer, a coarse level (at most 128³ voxels) is fetched
// through the session's loader, and one surface per label value is extracted off the GUI
// thread (VTK's discrete flying edges, in world mm through the layer's affine). Colours,
// opacity and visibility follow the layer and its label table without re-extraction.
#include <QObject>
#include <array>
#include <map>
#include <memory>
#include <unordered_set>
#include <vector>

#include <vtkSmartPointer.h>

#include "loader/chunk_key.h"

class vtkPolyData;

namespace nzviewer {

class DataSource;

struct LabelSurface {
  int layerId = 0;
  std::int64_t label = 0;
  vtkSmartPointer<vtkPolyData> mesh;  // world mm, with normals
  std::array<double, 3> rgb{1, 1, 1};
  double opacity = 1;
};

constexpr std::int64_t kLabelSurfaceBudget = 128LL * 128 * 128;
constexpr std::size_t kMaxLabelSurfaces = 256;  // per layer: the most frequent labels

class LabelSurfaces : public QObject {
  Q_OBJECT
 public:
  LabelSurfaces(DataSource* source, QObject* parent = nullptr);
  ~LabelSurfaces() override;

  void restart();  // a dataset opened: forget every layer's surfaces
  void setEnabled(bool on);
  // Every label layer's surfaces are extracted (or its chunks failed).
  bool complete() const;
  const std::vector<nz::ChunkRequest>& requests() const { return requests_; }
  // The visible surfaces with their current colours (hidden layers and labels left out).
  std::vector<LabelSurface> surfaces() const;

 signals:
  void requestsChanged();
  void surfacesChanged();

 private:
  struct Job {
    int layerId = 0;
    std::shared_ptr<nz::Dataset> dataset;
    int level = 0;
    std::vector<nz::ChunkKey> keys;
    std::unordered_set<nz::ChunkKey, nz::ChunkKeyHash> left;
    bool extracting = false, done = false;
    std::map<std::int64_t, vtkSmartPointer<vtkPolyData>> meshes;
  };
  void onLayersChanged();
  void onChunksArrived();
  void rebuildRequests();

  DataSource* source_;
  bool enabled_ = true;
  std::uint64_t generation_ = 0;
  std::vector<std::shared_ptr<Job>> jobs_;
  std::vector<nz::ChunkRequest> requests_;
};

}  // namespace nzviewer

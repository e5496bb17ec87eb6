#include "view3d/label_surfaces.h"

#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkIntArray.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataNormals.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>

#include <algorithm>
#include <unordered_map>

#include "data/background.h"
#include "data/data_source.h"
#include "view3d/volume_lod.h"

namespace nzviewer {

namespace {
using Meshes = std::map<std::int64_t, vtkSmartPointer<vtkPolyData>>;

// One surface per label value of `labels` (the most frequent kMaxLabelSurfaces), in world mm.
Meshes extract(const LabelVolume& labels, const nz::Matrix4& affine) {
  Meshes out;
  std::unordered_map<std::int32_t, std::size_t> counts;
  for (std::int32_t v : labels.labels)
    if (v != 0) ++counts[v];
  std::vector<std::pair<std::size_t, std::int32_t>> order;
  order.reserve(counts.size());
  for (auto [v, n] : counts) order.emplace_back(n, v);
  std::sort(order.rbegin(), order.rend());
  if (order.size() > kMaxLabelSurfaces) order.resize(kMaxLabelSurfaces);

  vtkNew<vtkImageData> image;
  image->SetDimensions(int(labels.nx), int(labels.ny), int(labels.nz));
  vtkNew<vtkIntArray> scalars;
  scalars->SetArray(const_cast<int*>(labels.labels.data()),
                    static_cast<vtkIdType>(labels.labels.size()), 1);
  image->GetPointData()->SetScalars(scalars);
  vtkNew<vtkTransform> toWorld;
  vtkNew<vtkMatrix4x4> m;
  m->DeepCopy(affine.data());
  toWorld->SetMatrix(m);
  for (const auto& [count, value] : order) {
    vtkNew<vtkDiscreteFlyingEdges3D> edges;
    edges->SetInputData(image);
    edges->SetValue(0, value);
    edges->ComputeNormalsOff();
    edges->ComputeGradientsOff();
    edges->ComputeScalarsOff();
    vtkNew<vtkTransformPolyDataFilter> world;
    world->SetInputConnection(edges->GetOutputPort());
    world->SetTransform(toWorld);
    vtkNew<vtkPolyDataNormals> normals;
    normals->SetInputConnection(world->GetOutputPort());
    normals->SplittingOff();
    normals->ConsistencyOn();
    normals->AutoOrientNormalsOff();
    normals->Update();
    vtkSmartPointer<vtkPolyData> mesh = normals->GetOutput();
    if (mesh && mesh->GetNumberOfPoints() > 0) out[value] = mesh;
  }
  return out;
}
}  // namespace

LabelSurfaces::LabelSurfaces(DataSource* source, QObject* parent)
    : QObject(parent), source_(source) {
  connect(source_, &DataSource::layersChanged, this, &LabelSurfaces::onLayersChanged);
  connect(source_, &DataSource::chunksArrived, this, &LabelSurfaces::onChunksArrived);
}

LabelSurfaces::~LabelSurfaces() = default;

void LabelSurfaces::restart() {
  ++generation_;
  jobs_.clear();
  requests_.clear();
  onLayersChanged();
}

void LabelSurfaces::setEnabled(bool on) {
  if (on == enabled_) return;
  enabled_ = on;
  restart();
  emit requestsChanged();
}

bool LabelSurfaces::complete() const {
  for (const auto& j : jobs_)
    if (!j->done) return false;
  return true;
}

void LabelSurfaces::onLayersChanged() {
  // Jobs follow the label layers: new ones start, removed ones go (display changes only
  // recolour, see surfaces()).
  std::vector<std::shared_ptr<Job>> kept;
  bool changed = false;
  if (enabled_ && source_->isOpen()) {
    for (const auto& layer : source_->layers()) {
      if (layer->kind != LayerKind::Labels || !layer->dataset) continue;
      auto it = std::find_if(jobs_.begin(), jobs_.end(),
                             [&](const auto& j) { return j->layerId == layer->id; });
      if (it != jobs_.end()) {
        kept.push_back(*it);
        continue;
      }
      auto job = std::make_shared<Job>();
      job->layerId = layer->id;
      job->dataset = layer->dataset;
      const nz::DatasetInfo& info = layer->dataset->info();
      job->level = levelForBudget(info, kLabelSurfaceBudget);
      for (const nz::Index5& c : levelChunks(info, job->level, 0, 0)) {
        job->keys.push_back({layer->dataset.get(), job->level, c});
        job->left.insert(job->keys.back());
      }
      kept.push_back(job);
      changed = true;
    }
  }
  changed = changed || kept.size() != jobs_.size();
  jobs_ = std::move(kept);
  if (changed) {
    rebuildRequests();
    onChunksArrived();
  }
  emit surfacesChanged();
}

void LabelSurfaces::rebuildRequests() {
  requests_.clear();
  for (const auto& j : jobs_)
    if (!j->done && !j->extracting)
      for (const nz::ChunkKey& k : j->keys)
        requests_.push_back({j->dataset, k.level, k.chunk, nz::Tier::Visible, 1e9});
  emit requestsChanged();
}

void LabelSurfaces::onChunksArrived() {
  if (!enabled_) return;
  for (const auto& job : jobs_) {
    if (job->done || job->extracting) continue;
    for (auto it = job->left.begin(); it != job->left.end();)
      it = source_->cachedChunk(*it) || source_->failed().count(*it) ? job->left.erase(it)
                                                                     : std::next(it);
    if (!job->left.empty()) continue;
    // Every chunk is there (or failed): the volume is assembled and meshed off the GUI thread.
    std::vector<std::pair<nz::Index5, nz::SharedVolume>> chunks;
    for (const nz::ChunkKey& k : job->keys)
      if (nz::SharedVolume v = source_->cachedChunk(k)) chunks.emplace_back(k.chunk, v);
    job->extracting = true;
    const std::uint64_t generation = generation_;
    std::shared_ptr<nz::Dataset> ds = job->dataset;
    const int level = job->level;
    runInBackground<std::shared_ptr<Meshes>>(
        this,
        [ds, level, chunks = std::move(chunks)] {
          const nz::DatasetInfo& info = ds->info();
          LabelVolume labels;
          labels.level = level;
          labels.nx = info.levels[level].shape[0];
          labels.ny = info.levels[level].shape[1];
          labels.nz = info.levels[level].shape[2];
          labels.labels.assign(std::size_t(labels.nx) * labels.ny * labels.nz, 0);
          for (const auto& [chunk, vol] : chunks) pasteLabelChunk(info, labels, chunk, *vol);
          return std::make_shared<Meshes>(extract(labels, info.levels[level].affine));
        },
        [this, generation, job](std::shared_ptr<Meshes> meshes) {
          if (generation != generation_) return;
          job->extracting = false;
          job->done = true;
          job->meshes = std::move(*meshes);
          rebuildRequests();
          emit surfacesChanged();
        });
  }
}

std::vector<LabelSurface> LabelSurfaces::surfaces() const {
  std::vector<LabelSurface> out;
  for (const auto& job : jobs_) {
    const Layer* layer = source_->layer(job->layerId);
    if (!layer || !layer->display.visible) continue;
    for (const auto& [value, mesh] : job->meshes) {
      const nz::LabelEntry e = layer->labels.entry(value);
      if (!e.visible || e.alpha <= 0) continue;
      LabelSurface s;
      s.layerId = job->layerId;
      s.label = value;
      s.mesh = mesh;
      s.rgb = {e.r / 255.0, e.g / 255.0, e.b / 255.0};
      s.opacity = std::clamp(e.alpha, 0.0, 1.0);
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace nzviewer

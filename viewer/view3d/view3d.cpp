#include "view3d/view3d.h"

#include <vtkActor.h>
#include <vtkAnnotatedCubeActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkColorTransferFunction.h>
#include <vtkContourValues.h>
#include <vtkFloatArray.h>
#include <vtkGPUVolumeRayCastMapper.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkImageData.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkOrientationMarkerWidget.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRect.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkUnsignedShortArray.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/crosshair_goto.h"
#include "view3d/ranged_array.h"

namespace nzviewer {

namespace {
constexpr unsigned char kBounds[3] = {110, 110, 110};
constexpr unsigned char kAxial[3] = {230, 70, 70};      // Slicer's red (axial)
constexpr unsigned char kCoronal[3] = {70, 200, 70};    // green (coronal)
constexpr unsigned char kSagittal[3] = {230, 200, 60};  // yellow (sagittal)
constexpr unsigned char kCross[3] = {80, 190, 255};

void toVtk(const nz::Matrix4& m, vtkMatrix4x4* out) { out->DeepCopy(m.data()); }

constexpr double kCodeRange[2] = {0, 65535};  // of 16-bit codes (LevelVolume::codes)
}  // namespace

struct View3D::Vtk {
  vtkNew<vtkImageData> image;
  vtkNew<RangedArray<vtkFloatArray>> scalars;        // float voxels
  vtkNew<RangedArray<vtkUnsignedShortArray>> codes;  // or their 16-bit codes
  vtkNew<vtkGPUVolumeRayCastMapper> mapper;
  vtkNew<vtkVolume> volume;
  vtkNew<vtkVolumeProperty> property;
  vtkNew<vtkColorTransferFunction> colour;
  vtkNew<vtkPiecewiseFunction> opacity;
  vtkNew<vtkMatrix4x4> levelMatrix;  // world from the shown level's voxel

  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  vtkNew<vtkUnsignedCharArray> colours;
  vtkNew<vtkPolyData> context;
  vtkNew<vtkPolyDataMapper> contextMapper;
  vtkNew<vtkActor> contextActor;

  std::vector<vtkSmartPointer<vtkActor>> labelActors;

  vtkNew<vtkAnnotatedCubeActor> cube;
  vtkNew<vtkOrientationMarkerWidget> marker;
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  vtkNew<vtkCallbackCommand> renderObserver;
  bool volumeAdded = false;
  void dropVoxels() {  // the pointers into voxels (VTK never frees them) and their ranges
    scalars->Initialize(), scalars->setRange(nullptr, nullptr, false);
    codes->Initialize(), codes->setRange(nullptr, nullptr, false);
  }
  double pickThreshold = 0;

  void segment(const nz::Point3& a, const nz::Point3& b, const unsigned char rgb[3]) {
    const vtkIdType ids[2] = {points->InsertNextPoint(a.data()), points->InsertNextPoint(b.data())};
    lines->InsertNextCell(2, ids);
    colours->InsertNextTypedTuple(rgb);
  }
};

View3D::View3D(QWidget* parent) : VtkGlWidget(parent), vtk_(std::make_unique<Vtk>()) {
  setObjectName("view3d");
  setMinimumSize(120, 120);
  Vtk& v = *vtk_;
  vtkRenderer* ren = renderer();
  ren->SetBackground(0, 0, 0);

  v.scalars->SetNumberOfComponents(1);
  v.codes->SetNumberOfComponents(1);
  v.image->GetPointData()->SetScalars(v.codes);
  v.mapper->SetInputData(v.image);
  v.mapper->SetAutoAdjustSampleDistances(1);
  v.mapper->SetUseJittering(1);  // no wood-grain rings from the fixed sample positions
  v.property->SetColor(v.colour);
  v.property->SetScalarOpacity(v.opacity);
  v.property->SetInterpolationTypeToLinear();
  v.volume->SetMapper(v.mapper);
  v.volume->SetProperty(v.property);
  v.volume->SetUserMatrix(v.levelMatrix);

  v.colours->SetNumberOfComponents(3);
  v.context->SetPoints(v.points);
  v.context->SetLines(v.lines);
  v.context->GetCellData()->SetScalars(v.colours);
  v.contextMapper->SetInputData(v.context);
  v.contextMapper->SetColorModeToDirectScalars();
  v.contextActor->SetMapper(v.contextMapper);
  v.contextActor->GetProperty()->SetLineWidth(2);
  v.contextActor->GetProperty()->LightingOff();
  v.contextActor->PickableOff();
  ren->AddActor(v.contextActor);

  // Renders happen only inside paintGL (one per event-loop turn across views): a render the
  // interactor style asks for while rotating becomes a repaint request.
  interactor()->SetInteractorStyle(v.style);
  interactor()->EnableRenderOff();
  v.renderObserver->SetClientData(this);
  v.renderObserver->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
    auto* self = static_cast<View3D*>(client);
    if (self->inRender_) {
      self->inRender_ = false;
      self->interactor()->EnableRenderOff();
      // Software GL (llvmpipe) defers rasterising until something waits for the pixels: wait
      // here, inside paintGL, so the ray casting is done (and counted) as painting rather than
      // landing in Qt's window composition later.
      self->renderWindow()->WaitForCompletion();
      self->passDone();
    } else {
      self->requestRender();
    }
  });
  interactor()->AddObserver(vtkCommand::RenderEvent, v.renderObserver);

  // Head cube: faces named by the patient direction they face (world RAS+).
  v.cube->SetXPlusFaceText("R");
  v.cube->SetXMinusFaceText("L");
  v.cube->SetYPlusFaceText("A");
  v.cube->SetYMinusFaceText("P");
  v.cube->SetZPlusFaceText("S");
  v.cube->SetZMinusFaceText("I");
  v.cube->SetFaceTextScale(0.65);
  v.cube->GetCubeProperty()->SetColor(0.35, 0.45, 0.6);
  v.marker->SetOrientationMarker(v.cube);
  v.marker->SetInteractor(interactor());
  v.marker->SetViewport(0.0, 0.0, 0.18, 0.18);
  v.marker->SetEnabled(1);
  v.marker->InteractiveOff();
  applyPreset(Preset3d::MriBrain);
}

View3D::~View3D() {
  vtk_->marker->SetEnabled(0);
  interactor()->RemoveObserver(vtk_->renderObserver);
}

// Under software GL a full ray cast of the view costs 230-370 ms (llvmpipe, 456x370 pixels):
// there a changed scene is cast whole at a coarse image sample distance (a fraction of the rays,
// upsampled; the distance from the view's size and the last coarse frame's time), then at full
// quality in strips over later turns (StripRefiner); new voxels are uploaded in a render of
// their own.

void View3D::initializeGL() {
  VtkGlWidget::initializeGL();
  // VTK renders into a multisampled framebuffer (4 samples under llvmpipe) and resolves it into
  // the frame shown at the end of every render: a fixed 16-20 ms per render of a maximised view
  // (914x766), every refinement strip paying it again, for smoother lines. Under software GL
  // the view renders single-sampled (set before VTK makes its framebuffers for this context);
  // a GPU keeps VTK's multisampling.
  if (softwareGl()) renderWindow()->SetMultiSamples(0);
}

void View3D::renderRequested() {
  if (!refineRequest_) refiner_.restart();
}

bool View3D::showFrame() const {
  // Strips are shown a few at a time (each showing costs a composition of the window, 10-20 ms
  // under software GL), and the last one at once.
  if (pass_.whole || !refiner_.refining() || !shownClock_.isValid() ||
      shownClock_.elapsed() >= 150) {
    shownClock_.start();
    return true;
  }
  return false;
}

void View3D::prepareRender() {
  inRender_ = true;
  interactor()->EnableRenderOn();
  if (contextDirty_) updateContext();
  Vtk& v = *vtk_;
  pass_ = {};
  uploadPass_ = false;
  if (!softwareGl() || !v.volumeAdded || !pacedRender()) {
    // A GPU casts every frame whole (VTK lowers the image sample distance while interacting);
    // a grab under software GL casts the full-quality frame at once.
    refiner_.restart();
    v.mapper->SetAutoAdjustSampleDistances(softwareGl() ? 0 : 1);
    v.mapper->SetImageSampleDistance(1.0f);
    return;
  }
  v.mapper->SetAutoAdjustSampleDistances(0);
  const int* size = renderWindow()->GetSize();
  vtkCamera* cam = renderer()->GetActiveCamera();
  if (uploadPending_) {
    // New voxels reach the volume texture (about 40 ms for the 151x185x158 level of the
    // sample) in a render of their own that casts a single row: the frame keeps its picture,
    // and the coarse whole frame follows in a later turn.
    uploadPending_ = false;
    uploadPass_ = true;  // the picture is not complete: the coarse frame comes next
    refiner_.restart();
    v.mapper->SetImageSampleDistance(1.0f);
    cam->SetScissorRect(vtkRecti(0, 0, size[0], 1));
    cam->SetUseScissor(true);                                  // for this render only
    QTimer::singleShot(0, this, [this] { requestRender(); });  // paced like any render
    return;
  }
  pass_ = refiner_.next(size[0], size[1]);
  if (pass_.whole) {
    coarseDistance_ = float(pass_.distance);
    v.mapper->SetImageSampleDistance(coarseDistance_);
  } else {
    v.mapper->SetImageSampleDistance(1.0f);
    cam->SetScissorRect(vtkRecti(0, pass_.y0, size[0], pass_.rows));
    cam->SetUseScissor(true);  // for this render only
  }
  passClock_.start();
}

void View3D::passDone() {
  if (!passClock_.isValid()) return;
  if (pass_.whole) {
    // The rows and columns the volume covers on screen (its bounds' corners projected), with a
    // margin for the coarse frame's upsampling.
    double b[6];
    vtk_->volume->GetBounds(b);
    vtkRenderer* ren = renderer();
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (int i = 0; i < 8; ++i) {
      ren->SetWorldPoint(b[i & 1], b[2 + ((i >> 1) & 1)], b[4 + ((i >> 2) & 1)], 1.0);
      ren->WorldToDisplay();
      const double* d = ren->GetDisplayPoint();
      x0 = std::min(x0, d[0]), x1 = std::max(x1, d[0]);
      y0 = std::min(y0, d[1]), y1 = std::max(y1, d[1]);
    }
    const int* size = renderWindow()->GetSize();
    const double margin = 2.0 * coarseDistance_;
    x0 = std::clamp(x0 - margin, 0.0, double(size[0]));
    x1 = std::clamp(x1 + margin, 0.0, double(size[0]));
    refiner_.setVolumeRows(int(std::floor(y0 - margin)), int(std::ceil(y1 + margin)),
                           int(std::ceil(x1 - x0)));
  }
  refiner_.finished(pass_, double(passClock_.nsecsElapsed()) / 1e6);
  passClock_.invalidate();
  if (!refiner_.refining()) return;
  QTimer::singleShot(0, this, [this] {  // the next strip, paced like any render
    if (!refiner_.refining()) return;
    refineRequest_ = true;
    requestRender();
    refineRequest_ = false;
  });
}

// Stand-ins for what a picture has, so the ray caster's shaders compile while the start page
// shows: a 3x3x3 volume in the current preset (the context lines and the head cube are drawn
// anyway). Only called before any dataset is open.
void View3D::setWarmUpScene(bool on) {
  Vtk& v = *vtk_;
  if (on) {
    // 16-bit codes across the window, as the streamed volumes have (the same shaders).
    warmCodes_.resize(27);
    for (std::size_t i = 0; i < warmCodes_.size(); ++i)
      warmCodes_[i] = static_cast<std::uint16_t>(i * 65535 / 26);
    v.image->SetDimensions(3, 3, 3);
    v.codes->SetArray(warmCodes_.data(), static_cast<vtkIdType>(warmCodes_.size()), 1);
    v.codes->setRange(kCodeRange, kCodeRange, false);
    v.codes->Modified();
    v.image->GetPointData()->SetScalars(v.codes);
    v.image->Modified();
    codeLow_ = low_, codeScale_ = high_ > low_ ? 65535.0 / (high_ - low_) : 1.0;
    updateTransferFunctions();
    renderer()->AddVolume(v.volume);
    renderer()->ResetCamera();
    return;
  }
  renderer()->RemoveVolume(v.volume);
  v.dropVoxels();
  v.image->Modified();
  warmCodes_.clear();
  codeLow_ = 0, codeScale_ = 1;
  updateTransferFunctions();
}

void View3D::setDataset(std::shared_ptr<const nz::Dataset> dataset) {
  dataset_ = std::move(dataset);
  info_ = dataset_ ? &dataset_->info() : nullptr;
  vtk_->dropVoxels();
  vtk_->scalars->resetScans();
  vtk_->codes->resetScans();
  vtk_->image->Modified();
  volume_.reset();
  cameraSet_ = false;
  if (vtk_->volumeAdded) renderer()->RemoveVolume(vtk_->volume);
  vtk_->volumeAdded = false;
  setLabelSurfaces({});
  rois_.clear();
  contextDirty_ = true;
  requestRender();
}

int View3D::rangeScans() const { return vtk_->scalars->scans() + vtk_->codes->scans(); }

void View3D::setVolume(std::shared_ptr<const LevelVolume> volume) {
  if (!info_ || !volume || volume->voxels.empty() || volume->level < 0 ||
      volume->level >= static_cast<int>(info_->levels.size()))
    return;
  Vtk& v = *vtk_;
  volume_ = std::move(volume);
  v.image->SetDimensions(int(volume_->nx), int(volume_->ny), int(volume_->nz));
  v.image->SetOrigin(0, 0, 0);
  v.image->SetSpacing(1, 1, 1);
  // VTK only reads the voxels (save = 1: it never frees them); volume_ keeps them alive. Their
  // 16-bit codes when the streamer made them (half the bytes for software GL to zero-fill and
  // copy into a new texture in the upload render), with the transfer functions in codes.
  const auto n = static_cast<vtkIdType>(volume_->voxels.size());
  v.dropVoxels();
  if (volume_->codes.size() == volume_->voxels.size()) {
    v.codes->SetArray(const_cast<std::uint16_t*>(volume_->codes.data()), n, 1);
    v.codes->setRange(kCodeRange, kCodeRange, true);
    v.codes->Modified();
    v.image->GetPointData()->SetScalars(v.codes);
    codeLow_ = volume_->finiteRange[0];
    codeScale_ = 65535.0 / (volume_->finiteRange[1] - volume_->finiteRange[0]);
  } else {
    v.scalars->SetArray(const_cast<float*>(volume_->voxels.data()), n, 1);
    const bool known = volume_->hasRange;  // else VTK scans them
    v.scalars->setRange(known ? volume_->range : nullptr, known ? volume_->finiteRange : nullptr,
                        true);
    v.scalars->Modified();
    v.image->GetPointData()->SetScalars(v.scalars);
    codeLow_ = 0, codeScale_ = 1;
  }
  v.image->Modified();
  toVtk(info_->levels[volume_->level].affine, v.levelMatrix);
  v.volume->Modified();
  uploadPending_ = true;
  if (!v.volumeAdded) {
    renderer()->AddVolume(v.volume);
    v.volumeAdded = true;
  }
  updateTransferFunctions();
  if (!cameraSet_) {
    standardView(StandardView::Anterior);
    cameraSet_ = true;
    if (pendingCamera_) {
      const Camera3d c = *pendingCamera_;
      pendingCamera_.reset();
      setCamera3d(c);
    }
  }
  requestRender();
}

Camera3d View3D::camera() const {
  Camera3d c;
  vtkCamera* cam = renderer()->GetActiveCamera();
  cam->GetPosition(c.position.data());
  cam->GetFocalPoint(c.focalPoint.data());
  cam->GetViewUp(c.viewUp.data());
  c.viewAngle = cam->GetViewAngle();
  return c;
}

void View3D::setCamera3d(const Camera3d& c) {
  if (!cameraSet_) {
    pendingCamera_ = c;
    return;
  }
  vtkRenderer* ren = renderer();
  vtkCamera* cam = ren->GetActiveCamera();
  cam->SetPosition(c.position.data());
  cam->SetFocalPoint(c.focalPoint.data());
  cam->SetViewUp(c.viewUp.data());
  cam->SetViewAngle(c.viewAngle);
  cam->OrthogonalizeViewUp();
  ren->ResetCameraClippingRange();
  requestRender();
}

void View3D::setWindow(double low, double high, Colormap map) {
  low_ = low;
  high_ = high > low ? high : low + 1;
  colormap_ = map;
  updateTransferFunctions();
  requestRender();
}

void View3D::setMode(RenderMode3d mode) {
  mode_ = mode;
  preset_ = Preset3d::Custom;
  updateTransferFunctions();
  requestRender();
}

void View3D::applyPreset(Preset3d preset) {
  preset_ = preset;
  if (preset == Preset3d::Mip) mode_ = RenderMode3d::Mip;
  if (preset == Preset3d::CtBone || preset == Preset3d::MriBrain) mode_ = RenderMode3d::Composite;
  updateTransferFunctions();
  requestRender();
}

double View3D::isoValue() const {
  return preset_ == Preset3d::CtBone ? 300.0 : low_ + 0.5 * (high_ - low_);
}

void View3D::updateTransferFunctions() {
  Vtk& v = *vtk_;
  v.colour->RemoveAllPoints();
  v.opacity->RemoveAllPoints();
  const double lo = low_, hi = high_, w = hi - lo;
  // Colours of the slices' colour map across the window (the 2D lookup table, sampled).
  auto colourMapRamp = [&] {
    vtkNew<vtkLookupTable> lut;
    fillLookupTable(lut, colormap_ == Colormap::Labels ? Colormap::Grey : colormap_, lo, hi);
    for (int i = 0; i <= 32; ++i) {
      const double x = lo + w * i / 32.0;
      double rgb[3];
      lut->GetColor(std::min(x, hi - w * 1e-6), rgb);
      v.colour->AddRGBPoint(x, rgb[0], rgb[1], rgb[2]);
    }
  };
  v.property->SetShade(0);
  v.property->GetIsoSurfaceValues()->SetNumberOfContours(0);
  switch (mode_) {
    case RenderMode3d::Mip:
      // The brightest voxel on each ray, through the window: what the test's MIP computes.
      v.mapper->SetBlendModeToMaximumIntensity();
      colourMapRamp();
      v.opacity->AddPoint(lo, 1.0);
      v.opacity->AddPoint(hi, 1.0);
      v.pickThreshold = lo;
      break;
    case RenderMode3d::IsoSurface: {
      v.mapper->SetBlendModeToIsoSurface();
      const double iso = isoValue();
      v.property->GetIsoSurfaceValues()->SetValue(0, iso);
      v.colour->AddRGBPoint(lo, 0.95, 0.9, 0.8);
      v.colour->AddRGBPoint(hi, 0.95, 0.9, 0.8);
      v.opacity->AddPoint(lo, 1.0);
      v.opacity->AddPoint(hi, 1.0);
      v.property->SetShade(1);
      v.pickThreshold = iso;
      break;
    }
    case RenderMode3d::Composite:
      v.mapper->SetBlendModeToComposite();
      if (preset_ == Preset3d::CtBone) {
        // Hounsfield units: soft tissue transparent, bone opaque ivory.
        v.colour->AddRGBPoint(-1000, 0, 0, 0);
        v.colour->AddRGBPoint(150, 0.73, 0.25, 0.30);
        v.colour->AddRGBPoint(300, 0.90, 0.82, 0.56);
        v.colour->AddRGBPoint(1500, 1.0, 1.0, 0.90);
        v.opacity->AddPoint(-1000, 0);
        v.opacity->AddPoint(150, 0);
        v.opacity->AddPoint(300, 0.15);
        v.opacity->AddPoint(1500, 0.85);
        v.property->SetShade(1);
        v.pickThreshold = 300;
      } else if (preset_ == Preset3d::MriBrain) {
        // Background and CSF transparent, tissue in warm greys, bright tissue denser.
        v.colour->AddRGBPoint(lo, 0, 0, 0);
        v.colour->AddRGBPoint(lo + 0.3 * w, 0.55, 0.45, 0.40);
        v.colour->AddRGBPoint(lo + 0.7 * w, 0.90, 0.80, 0.72);
        v.colour->AddRGBPoint(hi, 1.0, 0.97, 0.92);
        v.opacity->AddPoint(lo, 0);
        v.opacity->AddPoint(lo + 0.2 * w, 0);
        v.opacity->AddPoint(lo + 0.5 * w, 0.15);
        v.opacity->AddPoint(hi, 0.6);
        v.property->SetShade(1);
        v.pickThreshold = lo + 0.3 * w;
      } else {
        colourMapRamp();
        v.opacity->AddPoint(lo, 0);
        v.opacity->AddPoint(hi, 0.8);
        v.pickThreshold = lo + 0.15 * w;
      }
      break;
  }
  if (codeScale_ != 1.0 || codeLow_ != 0.0) {
    // The texture holds 16-bit codes (LevelVolume::codes): the functions in codes.
    toCodes(v.colour, v.opacity, codeLow_, codeScale_);
    if (mode_ == RenderMode3d::IsoSurface)
      v.property->GetIsoSurfaceValues()->SetValue(0, (isoValue() - codeLow_) * codeScale_);
  }
  v.property->SetAmbient(0.3);
  v.property->SetDiffuse(0.7);
  v.property->SetSpecular(0.2);
  // Opacity per voxel of the shown level (the unit distance is in world mm).
  if (info_ && volume_) {
    const nz::Point3 mm = nz::levelVoxelSizeMm(*info_, volume_->level);
    const double d = std::max(1e-3, std::min({mm[0], mm[1], mm[2]}));
    v.property->SetScalarOpacityUnitDistance(d);
  }
}

nz::Point3 View3D::voxelToWorld(const nz::Point3& p) const {
  return info_ ? nzviewer::voxelToWorld(*info_, p) : p;
}

void View3D::setCrosshair(const nz::Point3& level0Voxel) {
  crosshair_ = level0Voxel;
  contextDirty_ = true;
  requestRender();
}

void View3D::setRois(const std::vector<Box3d>& boxes) {
  rois_ = boxes;
  contextDirty_ = true;
  requestRender();
}

void View3D::setContextVisible(bool on) {
  contextVisible_ = on;
  vtk_->contextActor->SetVisibility(on);
  requestRender();
}

void View3D::setLabelSurfaces(const std::vector<LabelSurface>& surfaces) {
  for (auto& a : vtk_->labelActors) renderer()->RemoveActor(a);
  vtk_->labelActors.clear();
  for (const LabelSurface& s : surfaces) {
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(s.mesh);
    mapper->ScalarVisibilityOff();
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetColor(s.rgb[0], s.rgb[1], s.rgb[2]);
    actor->GetProperty()->SetOpacity(s.opacity);
    actor->PickableOff();
    renderer()->AddActor(actor);
    vtk_->labelActors.push_back(actor);
  }
  labelSurfaceCount_ = surfaces.size();
  requestRender();
}

void View3D::updateContext() {
  contextDirty_ = false;
  Vtk& v = *vtk_;
  v.points->Reset();
  v.lines->Reset();
  v.colours->Reset();
  if (info_) {
    // Level-0 voxel edges (voxel i spans [i - 0.5, i + 0.5]) mapped to world.
    const double ex[3] = {double(info_->shape[0]) - 0.5, double(info_->shape[1]) - 0.5,
                          double(info_->shape[2]) - 0.5};
    auto box = [&](const double lo[3], const double hi[3], const unsigned char rgb[3]) {
      for (int a = 0; a < 3; ++a) {
        const int b = (a + 1) % 3, c = (a + 2) % 3;
        for (int i = 0; i < 4; ++i) {
          nz::Point3 p, q;
          p[b] = q[b] = (i & 1) ? hi[b] : lo[b];
          p[c] = q[c] = (i & 2) ? hi[c] : lo[c];
          p[a] = lo[a];
          q[a] = hi[a];
          if (lo[a] == hi[a] && i > 0) continue;  // a flat box (plane) has 4 edges only once
          v.segment(voxelToWorld(p), voxelToWorld(q), rgb);
        }
      }
    };
    const double lo0[3] = {-0.5, -0.5, -0.5};
    box(lo0, ex, kBounds);
    // The slice planes through the crosshair (each a rectangle across the volume).
    const unsigned char* planeColour[3] = {kSagittal, kCoronal, kAxial};
    for (int n = 0; n < 3; ++n) {
      const int a = (n + 1) % 3, b = (n + 2) % 3;
      nz::Point3 c[4];
      for (int i = 0; i < 4; ++i) {
        c[i][n] = crosshair_[n];
        c[i][a] = (i == 1 || i == 2) ? ex[a] : -0.5;
        c[i][b] = (i >= 2) ? ex[b] : -0.5;
      }
      for (int i = 0; i < 4; ++i)
        v.segment(voxelToWorld(c[i]), voxelToWorld(c[(i + 1) % 4]), planeColour[n]);
    }
    for (int a = 0; a < 3; ++a) {
      nz::Point3 p = crosshair_, q = crosshair_;
      p[a] = -0.5;
      q[a] = ex[a];
      v.segment(voxelToWorld(p), voxelToWorld(q), kCross);
    }
    for (const Box3d& r : rois_) {
      const double lo[3] = {double(r.level0.begin[0]) - 0.5, double(r.level0.begin[1]) - 0.5,
                            double(r.level0.begin[2]) - 0.5};
      const double hi[3] = {double(r.level0.end[0]) - 0.5, double(r.level0.end[1]) - 0.5,
                            double(r.level0.end[2]) - 0.5};
      box(lo, hi, r.rgb.data());
    }
  }
  v.points->Modified();
  v.lines->Modified();
  v.colours->Modified();
  v.context->Modified();
}

void View3D::setCamera(const nz::Point3& dir, const nz::Point3& up) {
  vtkRenderer* ren = renderer();
  vtkCamera* cam = ren->GetActiveCamera();
  double b[6] = {-1, 1, -1, 1, -1, 1};
  if (info_) {
    ren->ComputeVisiblePropBounds(b);
    if (!(b[1] >= b[0])) {
      b[0] = b[2] = b[4] = -1;
      b[1] = b[3] = b[5] = 1;
    }
  }
  const double c[3] = {(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
  cam->SetFocalPoint(c);
  cam->SetPosition(c[0] + dir[0], c[1] + dir[1], c[2] + dir[2]);
  cam->SetViewUp(up[0], up[1], up[2]);
  cam->ParallelProjectionOff();
  ren->ResetCamera(b);
  ren->ResetCameraClippingRange(b);
  requestRender();
}

void View3D::resetCamera() { standardView(StandardView::Anterior); }

void View3D::standardView(StandardView view) {
  // The camera sits on the named side of the patient, looking at the centre (world RAS+).
  switch (view) {
    case StandardView::Anterior:
      return setCamera({0, 1, 0}, {0, 0, 1});
    case StandardView::Posterior:
      return setCamera({0, -1, 0}, {0, 0, 1});
    case StandardView::Left:
      return setCamera({-1, 0, 0}, {0, 0, 1});
    case StandardView::Right:
      return setCamera({1, 0, 0}, {0, 0, 1});
    case StandardView::Superior:
      return setCamera({0, 0, 1}, {0, 1, 0});
    case StandardView::Inferior:
      return setCamera({0, 0, -1}, {0, 1, 0});
  }
}

QPointF View3D::worldToWidget(const nz::Point3& w) {
  vtkRenderer* ren = renderer();
  ren->SetWorldPoint(w[0], w[1], w[2], 1.0);
  ren->WorldToDisplay();
  double d[3];
  ren->GetDisplayPoint(d);
  const double dpr = devicePixelRatioF();
  const int* size = renderWindow()->GetSize();
  return {d[0] / dpr, (double(size[1]) - d[1]) / dpr};
}

std::optional<nz::Point3> View3D::pickVoxel(const QPointF& p) {
  if (!info_ || !volume_) return std::nullopt;
  vtkRenderer* ren = renderer();
  const double dpr = devicePixelRatioF();
  const int* size = renderWindow()->GetSize();
  const double dx = p.x() * dpr, dy = double(size[1]) - p.y() * dpr;
  double ends[2][4];
  for (int i = 0; i < 2; ++i) {
    ren->SetDisplayPoint(dx, dy, i == 0 ? 0.0 : 1.0);
    ren->DisplayToWorld();
    ren->GetWorldPoint(ends[i]);
    if (ends[i][3] == 0) return std::nullopt;
    for (int k = 0; k < 3; ++k) ends[i][k] /= ends[i][3];
  }
  // The ray in the shown level's voxel coordinates.
  vtkNew<vtkMatrix4x4> inv;
  vtkMatrix4x4::Invert(vtk_->levelMatrix, inv);
  double a[4] = {ends[0][0], ends[0][1], ends[0][2], 1},
         b[4] = {ends[1][0], ends[1][1], ends[1][2], 1};
  double va[4], vb[4];
  inv->MultiplyPoint(a, va);
  inv->MultiplyPoint(b, vb);
  const LevelVolume& vol = *volume_;
  const double n[3] = {double(vol.nx), double(vol.ny), double(vol.nz)};
  // Clip the segment to the volume box [-0.5, n - 0.5] (slabs).
  double t0 = 0, t1 = 1;
  for (int k = 0; k < 3; ++k) {
    const double d = vb[k] - va[k];
    const double lo = -0.5, hi = n[k] - 0.5;
    if (std::abs(d) < 1e-12) {
      if (va[k] < lo || va[k] > hi) return std::nullopt;
      continue;
    }
    double ta = (lo - va[k]) / d, tb = (hi - va[k]) / d;
    if (ta > tb) std::swap(ta, tb);
    t0 = std::max(t0, ta);
    t1 = std::min(t1, tb);
  }
  if (t0 >= t1) return std::nullopt;
  const double len =
      std::sqrt((vb[0] - va[0]) * (vb[0] - va[0]) + (vb[1] - va[1]) * (vb[1] - va[1]) +
                (vb[2] - va[2]) * (vb[2] - va[2])) *
      (t1 - t0);
  const int steps = std::clamp(static_cast<int>(len / 0.25) + 1, 2, 200000);
  const bool mip = mode_ == RenderMode3d::Mip;
  float best = -std::numeric_limits<float>::infinity();
  std::optional<std::array<std::int64_t, 3>> hit;
  for (int s = 0; s <= steps; ++s) {
    const double t = t0 + (t1 - t0) * s / steps;
    std::array<std::int64_t, 3> idx;
    for (int k = 0; k < 3; ++k)
      idx[k] = std::clamp<std::int64_t>(std::llround(va[k] + (vb[k] - va[k]) * t), 0,
                                        std::int64_t(n[k]) - 1);
    const float value =
        vol.voxels[(static_cast<std::size_t>(idx[2]) * vol.ny + idx[1]) * vol.nx + idx[0]];
    if (!std::isfinite(value)) continue;
    if (mip) {
      if (value > best) {
        best = value;
        hit = idx;
      }
    } else if (value >= vtk_->pickThreshold) {
      hit = idx;
      break;
    }
  }
  if (!hit || (mip && !(best > low_))) return std::nullopt;
  nz::Point3 p0 = nz::levelToLevel0(*info_, vol.level,
                                    {double((*hit)[0]), double((*hit)[1]), double((*hit)[2])});
  for (int k = 0; k < 3; ++k)
    p0[k] = std::clamp(std::round(p0[k]), 0.0, double(info_->shape[k] - 1));
  return p0;
}

void View3D::mousePressEvent(QMouseEvent* e) {
  pressPos_ = e->position();
  pressed_ = e->button() == Qt::LeftButton;
  // Shift+left pans, as in the slice views (VTK's trackball style pans on Shift+left too).
  VtkGlWidget::mousePressEvent(e);
}

void View3D::mouseReleaseEvent(QMouseEvent* e) {
  VtkGlWidget::mouseReleaseEvent(e);
  if (!pressed_ || e->button() != Qt::LeftButton) return;
  pressed_ = false;
  const QPointF d = e->position() - pressPos_;
  if (std::abs(d.x()) + std::abs(d.y()) > 3 || e->modifiers() != Qt::NoModifier) return;
  if (auto voxel = pickVoxel(e->position())) emit pointPicked(*voxel);
}

void View3D::mouseDoubleClickEvent(QMouseEvent* e) {
  if (e->button() == Qt::LeftButton) {
    pressed_ = false;
    emit maximiseRequested();
    return;
  }
  VtkGlWidget::mouseDoubleClickEvent(e);
}

void View3D::keyPressEvent(QKeyEvent* e) {
  // R / Home reset as in the slice views; the letters of the standard views otherwise.
  switch (e->key()) {
    case Qt::Key_R:
    case Qt::Key_Home:
      resetCamera();
      return;
    case Qt::Key_A:
      return standardView(e->modifiers() & Qt::ShiftModifier ? StandardView::Posterior
                                                             : StandardView::Anterior);
    case Qt::Key_L:
      return standardView(e->modifiers() & Qt::ShiftModifier ? StandardView::Right
                                                             : StandardView::Left);
    case Qt::Key_S:
      return standardView(e->modifiers() & Qt::ShiftModifier ? StandardView::Inferior
                                                             : StandardView::Superior);
    default:
      break;
  }
  // Not forwarded: VTK's default keys (wireframe, stereo, fly-to, exit) are no use here, so
  // VtkGlWidget's forwarding override is skipped on purpose.
  QOpenGLWidget::keyPressEvent(e);  // NOLINT(bugprone-parent-virtual-call)
}

}  // namespace nzviewer

#pragma once
// Wires the 3D view into a MainWindow (one line there, as the ROI and cache controllers):
// puts the view in the fourth cell of the view grid (the display controls move to a "Display"
// dock), streams its volume (VolumeStreamer), follows the crosshair, window, colour map, ROI
// boxes and label layers, moves the crosshair where the user clicks the volume, and owns the
// layouts: four views, the three slices, or any one view maximised (View → Layout, Ctrl+M on
// the view under the mouse, double-click in the 3D view). The voxel budget is a setting
// (QSettings view3d/voxelBudget, View → 3D voxel budget…; NZVIEW_3D_BUDGET overrides it).
#include <QObject>
#include <QPointer>
#include <QString>

class QComboBox;
class QLabel;
class QWidget;

namespace nzviewer {

class MainWindow;
class View3D;
class VolumeStreamer;
class LabelSurfaces;

enum class ViewLayout { Grid, Ortho, Only3d, OnlyAxial, OnlySagittal, OnlyCoronal };

class View3DController : public QObject {
  Q_OBJECT
 public:
  explicit View3DController(MainWindow* window);
  ~View3DController() override;

  View3D* view() const { return view_; }
  VolumeStreamer* streamer() const { return streamer_; }
  LabelSurfaces* labelSurfaces() const { return labels_; }
  QWidget* panel() const { return panel_; }  // the view with its tool row (the grid cell)

  void setLayout(ViewLayout layout);
  ViewLayout layout() const { return layout_; }
  // "grid" | "ortho" | "3d" (the --layout flag); false for anything else.
  bool setLayoutByName(const QString& name);
  // Maximises the view under the mouse (else the 3D view), or goes back to the last layout.
  void toggleMaximise(QWidget* which = nullptr);
  // True when the 3D view is hidden or shows its complete level (screenshot mode waits).
  bool ready() const;
  static std::int64_t savedBudget();

 private:
  void onOpened();
  void pushRequests();
  void updateStatus();
  void updateRois();
  void askBudget();

  MainWindow* window_;
  View3D* view_;
  VolumeStreamer* streamer_;
  LabelSurfaces* labels_;
  QWidget* panel_;
  QComboBox* mode_ = nullptr;
  QComboBox* preset_ = nullptr;
  QLabel* status_ = nullptr;
  ViewLayout layout_ = ViewLayout::Grid;
  ViewLayout beforeMaximise_ = ViewLayout::Grid;
};

}  // namespace nzviewer

#pragma once
// Display controls next to the views: colour map, window/level and presets (Full range: the
// data range loaded so far, ViewLinks), interpolation and linked zoom, time point and
// channel sliders for 4D/5D data (hidden for 3D; time with a play button), the crosshair position,
// and "Go to": a typed position in voxels or world mm that the crosshair jumps to.
#include <QTimer>
#include <QWidget>
#include <functional>

class QComboBox;
class QDoubleSpinBox;
class QSlider;
class QLabel;
class QFormLayout;
class QLayout;
class QLineEdit;
class QToolButton;

namespace nzviewer {

class ViewerState;
class OrthoViewer;
class ColourBar;
class ViewLinks;

class DisplayPanel : public QWidget {
  Q_OBJECT
 public:
  DisplayPanel(ViewerState* state, OrthoViewer* viewer, ViewLinks* links,
               QWidget* parent = nullptr);
  // What the Auto button does (the measure tools route it through the histogram of the selected
  // layer); without one, the image's window from its coarse level (OrthoViewer).
  void setAutoWindowHandler(std::function<void()> handler) { autoHandler_ = std::move(handler); }

 public slots:
  void syncFromState();
  // Jumps the crosshair to the position typed in the "Go to" field; false (and a red message
  // under it) when the text is not three numbers or the position is outside the volume.
  bool goToTyped();

 private:
  ViewerState* state_;
  OrthoViewer* viewer_;
  ViewLinks* links_;
  QComboBox* colormap_;
  ColourBar* colourBar_;
  QDoubleSpinBox *low_, *high_;
  QSlider *time_, *channel_;
  QLabel *timeLabel_, *channelLabel_, *crosshair_;
  QFormLayout* form_ = nullptr;
  QLayout *timeRow_ = nullptr, *channelRow_ = nullptr;
  QToolButton* play_;  // time playback: one time point per tick, wrapping around
  QTimer playTimer_;
  QLineEdit* goto_;
  QComboBox* gotoKind_;
  QLabel* gotoStatus_;
  bool syncing_ = false;
  std::function<void()> autoHandler_;
};

}  // namespace nzviewer

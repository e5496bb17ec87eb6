#pragma once
// Display controls next to the views: colour map, window/level and presets, time point and
// channel sliders for 4D/5D data, and the crosshair position.
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QSlider;
class QLabel;
class QFormLayout;
class QLayout;

namespace nzviewer {

class ViewerState;
class OrthoViewer;

class DisplayPanel : public QWidget {
  Q_OBJECT
 public:
  DisplayPanel(ViewerState* state, OrthoViewer* viewer, QWidget* parent = nullptr);

 public slots:
  void syncFromState();

 private:
  ViewerState* state_;
  OrthoViewer* viewer_;
  QComboBox* colormap_;
  QDoubleSpinBox *low_, *high_;
  QSlider *time_, *channel_;
  QLabel *timeLabel_, *channelLabel_, *crosshair_;
  QFormLayout* form_ = nullptr;
  QLayout *timeRow_ = nullptr, *channelRow_ = nullptr;
  bool syncing_ = false;
};

}  // namespace nzviewer

#pragma once
// Fills a HistogramWidget in the background for the layer selected in the layer panel (the
// reference image when none is): its coarsest level first (one or a few chunks), then the
// finest level with at most kRefineVoxels voxels, for the time point and channel on screen. A
// private loader on a worker thread, at a low priority and started a moment after the last
// restart; chunks the views hold are handed over. Restarted when a dataset opens, the selection
// changes or the time point changes. The GUI thread never joins the worker: a restart or the
// destructor cancels it and it stops on its own.
//
// The window drawn on the histogram, dragged on it and set by Auto is the target's: the
// reference's (ViewerState) or an image layer's (Layer::display). A label layer has no window:
// the widget shows a note instead of a histogram.
#include <QObject>
#include <QTimer>
#include <atomic>
#include <cstdint>
#include <memory>

#include "core/cancel.h"

namespace nz {
class Dataset;
}

namespace nzviewer {

class MainWindow;
class HistogramWidget;
struct Layer;

class HistogramFeeder : public QObject {
  Q_OBJECT
 public:
  static constexpr std::int64_t kRefineVoxels = std::int64_t{16} << 20;
  HistogramFeeder(MainWindow* window, HistogramWidget* widget);
  ~HistogramFeeder() override;
  void restart();
  bool running() const { return live_->load() > 0 || startTimer_.isActive(); }
  // The layer the histogram follows (-1: the reference image); restarts when it changes.
  void setTarget(int layerId);
  int target() const { return target_; }
  // The Auto window (model/auto_window.h) of the target from the histogram's percentiles
  // (exact at its level); before the histogram arrived, from what the views hold.
  void applyAutoWindow();
  // The target's window (what the widget draws), and setting it (a drag on the widget).
  bool targetWindow(double& low, double& high) const;
  void setTargetWindow(double low, double high);

 private:
  Layer* targetLayer() const;  // nullptr: the reference (or the layer is gone)
  void syncWindow();           // the widget draws the target's window
  void startJob();             // the worker restart() scheduled
  // The dataset the histogram counts (the reference's or the target image layer's); none for
  // a label layer (with `note`, the widget says why) or when nothing is open.
  std::shared_ptr<nz::Dataset> targetDataset(bool note);

  MainWindow* window_;
  HistogramWidget* widget_;
  int target_ = -1;
  nz::CancelSource cancel_;
  std::shared_ptr<std::atomic<int>> live_ = std::make_shared<std::atomic<int>>(0);
  std::uint64_t generation_ = 0;
  QTimer startTimer_;
};

}  // namespace nzviewer

#pragma once
// The three linked slice views and the logic between them and the data: every view change
// (crosshair, zoom, pan, resize, time point) becomes one new request generation (coalesced per
// event-loop turn), delivered chunks recompose the views (coalesced the same way), and the
// automatic window comes from the coarse level's histogram.
#include <QTimer>
#include <QWidget>
#include <array>

#include "views/slice_view.h"

class QGridLayout;

namespace nzviewer {

class DataSource;
class ViewerState;

class OrthoViewer : public QWidget {
  Q_OBJECT
 public:
  OrthoViewer(ViewerState* state, DataSource* source, QWidget* parent = nullptr);

  SliceView* view(ViewKind kind) const { return views_[static_cast<int>(kind)]; }
  std::array<SliceView*, 3> views() const { return views_; }
  // Puts `panel` in the fourth cell of the 2x2 grid (next to the coronal view).
  void setCornerWidget(QWidget* panel);

  // True when every view shows all chunks of the level it displays (failed ones count).
  bool allViewsComplete() const;
  double lastComposeMs() const { return lastComposeMs_; }
  double maxComposeMs() const { return maxComposeMs_; }

  // Window presets from the coarsest level's loaded voxels (no-op before any arrives).
  void applyAutoWindow();  // 0.5th..99.5th percentile
  void applyFullRange();   // min..max
  bool userAdjustedWindow() const { return userWindow_; }
  // Delivered chunks recompose the views at most once per `ms` (0: on the next event-loop
  // turn). Raised while an export runs, so chunks trickling in do not cost a render each.
  void setRecomposeDelay(int ms) { recomposeTimer_.setInterval(ms); }

 signals:
  void cursorInfo(const QString& text);
  void layerWindowsChanged();  // an image layer got its automatic window
  void requestsUpdated();

 public slots:
  void onDatasetOpened();
  void onDatasetClosed();

 private slots:
  void scheduleRequests() { requestTimer_.start(); }
  void scheduleRecompose() {
    if (!recomposeTimer_.isActive()) recomposeTimer_.start();  // a delay is never postponed
  }
  void updateRequests();
  void recomposeAll();

 private:
  // The Auto window (model/auto_window.h) and the min/max of the coarsest level loaded so far.
  bool coarseStats(double& autoLow, double& autoHigh, double& lo, double& hi) const;
  void describeCursor(SliceView* view, const QPointF& pos);
  QString describeLayers(SliceView* view, const QPointF& pos) const;
  void autoWindowLayers();

  ViewerState* state_;
  DataSource* source_;
  std::array<SliceView*, 3> views_{};
  QTimer requestTimer_, recomposeTimer_;
  bool requestsCurrent_ = false;  // views composed since the last request generation
  bool userWindow_ = false, applyingAuto_ = false;
  std::size_t autoChunkCount_ = 0;
  double lastComposeMs_ = 0, maxComposeMs_ = 0;
  QGridLayout* grid_ = nullptr;
};

}  // namespace nzviewer

#pragma once
// What ties the three slice views together beyond the shared ViewerState:
//  * linked zoom (an option): zooming one view zooms the others to the same scale (pixels per
//    mm) about the crosshair, so it stays where it is on their screens;
//  * display interpolation (nearest / linear) of every view;
//  * Home / R fits the view under the pointer (else the focused one); Shift+Home fits every
//    view and resets the window to Auto;
//  * the data range known so far: min..max over every chunk of the reference that has been
//    loaded, at any level (finest chunks carry the true extremes, coarse ones averages inside
//    them), scanned off the GUI thread. It sets the right-drag speed of the views and what
//    "Full range" applies.
// Both options are View menu actions (and display panel check boxes) kept in the settings.
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <unordered_map>
#include <utility>

#include "loader/chunk_key.h"

class QAction;

namespace nzviewer {

class DataSource;
class OrthoViewer;
class SliceView;
class ViewerState;

class ViewLinks : public QObject {
  Q_OBJECT
 public:
  ViewLinks(OrthoViewer* viewer, ViewerState* state, DataSource* source, QObject* parent);

  QAction* linkedZoomAction() const { return linkedZoom_; }
  QAction* linearAction() const { return linear_; }
  bool linkedZoom() const;
  bool linearInterpolation() const;
  void setLinkedZoom(bool on);
  void setLinearInterpolation(bool on);

  // Fits `requester`'s target (the view under the pointer, else `requester`); all: every view
  // and the Auto window.
  void fit(SliceView* requester, bool all);
  SliceView* hoveredView() const { return hovered_; }

  // min..max of every reference chunk scanned so far (false before the first scan finished).
  bool knownRange(double& lo, double& hi) const;
  // Scans what is loaded now, then sets the window to knownRange.
  void applyFullRange();

 signals:
  void rangeUpdated();  // knownRange changed (a scan finished)

 private:
  void onUserZoom(SliceView* source);
  void onDatasetOpened();
  void scan();
  void finishScan(std::uint64_t generation,
                  const std::vector<std::pair<nz::ChunkKey, std::pair<double, double>>>& ranges);
  void applyRange();

  OrthoViewer* viewer_;
  ViewerState* state_;
  DataSource* source_;
  QAction* linkedZoom_;
  QAction* linear_;
  QPointer<SliceView> hovered_;
  bool following_ = false;  // applying a linked zoom (the followers do not lead)

  // Chunk ranges scanned for the open dataset (generation: dropped when another opens).
  std::unordered_map<nz::ChunkKey, std::pair<double, double>, nz::ChunkKeyHash> scanned_;
  std::uint64_t generation_ = 0;
  double lo_ = 0, hi_ = 0;
  bool haveRange_ = false;
  bool scanning_ = false, rescan_ = false, fullRangePending_ = false;
  QTimer scanTimer_;  // coalesces chunk arrivals into one scan
};

}  // namespace nzviewer

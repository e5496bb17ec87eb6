#pragma once
// Progressive refinement of the 3D view under software OpenGL. A full-quality ray cast of the
// view costs llvmpipe 230-500 ms (about 3 us per pixel where rays cross the volume), far more
// than an event-loop turn may take. So a changed scene is first cast whole at a coarse image
// sample distance (a fraction of the rays, upsampled), then at full quality in horizontal
// strips, one per render turn, each clipped by a scissor (VTK's camera scissor: the clear and
// the cast stay inside the strip, the rest of the frame keeps what it had). Only the rows the
// volume covers on screen are refined (the rest of the coarse frame is already exact: lines
// and the background are drawn at full resolution). A strip's height follows the cost per
// pixel the last one took, so that each costs about kStripBudgetMs (and grows by at most a third:
// rays through the middle of a head cost more than those near its top); a change of the scene
// or of the frame size starts over with a whole frame.
#include <algorithm>
#include <cmath>

namespace nzviewer {

class StripRefiner {
 public:
  static constexpr double kStripBudgetMs = 24.0;
  static constexpr double kRaysMs = 12.0;
  // The coarse whole frame casts every 4th pixel each way (1/16 of the rays) of a view up to
  // kCoarseRefPixels (a grid cell, 456x370); a larger view casts proportionally fewer of its
  // pixels, so that its coarse frame costs about the cell's rays and not more (a maximised
  // view of 914x766 pixels: every 8th pixel each way; at every 4th its coarse frame was 75-90
  // ms under llvmpipe, most of it the rays).
  static constexpr double kCoarseDistance = 4.0;
  static constexpr double kCoarseRefPixels = 456.0 * 370.0;
  static double coarseSampleDistance(int w, int h) {
    return kCoarseDistance * std::sqrt(std::max(1.0, double(w) * double(h) / kCoarseRefPixels));
  }
  // Rays cost more with more samples per ray (a 256^3 level in a grid cell: a coarse frame of
  // 60-120 ms at every 4th pixel) and on a busier machine: each coarse frame's time sets the
  // next one's distance so that its rays take about kCoarseRaysMs (rays go as 1/distance^2),
  // never finer than coarseSampleDistance and at most kMaxCoarseScale times coarser.
  static constexpr double kCoarseRaysMs = 24.0;
  static constexpr double kMaxCoarseScale = 4.0;

  struct Pass {
    bool whole = true;  // the coarse whole frame; else the strip [y0, y0 + rows)
    int y0 = 0, rows = 0;
    double distance = 1;  // image sample distance (pixels between rays each way)
  };

  // The scene changed: the next pass is a coarse whole frame.
  void restart() { next_ = -1; }
  // Whether full-quality strips of the current frame remain to be cast.
  bool refining() const { return next_ >= 0; }

  // The next pass for a w x h frame (device pixels). Strips go from the top of the frame down
  // (OpenGL rows count upwards): a strip's cast also touches the row just below its scissor
  // (by a few grey levels, seen with llvmpipe), which the next strip then casts again.
  Pass next(int w, int h) {
    Pass p;
    if (next_ < 0 || next_ <= begin_ || w != w_ || h != h_) {
      w_ = w, h_ = h;
      next_ = -1;
      p.distance = coarseSampleDistance(w, h) * coarseScale_;
      return p;
    }
    p.whole = false;
    // A strip costs a fixed part (the render's own work, which grows with the view: 2-3 ms at
    // 914x766 pixels on llvmpipe single-sampled, 25-30 ms at 634x706 with VTK's 4-sample
    // framebuffer) and its rays, given at least kRaysMs.
    const double rays = std::max(kStripBudgetMs - fixedMs_, kRaysMs);
    const int fit = std::max(4, int(rays / std::max(perPixelMs_ * span_, 1e-3)));
    p.rows = std::min({fit, lastRows_ > 0 ? lastRows_ * 4 / 3 + 2 : fit, next_ - begin_});
    p.y0 = next_ - p.rows;
    next_ = p.y0;
    return p;
  }
  // After a whole pass: the rows [y0, y1) the volume covers on screen, `span` pixels wide.
  void setVolumeRows(int y0, int y1, int span) {
    begin_ = std::clamp(y0, 0, h_);
    y1 = std::clamp(y1, 0, h_);
    span_ = std::clamp(span, 1, std::max(1, w_));
    next_ = begin_ < y1 ? y1 : -1;
    lastRows_ = 0;
  }
  // The pass just cast took `ms`: learn the fixed part (most of the cheapest strip) and the
  // cost per pixel of the rest; stop once the rows are covered.
  void finished(const Pass& p, double ms) {
    if (p.whole) {
      if (ms > 0 && p.distance > 0) {
        const double rays = std::max(ms - (fixedMs_ < 1e8 ? fixedMs_ : 0.0), 1.0);
        const double want = p.distance * std::sqrt(rays / kCoarseRaysMs);
        coarseScale_ = std::clamp(want / coarseSampleDistance(w_, h_), 1.0, kMaxCoarseScale);
      }
      return;
    }
    if (ms > 0 && p.rows > 0) {
      fixedMs_ = std::min(fixedMs_, 0.9 * ms);
      perPixelMs_ = std::max(ms - fixedMs_, 0.1) / (double(p.rows) * span_);
    }
    lastRows_ = p.rows;
    if (next_ <= begin_) next_ = -1;
  }

 private:
  int w_ = 0, h_ = 0;
  int next_ = -1;  // one past the top row of the next strip; -1: none (the next pass is whole)
  int begin_ = 0;  // the lowest row to refine
  int span_ = 1;   // pixels of a row the volume covers
  int lastRows_ = 0;
  double perPixelMs_ = 0.004;  // llvmpipe on two cores, until measured
  double fixedMs_ = 1e9;       // the cheapest strip bounds it
  double coarseScale_ = 1;     // of the coarse frame's distance, learned from the last one
};

}  // namespace nzviewer

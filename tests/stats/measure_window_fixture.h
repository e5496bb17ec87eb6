// The window the measure GUI tests drive: opened on a dataset at 1400x1000 with every view
// complete, and deleted only once its statistics and histogram workers have stopped (none
// outlives a test).
#pragma once

#include <QTemporaryDir>
#include <QtTest>

#include "measure/measure_controller.h"
#include "ui/main_window.h"
#include "viewer/viewer_test_util.h"
#include "views/ortho_viewer.h"

class MeasureWindowFixture {
 protected:
  nzviewer::MainWindow* w_ = nullptr;
  QTemporaryDir tmp_;

  nzviewer::MeasureController* measure() const {
    return w_->findChild<nzviewer::MeasureController*>();
  }

  void closeWindow() {
    if (!w_) return;
    QVERIFY(nzviewer_test::waitFor([&] { return measure()->workersIdle(); }, 30000));
    delete w_;
    w_ = nullptr;
  }

  bool openDataset(const QString& uri) {
    closeWindow();
    w_ = nzviewer_test::openWindow(uri, QSize(1400, 1000));
    return w_ && nzviewer_test::waitFor([&] { return w_->viewer()->allViewsComplete(); }, 60000);
  }
};

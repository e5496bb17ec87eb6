#pragma once
// Helpers of the daily-use GUI tests: answering the "unsaved ROIs" question (or any named
// message box) as a user would, noticing any modal dialog, counting pixels of one colour, and
// opening a dataset in a window that may ask first.
#include <QApplication>
#include <QImage>
#include <QMessageBox>
#include <QPointer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>
#include <memory>

#include "ui/main_window.h"

namespace nzviewer_test {

// Answers the next modal message box named `name` with `button` (polling, as a user would);
// `seen` tells whether one appeared. Stop it (stop()) when the action is over.
struct BoxAnswer {
  bool seen = false;
  QString text;
  QPointer<QTimer> timer;
  void stop() {
    if (timer) timer->deleteLater();
  }
};

inline std::shared_ptr<BoxAnswer> answerBox(QMessageBox::StandardButton button,
                                            const QString& name = "unsavedRoisBox") {
  auto ans = std::make_shared<BoxAnswer>();
  auto* t = new QTimer;
  ans->timer = t;
  t->setInterval(20);
  QObject::connect(t, &QTimer::timeout, t, [t, ans, button, name] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box || box->objectName() != name) return;
    ans->seen = true;
    ans->text = box->text();
    t->stop();
    t->deleteLater();
    box->button(button)->click();
  });
  t->start();
  return ans;
}

// Closes any modal dialog that shows up (and counts them): an action that must not ask.
struct ModalWatch {
  int count = 0;
  QTimer timer;
  ModalWatch() {
    timer.setInterval(20);
    QObject::connect(&timer, &QTimer::timeout, [this] {
      if (QWidget* m = QApplication::activeModalWidget()) {
        ++count;
        m->close();
      }
    });
    timer.start();
  }
};

inline QString rgbCount(const QImage& img, QRgb want, int* n) {
  *n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x)
      if ((img.pixel(x, y) & 0xffffff) == (want & 0xffffff)) ++*n;
  return {};
}

// Opens `uri` in `w`, discarding unsaved ROIs when asked; true once it has opened.
inline bool reopenIn(nzviewer::MainWindow* w, const QString& uri) {
  auto ans = answerBox(QMessageBox::Discard);
  QSignalSpy opened(w, &nzviewer::MainWindow::datasetOpened);
  const bool started = w->openUri(uri);
  const bool ok = started && (opened.count() > 0 || opened.wait(30000));
  ans->stop();
  QTest::qWait(100);
  return ok;
}

}  // namespace nzviewer_test

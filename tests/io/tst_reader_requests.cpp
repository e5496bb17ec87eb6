#include <QtTest>

class ReaderRequests : public QObject {
  Q_OBJECT
 private slots:
  void placeholder() {}
};

QTEST_GUILESS_MAIN(ReaderRequests)
#include "tst_reader_requests.moc"

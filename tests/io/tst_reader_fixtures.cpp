#include <QtTest>

class ReaderFixtures : public QObject {
  Q_OBJECT
 private slots:
  void placeholder() {}
};

QTEST_GUILESS_MAIN(ReaderFixtures)
#include "tst_reader_fixtures.moc"

#include <QtTest>

class ReaderBadInput : public QObject {
  Q_OBJECT
 private slots:
  void placeholder() {}
};

QTEST_GUILESS_MAIN(ReaderBadInput)
#include "tst_reader_bad_input.moc"

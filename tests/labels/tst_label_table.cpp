// nz::LabelTable: ITK-SNAP label description files and FreeSurfer colour tables (rows, colours,
// opacity, visibility, names), the readout text, default colours, and bad tables (one clear
// error naming the file and line).
#include <QtTest>
#include <set>

#include "core/error.h"
#include "labels/label_table.h"

namespace {

// Written here in ITK-SNAP's own layout (header line 2 is the detection line).
const char* kItkSnap =
    "################################################\n"
    "# ITK-SnAP Label Description File\n"
    "# File format: \n"
    "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL\n"
    "################################################\n"
    "    0     0    0    0        0  0  0    \"Clear Label\"\n"
    "    1   255    0    0        1  1  1    \"Left hippocampus\"\n"
    "   12     0  128  255      0.5  1  0    \"Lesion core\"\n"
    "   17    10   20   30        1  0  1    \"Hidden one\"\n";

// FreeSurfer's layout: index name R G B T (T = transparency), sparse, unsorted, comments.
const char* kFreeSurfer =
    "#$Id: FreeSurferColorLUT.txt $\n"
    "\n"
    "#No. Label Name:                            R   G   B   A\n"
    "0   Unknown                                 0   0   0   0\n"
    "17  Left-Hippocampus                        220 216 20  0\n"
    "2   Left-Cerebral-White-Matter              245 245 245 0\n"
    "192 Corpus_Callosum                         250 255 50  0\n"
    "1000 ctx-lh-unknown                         25  5   25  0  1\n"
    "17  Duplicate-Ignored                       1   2   3   0\n"
    "55  Half-Transparent                        10  20  30  128\n";

}  // namespace

class TestLabelTable : public QObject {
  Q_OBJECT
 private slots:
  void itkSnap() {
    const nz::LabelTable t = nz::LabelTable::parse(kItkSnap, "seg.txt");
    QCOMPARE(t.entries().size(), std::size_t(3));  // row 0 is ignored (always clear)
    const nz::LabelEntry e1 = t.entry(1);
    QCOMPARE(int(e1.r), 255);
    QCOMPARE(int(e1.g), 0);
    QCOMPARE(int(e1.b), 0);
    QCOMPARE(e1.alpha, 1.0);
    QVERIFY(e1.visible);
    QCOMPARE(QString::fromStdString(e1.name), QString("Left hippocampus"));
    const nz::LabelEntry e12 = t.entry(12);
    QCOMPARE(int(e12.g), 128);
    QCOMPARE(int(e12.b), 255);
    QCOMPARE(e12.alpha, 0.5);
    QVERIFY(!t.entry(17).visible);
    QCOMPARE(QString::fromStdString(t.describe(12)), QString("12 Lesion core"));
    QCOMPARE(QString::fromStdString(t.describe(0)), QString("0"));
    QCOMPARE(t.entry(0).alpha, 0.0);
  }

  void freeSurfer() {
    const nz::LabelTable t = nz::LabelTable::parse(kFreeSurfer, "FreeSurferColorLUT.txt");
    QCOMPARE(t.entries().size(), std::size_t(5));
    QCOMPARE(QString::fromStdString(t.describe(17)), QString("17 Left-Hippocampus"));
    const nz::LabelEntry e = t.entry(17);  // the first row of a duplicate index wins
    QCOMPARE(int(e.r), 220);
    QCOMPARE(int(e.g), 216);
    QCOMPARE(int(e.b), 20);
    QCOMPARE(e.alpha, 1.0);
    QCOMPARE(QString::fromStdString(t.describe(192)), QString("192 Corpus_Callosum"));
    QCOMPARE(QString::fromStdString(t.describe(1000)), QString("1000 ctx-lh-unknown"));
    QVERIFY(std::abs(t.entry(55).alpha - 127.0 / 255.0) < 1e-12);
    // A value the table does not list: default colour, "Label N".
    QCOMPARE(QString::fromStdString(t.describe(3)), QString("3 Label 3"));
    QVERIFY(t.entry(3).alpha > 0);
  }

  void hideOneLabel() {
    nz::LabelTable t = nz::LabelTable::parse(kFreeSurfer, "lut.txt");
    t.setVisible(17, false);
    QVERIFY(!t.entry(17).visible);
    QCOMPARE(int(t.entry(17).r), 220);  // colour kept
    t.setVisible(9, false);             // not in the table: added with its default colour
    QVERIFY(!t.entry(9).visible);
    QCOMPARE(QString::fromStdString(t.entry(9).name), QString("Label 9"));
  }

  void defaultsAreDistinct() {
    std::set<std::tuple<int, int, int>> seen;
    for (int v = 1; v <= 64; ++v) {
      const nz::LabelEntry e = nz::defaultLabelEntry(v);
      QCOMPARE(e.alpha, 1.0);
      QVERIFY(e.visible);
      seen.insert({e.r, e.g, e.b});
    }
    QCOMPARE(seen.size(), std::size_t(64));
    // Neighbouring labels differ clearly (sum of channel differences).
    for (int v = 1; v < 64; ++v) {
      const nz::LabelEntry a = nz::defaultLabelEntry(v), b = nz::defaultLabelEntry(v + 1);
      QVERIFY2(std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b) > 60,
               qPrintable(QString("labels %1 and %2 look alike").arg(v).arg(v + 1)));
    }
  }

  void badTables_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString itkHead = "####\n# ITK-SnAP Label Description File\n";
    QTest::newRow("itk colour out of range")
        << itkHead +
               "    1   255    0    0  1  1  1  \"a\"\n    2   256    0    0  1  1  1  \"b\"\n"
        << "t.txt:4: bad label table row: R must be an integer 0..255, got '256'";
    QTest::newRow("itk missing quote")
        << itkHead + "    1   255    0    0  1  1  1  no-quotes\n"
        << "t.txt:3: bad label table row: the label name must be in double quotes";
    QTest::newRow("itk unclosed quote")
        << itkHead + "    1   255    0    0  1  1  1  \"open\n"
        << "t.txt:3: bad label table row: the label name has no closing quote";
    QTest::newRow("itk too few columns")
        << itkHead + "    1   255    0    0  1  \"a\"\n"
        << "t.txt:3: bad label table row: expected IDX R G B A VIS MSH \"LABEL\"";
    QTest::newRow("itk opacity")
        << itkHead + "    1   255    0    0  1.5  1  1  \"a\"\n"
        << "t.txt:3: bad label table row: opacity must be a number 0..1, got '1.5'";
    QTest::newRow("itk index")
        << itkHead + "   70000   255    0    0  1  1  1  \"a\"\n"
        << "t.txt:3: bad label table row: label index must be an integer 0..65535";
    QTest::newRow("fs letters for colour") << "#c\n17 Left-Hippocampus 220 x 20 0\n"
                                           << "t.txt:2: bad label table row: G must be an integer "
                                              "0..255, got 'x'";
    QTest::newRow("fs too few columns") << "1 A 1 2 3 0\n2 B 1 2\n"
                                        << "t.txt:2: bad label table row: expected 'index name R "
                                           "G B T [tissue-type]'";
    QTest::newRow("fs negative index") << "-3 A 1 2 3 0\n"
                                       << "t.txt:1: bad label table row: label index must be a "
                                          "non-negative integer, got '-3'";
    QTest::newRow("fs too many columns") << "1 A 1 2 3 0 1 extra\n"
                                         << "t.txt:1: bad label table row: expected";
    QTest::newRow("empty") << "# nothing here\n\n"
                           << "t.txt: no label rows found";
  }

  void badTables() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    try {
      nz::LabelTable::parse(text.toStdString(), "t.txt");
      QFAIL("no error");
    } catch (const nz::Error& e) {
      QCOMPARE(e.kind(), nz::ErrorKind::InvalidData);
      QVERIFY2(QString(e.what()).startsWith(message), e.what());
    }
  }

  void missingFile() {
    try {
      nz::LabelTable::load("/nonexistent/dir/lut.txt");
      QFAIL("no error");
    } catch (const nz::Error& e) {
      QCOMPARE(e.kind(), nz::ErrorKind::NotFound);
      QVERIFY(QString(e.what()).contains("/nonexistent/dir/lut.txt"));
    }
  }
};

QTEST_APPLESS_MAIN(TestLabelTable)
#include "tst_label_table.moc"

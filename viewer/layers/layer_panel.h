#pragma once
// The layer panel (a dock of the main window): the layers over the image, top first, with
// visibility (check box), order (drag in the list, or Up/Down), opacity, outline or filled labels,
// a label table (ITK-SNAP label description or FreeSurfer *LUT.txt), colour map and window for
// image layers, Remove, the selected layer's header in the Header panel ("Show image header"
// goes back to the image), and "Add image layer…" / "Add label layer…" through the open dialog
// (with its credential pages). Errors of layers (float data opened as labels, a bad label table, a
// layer outside the image) are shown here and in a dialog (stderr when the window is headless).
#include <QWidget>

class QListWidget;
class QSlider;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QLabel;
class QLineEdit;

namespace nzviewer {

class MainWindow;
class DataSource;
struct Layer;

class LayerPanel : public QWidget {
  Q_OBJECT
 public:
  // Adds itself to `window` as the "Layers" dock and a File menu entry.
  explicit LayerPanel(MainWindow* window);

  // The selected layer (nullptr when none).
  Layer* selected() const;
  void addLayerFromDialog(bool labels);
  // A URI dropped on `window` while an image is open: asks whether it is a label map, an image
  // layer or replaces the image (remote URIs go through the open dialog for credentials).
  // Returns false when the user chose to replace the image.
  static bool addDroppedLayer(MainWindow* window, const QString& uri);
  // Loads a label table file into the selected label layer; false (and a message) on error.
  bool loadLabelTable(const QString& path);
  QString lastMessage() const { return lastMessage_; }
  // Hides exactly the labels listed ("3, 17, 40-45") in the selected label layer; false (and a
  // message) when the list does not parse.
  bool setHiddenLabels(const QString& list);

 signals:
  // The selection moved to another layer (-1: none, the image itself): the histogram follows.
  void selectedLayerChanged(int id);

 private:
  void refresh();
  void showSelected();
  void orderFromList();                   // after a drag and drop in the list
  void showHeaderOf(const Layer* layer);  // nullptr: the image (reference)
  void applyEdits();
  void report(const QString& title, const QString& message);

  MainWindow* window_;
  DataSource* source_;
  QListWidget* list_;
  QSlider* opacity_;
  QCheckBox* outline_;
  QCheckBox* linear_;
  QComboBox* colormap_;
  QDoubleSpinBox* low_;
  QDoubleSpinBox* high_;
  QPushButton* table_;
  QLineEdit* hidden_;  // labels hidden one by one: "3, 17, 40-45"
  QPushButton* up_;
  QPushButton* down_;
  QPushButton* remove_;
  QPushButton* imageHeader_;
  int headerLayer_ = -1;  // layer whose header the Header panel shows (-1: the image)
  QLabel* info_;
  QString lastMessage_;
  bool updating_ = false;
  bool shownOnce_ = false;
  int selectedId_ = -1;  // last selectedLayerChanged
};

}  // namespace nzviewer

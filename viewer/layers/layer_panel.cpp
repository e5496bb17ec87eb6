#include "layers/layer_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMetaObject>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>
#include <cstdio>
#include <vector>

#include "core/error.h"
#include "data/data_source.h"
#include "store/store_options.h"
#include "ui/header_panel.h"
#include "ui/main_window.h"
#include "ui/open_dialog.h"
#include "uri/uri.h"

namespace nzviewer {

LayerPanel::LayerPanel(MainWindow* window)
    : QWidget(window), window_(window), source_(window->source()) {
  setObjectName("layerPanel");
  auto* layout = new QVBoxLayout(this);
  list_ = new QListWidget;
  list_->setObjectName("layerList");
  // Drag a layer up or down to change the drawing order (the top row is drawn last).
  list_->setDragDropMode(QAbstractItemView::InternalMove);
  list_->setDefaultDropAction(Qt::MoveAction);
  list_->setToolTip("Drag to reorder: the top row is drawn on top");
  layout->addWidget(list_, 1);

  auto* order = new QHBoxLayout;
  up_ = new QPushButton("Up");
  down_ = new QPushButton("Down");
  remove_ = new QPushButton("Remove");
  remove_->setObjectName("removeLayer");
  order->addWidget(up_);
  order->addWidget(down_);
  order->addWidget(remove_);
  layout->addLayout(order);
  // The header panel shows the selected layer's header; this shows the image's again.
  imageHeader_ = new QPushButton("Show image header");
  imageHeader_->setObjectName("showImageHeader");
  imageHeader_->setToolTip("The Header panel follows the selected layer; this deselects it");
  layout->addWidget(imageHeader_);

  auto* form = new QFormLayout;
  opacity_ = new QSlider(Qt::Horizontal);
  opacity_->setRange(0, 100);
  opacity_->setObjectName("layerOpacity");
  form->addRow("Opacity", opacity_);
  outline_ = new QCheckBox("Outline only");
  form->addRow("Labels", outline_);
  table_ = new QPushButton("Label table…");
  table_->setToolTip("ITK-SNAP label description file or FreeSurfer *LUT.txt");
  form->addRow("", table_);
  hidden_ = new QLineEdit;
  hidden_->setObjectName("hiddenLabels");
  hidden_->setPlaceholderText("e.g. 3, 17, 40-45");
  hidden_->setToolTip("Labels not drawn (the readout still names them)");
  form->addRow("Hide labels", hidden_);
  linear_ = new QCheckBox("Linear interpolation");
  linear_->setObjectName("layerLinear");
  form->addRow("Image", linear_);
  colormap_ = new QComboBox;
  colormap_->addItems(colormapNames());
  form->addRow("Colour map", colormap_);
  low_ = new QDoubleSpinBox;
  high_ = new QDoubleSpinBox;
  for (QDoubleSpinBox* b : {low_, high_}) {
    b->setRange(-1e12, 1e12);
    b->setDecimals(3);
  }
  form->addRow("Window low", low_);
  form->addRow("Window high", high_);
  layout->addLayout(form);

  auto* add = new QHBoxLayout;
  auto* addImage = new QPushButton("Add image layer…");
  auto* addLabels = new QPushButton("Add label layer…");
  add->addWidget(addImage);
  add->addWidget(addLabels);
  layout->addLayout(add);
  info_ = new QLabel;
  info_->setWordWrap(true);
  info_->setObjectName("layerInfo");
  layout->addWidget(info_);

  connect(addImage, &QPushButton::clicked, this, [this] { addLayerFromDialog(false); });
  connect(addLabels, &QPushButton::clicked, this, [this] { addLayerFromDialog(true); });
  connect(list_, &QListWidget::currentRowChanged, this, [this] { showSelected(); });
  // A drop reorders the rows: the layers follow once the model has settled (queued).
  auto reordered = [this] {
    if (!updating_)
      QMetaObject::invokeMethod(
          this, [this] { orderFromList(); }, Qt::QueuedConnection);
  };
  connect(list_->model(), &QAbstractItemModel::rowsMoved, this, reordered);
  connect(list_->model(), &QAbstractItemModel::rowsInserted, this, reordered);
  connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (updating_) return;
    if (Layer* l = source_->layer(item->data(Qt::UserRole).toInt())) {
      l->display.visible = item->checkState() == Qt::Checked;
      source_->notifyLayerDisplayChanged();
    }
  });
  connect(up_, &QPushButton::clicked, this, [this] {
    if (Layer* l = selected()) source_->moveLayer(l->id, +1);
  });
  connect(down_, &QPushButton::clicked, this, [this] {
    if (Layer* l = selected()) source_->moveLayer(l->id, -1);
  });
  connect(remove_, &QPushButton::clicked, this, [this] {
    if (Layer* l = selected()) source_->removeLayer(l->id);
  });
  connect(imageHeader_, &QPushButton::clicked, this, [this] {
    list_->setCurrentRow(-1);
    list_->clearSelection();
    showSelected();
  });
  connect(window, &MainWindow::datasetOpened, this, [this] { headerLayer_ = -1; });
  connect(table_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, "Label table", {}, "Label tables (*.txt *.lut *.ctbl);;All files (*)");
    if (!path.isEmpty()) loadLabelTable(path);
  });
  connect(hidden_, &QLineEdit::editingFinished, this, [this] {
    if (!updating_) setHiddenLabels(hidden_->text());
  });
  connect(opacity_, &QSlider::valueChanged, this, [this] { applyEdits(); });
  connect(outline_, &QCheckBox::toggled, this, [this] { applyEdits(); });
  connect(linear_, &QCheckBox::toggled, this, [this] { applyEdits(); });
  connect(colormap_, &QComboBox::currentIndexChanged, this, [this] { applyEdits(); });
  connect(low_, &QDoubleSpinBox::valueChanged, this, [this] { applyEdits(); });
  connect(high_, &QDoubleSpinBox::valueChanged, this, [this] { applyEdits(); });
  connect(source_, &DataSource::layersChanged, this, &LayerPanel::refresh);
  connect(source_, &DataSource::layerFailed, this,
          [this](const QString& m) { report("Could not add layer", m); });
  connect(source_, &DataSource::layerWarning, this,
          [this](const QString& m) { report("Layer outside the image", m); });

  QDockWidget* dock = window->addSidePanel(this, "Layers");
  dock->setObjectName("layersDock");
  // Hidden until the first layer is added (View → Layers shows it): a single image keeps the
  // whole window for its views.
  dock->hide();
  connect(source_, &DataSource::layersChanged, dock, [this, dock] {
    if (!source_->layers().empty() && !shownOnce_) {
      shownOnce_ = true;
      dock->show();
    }
  });
  for (QAction* a : window->menuBar()->actions()) {
    if (!a->menu()) continue;
    if (a->text() == "&View") a->menu()->addAction(dock->toggleViewAction());
    if (a->text() == "&File") {
      // After "Open sample", before the separator and Quit.
      QMenu* file = a->menu();
      QAction* before = nullptr;
      for (QAction* item : file->actions())
        if (item->isSeparator()) {
          before = item;
          break;
        }
      auto* addImageAction = new QAction("Add &image layer…", file);
      auto* addLabelsAction = new QAction("Add &label layer…", file);
      connect(addImageAction, &QAction::triggered, this, [this] { addLayerFromDialog(false); });
      connect(addLabelsAction, &QAction::triggered, this, [this] { addLayerFromDialog(true); });
      file->insertAction(before, addImageAction);
      file->insertAction(before, addLabelsAction);
    }
  }
  refresh();
}

Layer* LayerPanel::selected() const {
  QListWidgetItem* item = list_->currentItem();
  return item ? source_->layer(item->data(Qt::UserRole).toInt()) : nullptr;
}

void LayerPanel::addLayerFromDialog(bool labels) {
  if (!source_->isOpen()) {
    report("Could not add layer", "Open an image first: it sets the reference grid.");
    return;
  }
  OpenDialog dlg(this);
  dlg.setWindowTitle(labels ? "Add label layer" : "Add image layer");
  if (dlg.exec() != QDialog::Accepted) return;
  source_->addLayer(dlg.uri(), dlg.options(), labels ? LayerKind::Labels : LayerKind::Image);
}

bool LayerPanel::addDroppedLayer(MainWindow* window, const QString& uri) {
  // Names of segmentations in the wild: aseg, aparc, seg, label(s), mask, parc.
  const QString lower = uri.section('/', -1).toLower();
  bool labels = false;
  for (const char* hint : {"seg", "label", "mask", "parc", "atlas"})
    labels = labels || lower.contains(QLatin1String(hint));
  if (!window->isHeadless()) {
    QMessageBox box(QMessageBox::Question, "Add layer",
                    QString("Open %1 over the image as:").arg(uri.section('/', -1)),
                    QMessageBox::NoButton, window);
    QPushButton* asLabels = box.addButton("Label map", QMessageBox::AcceptRole);
    QPushButton* asImage = box.addButton("Image layer", QMessageBox::AcceptRole);
    QPushButton* replace = box.addButton("Replace image", QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(labels ? asLabels : asImage);
    box.setInformativeText("Shift+drop replaces the image without asking.");
    box.exec();
    if (box.clickedButton() == replace) return false;
    if (box.clickedButton() != asLabels && box.clickedButton() != asImage) return true;
    labels = box.clickedButton() == asLabels;
  }
  QString target = uri;
  nz::StoreOptions options;
  if (OpenDialog::pageForUri(uri) != OpenDialog::Page::Local && !window->isHeadless()) {
    OpenDialog dlg(window);
    dlg.setUri(uri);
    if (dlg.exec() != QDialog::Accepted) return true;
    target = dlg.uri();
    options = dlg.options();
  }
  window->source()->addLayer(target, options, labels ? LayerKind::Labels : LayerKind::Image);
  return true;
}

bool LayerPanel::loadLabelTable(const QString& path) {
  Layer* l = selected();
  if (!l || l->kind != LayerKind::Labels) {
    report("Label table", "Select a label layer first.");
    return false;
  }
  try {
    l->labels = nz::LabelTable::load(path.toStdString());
  } catch (const std::exception& e) {
    report("Could not load the label table", QString::fromStdString(e.what()));
    return false;
  }
  info_->setText(
      QString("%1: %2 labels from %3").arg(l->name).arg(l->labels.entries().size()).arg(path));
  source_->notifyLayerDisplayChanged();
  return true;
}

bool LayerPanel::setHiddenLabels(const QString& list) {
  Layer* l = selected();
  if (!l || l->kind != LayerKind::Labels) {
    report("Hide labels", "Select a label layer first.");
    return false;
  }
  std::vector<std::int64_t> hide;
  for (const QString& part : list.split(',', Qt::SkipEmptyParts)) {
    const QString t = part.trimmed();
    const QStringList range = t.split('-');
    bool ok1 = false, ok2 = true;
    const qlonglong a = range.value(0).trimmed().toLongLong(&ok1);
    const qlonglong b = range.size() == 2 ? range.value(1).trimmed().toLongLong(&ok2) : a;
    if (!ok1 || !ok2 || range.size() > 2 || a < 0 || b < a || b - a > 100000) {
      report("Hide labels", QString("'%1' is not a label or a range like 40-45").arg(t));
      return false;
    }
    for (qlonglong v = a; v <= b; ++v) hide.push_back(v);
  }
  for (auto& [value, entry] : l->labels.entries()) entry.visible = true;
  for (std::int64_t v : hide) l->labels.setVisible(v, false);
  source_->notifyLayerDisplayChanged();
  return true;
}

void LayerPanel::refresh() {
  const int keep = selected() ? selected()->id : -1;
  updating_ = true;
  list_->clear();
  const auto& layers = source_->layers();
  int row = -1;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {  // top layer first
    const Layer& l = **it;
    auto* item = new QListWidgetItem(
        QString("%1 (%2)").arg(l.name, l.kind == LayerKind::Labels ? "labels" : "image"));
    item->setData(Qt::UserRole, l.id);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(l.display.visible ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(QString::fromStdString(nz::redactSecrets(l.uri.toStdString())));
    list_->addItem(item);
    if (l.id == keep || row < 0) row = list_->count() - 1;
  }
  if (row >= 0) list_->setCurrentRow(row);
  updating_ = false;
  showSelected();
}

void LayerPanel::orderFromList() {
  std::vector<int> bottomFirst;
  for (int row = list_->count() - 1; row >= 0; --row)
    if (QListWidgetItem* item = list_->item(row))
      bottomFirst.push_back(item->data(Qt::UserRole).toInt());
  source_->setLayerOrder(bottomFirst);
}

void LayerPanel::showHeaderOf(const Layer* l) {
  const int id = l ? l->id : -1;
  auto* header = window_->findChild<HeaderPanel*>();
  if (!header || id == headerLayer_ || !source_->isOpen()) return;
  headerLayer_ = id;
  if (l)
    header->setInfo(l->dataset->info(), 0);
  else
    header->setInfo(source_->dataset()->info(), source_->openSeconds());
}

void LayerPanel::showSelected() {
  Layer* l = selected();
  showHeaderOf(l);
  // Not while refresh() rebuilds the list (it passes through "no row"): its last call tells.
  if (const int id = l ? l->id : -1; !updating_ && id != selectedId_) {
    selectedId_ = id;
    emit selectedLayerChanged(id);
  }
  updating_ = true;
  for (QWidget* w : std::initializer_list<QWidget*>{opacity_, up_, down_, remove_})
    w->setEnabled(l != nullptr);
  const bool labels = l && l->kind == LayerKind::Labels;
  const bool image = l && l->kind == LayerKind::Image;
  outline_->setEnabled(labels);
  table_->setEnabled(labels);
  hidden_->setEnabled(labels);
  colormap_->setEnabled(image);
  linear_->setEnabled(image);
  low_->setEnabled(image);
  high_->setEnabled(image);
  if (l) {
    opacity_->setValue(static_cast<int>(std::lround(l->display.opacity * 100)));
    QStringList hiddenList;
    for (const auto& [value, entry] : l->labels.entries())
      if (!entry.visible) hiddenList << QString::number(value);
    hidden_->setText(hiddenList.join(", "));
    outline_->setChecked(l->display.outline);
    linear_->setChecked(l->display.linear);
    colormap_->setCurrentIndex(static_cast<int>(l->display.colormap));
    low_->setValue(l->display.low);
    high_->setValue(l->display.high);
    const auto& info = l->dataset->info();
    info_->setText(QString("%1: %2 %3×%4×%5, %6 level(s)%7")
                       .arg(l->name, nz::dtypeName(info.dtype))
                       .arg(info.shape[0])
                       .arg(info.shape[1])
                       .arg(info.shape[2])
                       .arg(info.levels.size())
                       .arg(l->overlapsReference ? "" : " — outside the image, not drawn"));
  } else {
    info_->setText(source_->isOpen() ? "No layers: add a label map or a second scan."
                                     : "Open an image, then add layers over it.");
  }
  updating_ = false;
}

void LayerPanel::applyEdits() {
  if (updating_) return;
  Layer* l = selected();
  if (!l) return;
  l->display.opacity = opacity_->value() / 100.0;
  l->display.outline = outline_->isChecked();
  l->display.linear = linear_->isChecked();
  l->display.colormap = static_cast<Colormap>(std::max(colormap_->currentIndex(), 0));
  if (l->kind == LayerKind::Image && high_->value() > low_->value()) {
    l->display.low = low_->value();
    l->display.high = high_->value();
    l->display.windowSet = true;
  }
  source_->notifyLayerDisplayChanged();
}

void LayerPanel::report(const QString& title, const QString& message) {
  const QString clean = QString::fromStdString(nz::redactSecrets(message.toStdString()));
  lastMessage_ = clean;
  info_->setText(clean);
  if (window_->isHeadless()) return;  // nzview prints layer messages on stderr
  QMessageBox box(QMessageBox::Warning, title, clean, QMessageBox::Ok, window_);
  box.exec();
}

}  // namespace nzviewer

#pragma once
// "Disk cache settings": on/off, directory, budget, what the cache holds now (computed on a
// worker thread), "Clear cache" (keeps pinned scans) and "Clear all" (pins too).
#include <QDialog>
#include <QPointer>

class QCheckBox;
class QLabel;
class QLineEdit;
class QDoubleSpinBox;

namespace nzviewer {

class CacheSettingsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit CacheSettingsDialog(QWidget* parent = nullptr);
  QLabel* usageLabel() const { return usage_; }
  // Clears on a worker thread, then refreshes the usage line.
  void clear(bool includePinned);
  void refreshUsage();
  void accept() override;  // saves and applies

 signals:
  void usageShown(const QString& text);

 private:
  std::string dir() const;
  QCheckBox* enabled_;
  QLineEdit* dir_;
  QDoubleSpinBox* budget_;
  QLabel* usage_;
};

}  // namespace nzviewer

#include "viewer/cache/cache_settings_dialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "cache/cache_config.h"
#include "cache/disk_cache.h"
#include "data/background.h"
#include "open/store_factory.h"
#include "viewer/cache/cache_settings.h"

namespace nzviewer {

CacheSettingsDialog::CacheSettingsDialog(QWidget* parent) : QDialog(parent) {
  setObjectName("cacheSettingsDialog");
  setWindowTitle("Disk cache");
  const nz::DiskCacheSettings s = nz::defaultDiskCache();
  auto* form = new QFormLayout;
  enabled_ = new QCheckBox("Keep fetched chunks on disk (instant reopen, offline use)");
  enabled_->setObjectName("cacheEnabled");
  enabled_->setChecked(s.enabled);
  dir_ = new QLineEdit(QString::fromStdString(s.dir));
  dir_->setObjectName("cacheDir");
  dir_->setPlaceholderText(QString::fromStdString(nz::DiskCache::defaultDir()));
  budget_ = new QDoubleSpinBox;
  budget_->setObjectName("cacheBudget");
  budget_->setRange(0.1, 100000);
  budget_->setDecimals(1);
  budget_->setSuffix(" GiB");
  budget_->setValue(double(s.budgetBytes) / double(1ull << 30));
  usage_ = new QLabel("…");
  usage_->setObjectName("cacheUsage");
  usage_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(enabled_);
  form->addRow("Directory", dir_);
  form->addRow("Budget", budget_);
  form->addRow("In the cache", usage_);
  auto* clear = new QPushButton("Clear cache");
  clear->setObjectName("clearCache");
  clear->setToolTip("Delete cached chunks; pinned scans stay");
  auto* clearAll = new QPushButton("Clear all, including pinned");
  clearAll->setObjectName("clearCacheAll");
  connect(clear, &QPushButton::clicked, this, [this] { this->clear(false); });
  connect(clearAll, &QPushButton::clicked, this, [this] { this->clear(true); });
  auto* row = new QHBoxLayout;
  row->addWidget(clear);
  row->addWidget(clearAll);
  row->addStretch();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &CacheSettingsDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* l = new QVBoxLayout(this);
  l->addLayout(form);
  l->addLayout(row);
  l->addWidget(buttons);
  connect(this, &CacheSettingsDialog::usageShown, usage_, &QLabel::setText);
  refreshUsage();
}

std::string CacheSettingsDialog::dir() const { return dir_->text().trimmed().toStdString(); }

void CacheSettingsDialog::refreshUsage() {
  usage_->setText("counting…");
  QPointer<CacheSettingsDialog> self(this);
  const std::string d = dir();
  const std::uint64_t budget = static_cast<std::uint64_t>(budget_->value() * double(1ull << 30));
  runDetached([self, d, budget] {
    QString text;
    try {
      const nz::CacheUsage u = nz::DiskCache::open(d, budget)->usage();
      text = QString("%1 in %2 objects of %3 scans; %4 pinned")
                 .arg(QString::fromStdString(nz::formatBytes(u.bytes)))
                 .arg(u.entries)
                 .arg(u.datasets)
                 .arg(QString::fromStdString(nz::formatBytes(u.pinnedBytes)));
    } catch (const std::exception& e) {
      text = QString::fromUtf8(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, text] {
          if (self) emit self->usageShown(text);
        },
        Qt::QueuedConnection);
  });
}

void CacheSettingsDialog::clear(bool includePinned) {
  usage_->setText("clearing…");
  QPointer<CacheSettingsDialog> self(this);
  const std::string d = dir();
  const std::uint64_t budget = static_cast<std::uint64_t>(budget_->value() * double(1ull << 30));
  runDetached([self, d, budget, includePinned] {
    try {
      nz::DiskCache::open(d, budget)->clear(includePinned);
    } catch (const std::exception&) {
    }
    QMetaObject::invokeMethod(
        qApp,
        [self] {
          if (self) self->refreshUsage();
        },
        Qt::QueuedConnection);
  });
}

void CacheSettingsDialog::accept() {
  nz::DiskCacheSettings s = nz::defaultDiskCache();
  s.enabled = enabled_->isChecked();
  s.dir = dir();
  s.budgetBytes = static_cast<std::uint64_t>(budget_->value() * double(1ull << 30));
  saveDiskCacheSettings(s);
  applyDiskCacheSettings(s);
  QDialog::accept();
}

}  // namespace nzviewer

#pragma once
// The rulers in the Statistics dock: the list (name and length in mm; Delete removes the
// selected one), the ruler tool toggle, and the intensity profile of the selected ruler for a
// dataset at the time point and channel on screen (sampled every half voxel from the chunks
// the viewer holds, finest level first).
#include <QWidget>
#include <functional>
#include <memory>

#include "dataset/dataset.h"

class QListWidget;
class QPushButton;
class QAction;

namespace nzviewer {

class DataSource;
class ViewerState;
class RulerModel;
class ProfilePlot;

class RulerPanel : public QWidget {
  Q_OBJECT
 public:
  RulerPanel(RulerModel* model, DataSource* source, ViewerState* state, QAction* toolAction,
             QWidget* parent = nullptr);
  // The dataset profiled (the reference when it returns null).
  void setProfileDataset(std::function<std::shared_ptr<nz::Dataset>()> which) {
    profileDataset_ = std::move(which);
  }
  void refresh();
  void updateProfile();
  QListWidget* list() const { return list_; }
  ProfilePlot* profile() const { return plot_; }

 private:
  RulerModel* model_;
  DataSource* source_;
  ViewerState* state_;
  QListWidget* list_;
  QPushButton* delete_;
  ProfilePlot* plot_;
  std::function<std::shared_ptr<nz::Dataset>()> profileDataset_;
};

}  // namespace nzviewer

// See vtk_gl_widget.h for the call order followed here.
// Raw GL calls live in gl_state.cpp (GLEW and Qt's GL headers cannot share a file).
#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkNew.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include "render/gl_state.h"
#include "render/vtk_gl_widget.h"

#include <QElapsedTimer>
#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QTimer>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace nzviewer {

struct VtkGlWidget::Vtk {
  vtkNew<vtkGenericOpenGLRenderWindow> window;
  vtkNew<vtkGenericRenderWindowInteractor> interactor;
  vtkNew<vtkRenderer> renderer;
};

namespace {
qint64 g_totalPaintNs = 0;  // GUI thread only

// One VTK render per event-loop turn across all views (GUI thread only). Views updated
// together (the three slices while chunks stream in) would otherwise render back to back in one
// paint pass, and with software GL each render takes 10 ms or more: spread over turns, input
// and timers are handled between them.
int g_rendersThisTurn = 0;
bool g_turnResetQueued = false;

// holdRenders(): the paint pass that shows many new widgets at once (a page switch) composes
// the window without any VTK render; the views render from the turn after it.
bool g_holdRenders = false;
bool g_holdReleaseQueued = false;
int g_holdGeneration = 0;

void releaseHoldNextTurn() {
  if (g_holdReleaseQueued) return;
  g_holdReleaseQueued = true;
  QTimer::singleShot(0, [] {
    g_holdRenders = false;
    g_holdReleaseQueued = false;
  });
}

bool claimRenderSlot() {
  if (g_holdRenders) {
    releaseHoldNextTurn();  // this pass stays without renders; the next ones do not
    return false;
  }
  if (g_rendersThisTurn > 0) return false;
  ++g_rendersThisTurn;
  if (!g_turnResetQueued) {
    g_turnResetQueued = true;
    QTimer::singleShot(0, [] {
      g_rendersThisTurn = 0;
      g_turnResetQueued = false;
    });
  }
  return true;
}
}  // namespace

qint64 VtkGlWidget::totalPaintNs() { return g_totalPaintNs; }

void VtkGlWidget::holdRenders() {
  g_holdRenders = true;
  // Released by the first paint pass it held; should no view paint at all (none visible),
  // released anyway after a moment.
  QTimer::singleShot(250, [generation = ++g_holdGeneration] {
    if (generation == g_holdGeneration) g_holdRenders = false;
  });
}

QSurfaceFormat VtkGlWidget::defaultFormat() {
  QSurfaceFormat fmt;
  fmt.setRenderableType(QSurfaceFormat::OpenGL);
  fmt.setVersion(3, 2);
  fmt.setProfile(QSurfaceFormat::CoreProfile);
  fmt.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
  fmt.setRedBufferSize(8);
  fmt.setGreenBufferSize(8);
  fmt.setBlueBufferSize(8);
  fmt.setAlphaBufferSize(8);
  fmt.setDepthBufferSize(24);
  fmt.setStencilBufferSize(0);
  fmt.setSamples(0);
  return fmt;
}

VtkGlWidget::VtkGlWidget(QWidget* parent) : QOpenGLWidget(parent), vtk_(new Vtk) {
  setFormat(defaultFormat());
  setFocusPolicy(Qt::StrongFocus);
  setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);
  setMouseTracking(true);

  auto* win = vtk_->window.Get();
  win->SetReadyForRendering(false);
  win->SetFrameBlitModeToNoBlit();
  win->AddRenderer(vtk_->renderer);
  vtk_->interactor->SetRenderWindow(win);
  vtk_->interactor->Initialize();  // never Start(): Qt owns the event loop

  // C callbacks on vtkCallbackCommand; the trampolines keep the handlers private.
  struct Tramp {
    static void makeCurrent(vtkObject*, unsigned long, void* client, void*) {
      static_cast<VtkGlWidget*>(client)->onMakeCurrent();
    }
    static void isCurrent(vtkObject*, unsigned long, void* client, void* call) {
      static_cast<VtkGlWidget*>(client)->onIsCurrent(call);
    }
    static void frame(vtkObject*, unsigned long, void* client, void*) {
      static_cast<VtkGlWidget*>(client)->onFrame();
    }
    static void createTimer(vtkObject*, unsigned long, void* client, void* call) {
      static_cast<VtkGlWidget*>(client)->onCreateTimer(call);
    }
    static void destroyTimer(vtkObject*, unsigned long, void* client, void* call) {
      static_cast<VtkGlWidget*>(client)->onDestroyTimer(call);
    }
  };
  auto observe = [this](vtkObject* obj, unsigned long ev,
                        void (*fn)(vtkObject*, unsigned long, void*, void*)) {
    vtkNew<vtkCallbackCommand> cb;
    cb->SetClientData(this);
    cb->SetCallback(fn);
    obj->AddObserver(ev, cb);
  };
  observe(win, vtkCommand::WindowMakeCurrentEvent, &Tramp::makeCurrent);
  observe(win, vtkCommand::WindowIsCurrentEvent, &Tramp::isCurrent);
  observe(win, vtkCommand::WindowFrameEvent, &Tramp::frame);
  observe(vtk_->interactor, vtkCommand::CreateTimerEvent, &Tramp::createTimer);
  observe(vtk_->interactor, vtkCommand::DestroyTimerEvent, &Tramp::destroyTimer);
}

VtkGlWidget::~VtkGlWidget() {
  // ~QOpenGLWidget emits aboutToBeDestroyed after this destructor: disconnect first (pitfall 5).
  QObject::disconnect(destroyConnection_);
  if (context() && isValid()) {
    makeCurrent();
    vtk_->window->Finalize();
    doneCurrent();
  }
  for (auto& [id, timer] : timers_) delete timer;
  timers_.clear();
  delete vtk_;
}

vtkGenericOpenGLRenderWindow* VtkGlWidget::renderWindow() const { return vtk_->window; }
vtkGenericRenderWindowInteractor* VtkGlWidget::interactor() const { return vtk_->interactor; }
vtkRenderer* VtkGlWidget::renderer() const { return vtk_->renderer; }

void VtkGlWidget::requestRender() {
  needRender_ = true;
  update();
}

bool VtkGlWidget::warmUp() {
  if (renderCount_ > 0 || warmedUp_) return true;
  warming_ = true;
  needRender_ = true;
  // grabFramebuffer creates the context (sharing with the window's, as when shown) and calls
  // paintGL outside a paint event, so it renders at once.
  const QImage frame = grabFramebuffer();
  warming_ = false;
  setWarmUpScene(false);
  // The stand-ins are never shown: render the empty scene once more (cheap), so what VTK's
  // framebuffer holds is the blank view. The first pictures are then paced like any other
  // (one view per event-loop turn, the blank view meanwhile) instead of all in one turn.
  needRender_ = true;
  grabFramebuffer();
  renderCount_ = 0;  // counts pictures: the warm-up frames are none
  maxPaintMs_ = lastPaintMs_ = 0;
  needRender_ = true;
  warmedUp_ = !frame.isNull();
  return warmedUp_;
}

void VtkGlWidget::initializeGL() {
  surface_ = context()->surface();
  gl::initContext(vtk_->window);
  softwareGl_ = gl::isSoftwareRenderer();
  QObject::disconnect(destroyConnection_);
  destroyConnection_ = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this,
                               &VtkGlWidget::onContextAboutToBeDestroyed, Qt::DirectConnection);
  updateVtkSize();
  needRender_ = true;
}

void VtkGlWidget::onContextAboutToBeDestroyed() {
  makeCurrent();
  vtk_->window->Finalize();
  vtk_->window->SetReadyForRendering(false);
}

void VtkGlWidget::updateVtkSize() {
  const double dpr = devicePixelRatioF();
  const int w = static_cast<int>(std::lround(width() * dpr));
  const int h = static_cast<int>(std::lround(height() * dpr));
  vtk_->interactor->UpdateSize(w, h);  // forwards to the render window's SetSize
  vtk_->window->SetSize(w, h);
  vtk_->window->SetDPI(static_cast<int>(std::lround(72 * dpr)));
}

void VtkGlWidget::resizeGL(int, int) {
  updateVtkSize();
  needRender_ = true;
}

void VtkGlWidget::paintGL() {
  auto* win = vtk_->window.Get();
  if (!win->GetReadyForRendering()) return;
  QElapsedTimer clock;
  clock.start();
  gl::beginPaint(win);
  // Pace only the update path, and only views that have a frame to show meanwhile (a picture,
  // or the blank frame a warm-up leaves); grabs (grabFramebuffer) and other first frames render
  // at once.
  if (needRender_ && inPaintEvent_ && (renderCount_ > 0 || warmedUp_) && !claimRenderSlot()) {
    QTimer::singleShot(0, this, [this] { update(); });  // the last frame stays until then
  } else if (needRender_) {
    prepareRender();
    if (warming_) setWarmUpScene(true);
    inPaint_ = true;
    needRender_ = false;
    vtk_->interactor->Render();  // into VTK's own FBO
    inPaint_ = false;
    ++renderCount_;
    const int* size = win->GetSize();
    renderedW_ = size[0], renderedH_ = size[1];
  }
  makeCurrent();  // QOpenGLWidget::makeCurrent is right here: it binds our FBO
  const double dpr = devicePixelRatioF();
  const int dw = static_cast<int>(std::lround(width() * dpr));
  const int dh = static_cast<int>(std::lround(height() * dpr));
  // Before its first picture a warmed-up view shows the background: the warm-up frame, of
  // another size, would be cut or stretched, and that blit costs llvmpipe 50-90 ms the first
  // time. Later resizes show the last picture until the new one comes.
  if (renderCount_ > 0 || (renderedW_ == dw && renderedH_ == dh))
    gl::endPaint(win, defaultFramebufferObject(), dw, dh);
  else
    gl::endPaintBlank(win, defaultFramebufferObject());
  g_totalPaintNs += clock.nsecsElapsed();
  lastPaintMs_ = double(clock.nsecsElapsed()) / 1e6;
  maxPaintMs_ = std::max(maxPaintMs_, lastPaintMs_);
  emit rendered();
}

void VtkGlWidget::paintEvent(QPaintEvent* e) {
  inPaintEvent_ = true;
  QOpenGLWidget::paintEvent(e);
  inPaintEvent_ = false;
}

void VtkGlWidget::onMakeCurrent() {
  // Only switch the context: QOpenGLWidget::makeCurrent would also bind Qt's FBO behind VTK's
  // state cache and VTK would attach its textures to it (black widget, pitfall 1).
  if (QOpenGLContext::currentContext() != context() && context() && surface_)
    context()->makeCurrent(surface_);
}

void VtkGlWidget::onIsCurrent(void* callData) {
  if (callData)
    *static_cast<bool*>(callData) =
        context() != nullptr && QOpenGLContext::currentContext() == context();
}

void VtkGlWidget::onFrame() {
  // A render triggered outside paintGL (an interactor style) reaches the screen via a blit.
  if (!inPaint_) update();
}

void VtkGlWidget::onCreateTimer(void*) {
  auto* iren = vtk_->interactor.Get();
  const int platformId = iren->GetTimerEventPlatformId();
  const bool oneShot = iren->GetTimerEventType() == vtkRenderWindowInteractor::OneShotTimer;
  auto* timer = new QTimer(this);
  timer->setSingleShot(oneShot);
  timer->setInterval(static_cast<int>(iren->GetTimerEventDuration()));
  connect(timer, &QTimer::timeout, this, [this, platformId] {
    auto* ir = vtk_->interactor.Get();
    int vtkId = ir->GetVTKTimerId(platformId);
    if (vtkId == 0) return;
    ir->InvokeEvent(vtkCommand::TimerEvent, &vtkId);
    if (ir->IsOneShotTimer(vtkId)) ir->DestroyTimer(vtkId);
  });
  auto old = timers_.find(platformId);
  if (old != timers_.end()) old->second->deleteLater();
  timers_[platformId] = timer;
  timer->start();
}

void VtkGlWidget::onDestroyTimer(void*) {
  const int platformId = vtk_->interactor->GetTimerEventPlatformId();
  auto it = timers_.find(platformId);
  if (it == timers_.end()) return;
  it->second->stop();
  it->second->deleteLater();
  timers_.erase(it);
}

void VtkGlWidget::setEventPosition(const QPointF& pos, Qt::KeyboardModifiers mods, int repeat) {
  const double dpr = devicePixelRatioF();
  auto* iren = vtk_->interactor.Get();
  iren->SetEventInformationFlipY(
      static_cast<int>(std::lround(pos.x() * dpr)), static_cast<int>(std::lround(pos.y() * dpr)),
      (mods & Qt::ControlModifier) ? 1 : 0, (mods & Qt::ShiftModifier) ? 1 : 0, 0, repeat);
  iren->SetAltKey((mods & Qt::AltModifier) ? 1 : 0);
}

void VtkGlWidget::forwardMouse(QMouseEvent* e, unsigned long vtkEvent, int repeat) {
  setEventPosition(e->position(), e->modifiers(), repeat);
  vtk_->interactor->InvokeEvent(vtkEvent, e);
}

void VtkGlWidget::forwardWheel(QWheelEvent* e) {
  setEventPosition(e->position(), e->modifiers(), 0);
  const QPoint d = e->angleDelta();
  auto* iren = vtk_->interactor.Get();
  if (d.y() > 0) iren->InvokeEvent(vtkCommand::MouseWheelForwardEvent, e);
  if (d.y() < 0) iren->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, e);
  if (d.x() > 0) iren->InvokeEvent(vtkCommand::MouseWheelLeftEvent, e);
  if (d.x() < 0) iren->InvokeEvent(vtkCommand::MouseWheelRightEvent, e);
}

static const char* keySym(int key) {
  switch (key) {
    case Qt::Key_Left:
      return "Left";
    case Qt::Key_Right:
      return "Right";
    case Qt::Key_Up:
      return "Up";
    case Qt::Key_Down:
      return "Down";
    case Qt::Key_PageUp:
      return "Prior";
    case Qt::Key_PageDown:
      return "Next";
    case Qt::Key_Home:
      return "Home";
    case Qt::Key_End:
      return "End";
    case Qt::Key_Escape:
      return "Escape";
    case Qt::Key_Return:
      return "Return";
    case Qt::Key_Space:
      return "space";
    case Qt::Key_Shift:
      return "Shift_L";
    case Qt::Key_Control:
      return "Control_L";
    case Qt::Key_Alt:
      return "Alt_L";
    default:
      return nullptr;
  }
}

void VtkGlWidget::forwardKey(QKeyEvent* e, bool press) {
  const QString text = e->text();
  const char ascii =
      text.size() == 1 && text[0].unicode() < 128 ? static_cast<char>(text[0].unicode()) : 0;
  std::string sym;
  if (const char* s = keySym(e->key()))
    sym = s;
  else if (ascii)
    sym = std::string(1, ascii);
  else
    sym = "None";
  auto* iren = vtk_->interactor.Get();
  iren->SetKeyEventInformation((e->modifiers() & Qt::ControlModifier) ? 1 : 0,
                               (e->modifiers() & Qt::ShiftModifier) ? 1 : 0, ascii,
                               e->isAutoRepeat() ? 1 : 0, sym.c_str());
  iren->SetAltKey((e->modifiers() & Qt::AltModifier) ? 1 : 0);
  if (press) {
    iren->InvokeEvent(vtkCommand::KeyPressEvent, e);
    if (ascii) iren->InvokeEvent(vtkCommand::CharEvent, e);
  } else {
    iren->InvokeEvent(vtkCommand::KeyReleaseEvent, e);
  }
}

static unsigned long pressEvent(Qt::MouseButton b) {
  switch (b) {
    case Qt::LeftButton:
      return vtkCommand::LeftButtonPressEvent;
    case Qt::MiddleButton:
      return vtkCommand::MiddleButtonPressEvent;
    case Qt::RightButton:
      return vtkCommand::RightButtonPressEvent;
    default:
      return vtkCommand::NoEvent;
  }
}
static unsigned long releaseEvent(Qt::MouseButton b) {
  switch (b) {
    case Qt::LeftButton:
      return vtkCommand::LeftButtonReleaseEvent;
    case Qt::MiddleButton:
      return vtkCommand::MiddleButtonReleaseEvent;
    case Qt::RightButton:
      return vtkCommand::RightButtonReleaseEvent;
    default:
      return vtkCommand::NoEvent;
  }
}

void VtkGlWidget::mousePressEvent(QMouseEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::mousePressEvent(e);
  if (auto ev = pressEvent(e->button()); ev != vtkCommand::NoEvent) forwardMouse(e, ev);
}
void VtkGlWidget::mouseDoubleClickEvent(QMouseEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::mouseDoubleClickEvent(e);
  if (auto ev = pressEvent(e->button()); ev != vtkCommand::NoEvent) forwardMouse(e, ev, 1);
}
void VtkGlWidget::mouseReleaseEvent(QMouseEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::mouseReleaseEvent(e);
  if (auto ev = releaseEvent(e->button()); ev != vtkCommand::NoEvent) forwardMouse(e, ev);
}
void VtkGlWidget::mouseMoveEvent(QMouseEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::mouseMoveEvent(e);
  forwardMouse(e, vtkCommand::MouseMoveEvent);
}
void VtkGlWidget::wheelEvent(QWheelEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::wheelEvent(e);
  forwardWheel(e);
  e->accept();
}
void VtkGlWidget::keyPressEvent(QKeyEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::keyPressEvent(e);
  forwardKey(e, true);
}
void VtkGlWidget::keyReleaseEvent(QKeyEvent* e) {
  if (!forwardEvents_) return QOpenGLWidget::keyReleaseEvent(e);
  forwardKey(e, false);
}
void VtkGlWidget::enterEvent(QEnterEvent* e) {
  if (forwardEvents_) {
    setEventPosition(e->position(), e->modifiers(), 0);
    vtk_->interactor->InvokeEvent(vtkCommand::EnterEvent, e);
  }
  QOpenGLWidget::enterEvent(e);
}
void VtkGlWidget::leaveEvent(QEvent* e) {
  if (forwardEvents_) vtk_->interactor->InvokeEvent(vtkCommand::LeaveEvent, e);
  QOpenGLWidget::leaveEvent(e);
}

}  // namespace nzviewer

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

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QPointer>
#include <QTimer>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>

namespace nzviewer {

struct VtkGlWidget::Vtk {
  vtkNew<vtkGenericOpenGLRenderWindow> window;
  vtkNew<vtkGenericRenderWindowInteractor> interactor;
  vtkNew<vtkRenderer> renderer;
};

namespace {
qint64 g_totalPaintNs = 0;  // GUI thread only

// holdRenders(): the paint pass that shows many new widgets at once (a page switch) composes
// the window without any VTK render; the views render from the turns after it.
bool g_holdRenders = false;
bool g_holdReleaseQueued = false;
int g_holdGeneration = 0;

// Paint passes (UpdateRequest events of the views' windows) seen so far.
int g_paintPasses = 0;

// Posts the hops of afterTurns below the priority of Qt's paint passes (UpdateRequest is posted
// at Qt::LowEventPriority): a hop and a paint pass of one event-loop iteration run in that
// order, so a render turn sees a paint pass of its own iteration; and counts paint passes.
class TurnPoster : public QObject {
 public:
  struct Hop : QEvent {
    explicit Hop(std::function<void()> f) : QEvent(type()), fn(std::move(f)) {}
    static QEvent::Type type() {
      static const auto t = QEvent::Type(QEvent::registerEventType());
      return t;
    }
    std::function<void()> fn;
  };
  static TurnPoster* instance() {
    static auto* poster = new TurnPoster;  // lives as long as the GUI thread's event loop
    return poster;
  }
  bool event(QEvent* e) override {
    if (e->type() != Hop::type()) return QObject::event(e);
    static_cast<Hop*>(e)->fn();
    return true;
  }
  bool eventFilter(QObject*, QEvent* e) override {
    if (e->type() == QEvent::UpdateRequest) ++g_paintPasses;
    return false;
  }
};

// Runs `fn` after `hops` event-loop iterations (what is posted while posted events are being
// sent waits for the next iteration).
void afterTurns(int hops, std::function<void()> fn) {
  if (hops <= 0) return fn();
  QCoreApplication::postEvent(TurnPoster::instance(),
                              new TurnPoster::Hop([hops, fn = std::move(fn)]() mutable {
                                afterTurns(hops - 1, std::move(fn));
                              }),
                              Qt::LowEventPriority - 1);
}
}  // namespace

// One VTK render per event-loop turn across all views, never in the turn of a paint pass
// (GUI thread only). A view that has a frame renders in a turn of its own, and a later paint
// pass only blits that frame and composes the window: under software GL a render (10-35 ms)
// and Qt's composition of the window (10-40 ms) then each take a turn instead of adding up in
// one. Views updated together (the three slices while chunks stream in) render in successive
// turns, input and timers handled between them.
//
// Heavy turns are kept apart by a light one: Qt's GLib event loop sends all posted events of a
// loop iteration before it dispatches timers and window-system (input) events, and those are
// only looked at when they were due as the iteration began. A render and the paint pass it
// posts in the very next iteration would block input as one stall; with a light iteration
// between them, input and timers get their turn. So: the render (iteration K), the update that
// posts the paint pass (K+1), the paint pass (K+2), the next render (K+4); a render turn that
// finds another paint pass came just before it waits two more iterations (at most twice, so
// that windows repainting all the time, e.g. while a drag updates the panels, still render).
struct RenderQueue {
  static inline std::deque<QPointer<VtkGlWidget>> views;
  static inline bool turnQueued = false;

  static void add(VtkGlWidget* w) {
    w->window()->installEventFilter(TurnPoster::instance());  // counts its paint passes
    if (!w->queued_) {
      w->queued_ = true;
      views.emplace_back(w);
    }
    queueTurn(2);  // the request may come from a heavy turn
  }
  // The render turn comes `hops` iterations from now (at least two). A paint pass in the
  // iteration before it or earlier in its own (counted from two iterations ahead) puts it off
  // by two more, at most twice.
  static void queueTurn(int hops, int deferred = 0) {
    if (turnQueued || g_holdRenders || views.empty()) return;
    turnQueued = true;
    afterTurns(std::max(hops, 2) - 2, [deferred] {
      afterTurns(2, [passes = g_paintPasses, deferred] {
        turnQueued = false;
        if (g_paintPasses != passes && deferred < 2)
          queueTurn(2, deferred + 1);
        else
          runTurn();
      });
    });
  }
  // The first queued view that still needs it renders; the next one after the paint pass that
  // shows this one's frame (or, when it is not shown yet, after a light iteration).
  static void runTurn() {
    if (g_holdRenders) return;  // queued again when the hold is released
    int hops = 2;               // a light iteration after this render
    while (!views.empty()) {
      QPointer<VtkGlWidget> w = views.front();
      views.pop_front();
      if (!w) continue;
      w->queued_ = false;
      if (!w->renderOffPaint()) continue;
      if (w->showFrame()) {
        afterTurns(1, [w] {
          if (w) w->update();  // the paint pass that blits the frame, in the turn after
        });
        hops = 4;
      }
      break;
    }
    queueTurn(hops);
  }
  static void releaseHold() {
    g_holdRenders = false;
    queueTurn(2);
  }
  static void releaseHoldNextTurn() {
    if (g_holdReleaseQueued) return;
    g_holdReleaseQueued = true;
    QTimer::singleShot(0, [] {
      g_holdReleaseQueued = false;
      releaseHold();
    });
  }
};

qint64 VtkGlWidget::totalPaintNs() { return g_totalPaintNs; }

void VtkGlWidget::holdRenders() {
  g_holdRenders = true;
  // Released by the first paint pass it held; should no view paint at all (none visible),
  // released anyway after a moment.
  QTimer::singleShot(250, [generation = ++g_holdGeneration] {
    if (generation == g_holdGeneration && g_holdRenders) RenderQueue::releaseHold();
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
  renderRequested();
  // A view with a frame renders in its own turn and then asks for the paint that shows it; a
  // paint pass now would only show the old frame again.
  if (hasFrame() && isValid() && isVisible())
    RenderQueue::add(this);
  else
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
  newContext_ = true;  // VTK's framebuffers are gone with the old context, if there was one
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

bool VtkGlWidget::renderOffPaint() {
  auto* win = vtk_->window.Get();
  if (!needRender_ || !isVisible() || !isValid() || !win->GetReadyForRendering()) return false;
  QElapsedTimer clock;
  clock.start();
  makeCurrent();
  gl::beginPaint(win);
  pacedRender_ = true;
  render();
  pacedRender_ = false;
  gl::endRender(win);  // pops the state cache, waits for the frame
  const qint64 ns = clock.nsecsElapsed();
  g_totalPaintNs += ns;
  lastPaintMs_ = double(ns) / 1e6;
  maxPaintMs_ = std::max(maxPaintMs_, lastPaintMs_);
  emit rendered();
  return true;
}

void VtkGlWidget::render() {
  prepareRender();
  if (warming_) setWarmUpScene(true);
  inPaint_ = true;
  needRender_ = false;
  vtk_->interactor->Render();  // into VTK's own FBO
  inPaint_ = false;
  newContext_ = false;
  ++renderCount_;
  const int* size = vtk_->window->GetSize();
  renderedW_ = size[0], renderedH_ = size[1];
}

void VtkGlWidget::paintGL() {
  auto* win = vtk_->window.Get();
  if (!win->GetReadyForRendering()) return;
  QElapsedTimer clock;
  clock.start();
  gl::beginPaint(win);
  bool rendered = false;
  // Views that have a frame to show meanwhile (a picture, or the blank frame a warm-up leaves)
  // render in a turn of their own (RenderQueue); grabs (grabFramebuffer) and other first
  // frames render here, at once.
  if (needRender_ && inPaintEvent_ && hasFrame()) {
    // A held pass stays without renders; the turns after it do not.
    if (g_holdRenders) RenderQueue::releaseHoldNextTurn();
    RenderQueue::add(this);  // the last frame stays until then
  } else if (needRender_) {
    render();
    rendered = true;
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
  const qint64 ns = clock.nsecsElapsed();
  g_totalPaintNs += ns;
  // The paint statistics time VTK renders (with their blit when in the same paint); a paint
  // that only blits counts towards the longest one (a first blit can be slow) and the total.
  if (rendered) lastPaintMs_ = double(ns) / 1e6;
  maxPaintMs_ = std::max(maxPaintMs_, double(ns) / 1e6);
  emit this->rendered();
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

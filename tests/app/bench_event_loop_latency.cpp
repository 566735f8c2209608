// app_bench_event_loop: how responsive the UI thread stays while a reply streams into the real window.
// A precise 4 ms timer ticks on the UI thread during generation; each tick's lateness (the gap since the
// previous tick minus 4 ms) is time the event loop could not react. Goal: p99 under 50 ms.
// Usage (under X or xvfb-run): app_bench_event_loop [--model DIR] [--tokens N] [--mode standard|think]
// Without --model it uses the 2-block test demo model (generated on first use, as the UI suites do).
#include "app/logging.hpp"
#include "demo_model_fixture.hpp"
#include "ui_harness.hpp"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

namespace {

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())));
    return values[index];
}

}  // namespace

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    QString model, mode = QStringLiteral("standard");
    int tokens = 400;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--model")) model = args[i + 1];
        else if (args[i] == QLatin1String("--tokens")) tokens = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--mode")) mode = args[i + 1];
        else {
            std::fprintf(stderr, "usage: app_bench_event_loop [--model DIR] [--tokens N] [--mode standard|think]\n");
            return 2;
        }
    }
    if (model.isEmpty()) {
        QString error;
        model = ui_test::ensureDemoModel(error);
        if (model.isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
    }
    qputenv("FATHOM_DEMO_MODEL", model.toUtf8());
    QTemporaryDir dataDir;
    QQuickStyle::setStyle(QStringLiteral("Material"));
    fathom::app::setupLogging(dataDir.path());
    ui_test::UiHarness ui(dataDir.path());
    if (!ui.ready()) return 1;
    ui.window->show();
    if (!QTest::qWaitForWindowExposed(ui.window)) return 1;

    auto& models = ui.context->model();
    models.useDemoModel();
    QElapsedTimer loadClock;
    loadClock.start();
    while (!models.ready()) {
        if (!models.loading() || loadClock.elapsed() > 120000) {
            std::fprintf(stderr, "the model did not load: %s\n", qPrintable(ui.context->status().errorText()));
            return 1;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    ui.context->settings().setMaxReplyTokens(tokens);

    constexpr int kTickMs = 4;
    std::vector<double> lateness;
    QElapsedTimer clock;
    qint64 lastTickNs = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(kTickMs);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (lastTickNs > 0) lateness.push_back(std::max(0.0, (now - lastTickNs) / 1e6 - kTickMs));
        lastTickNs = now;
    });
    int deltas = 0;
    QObject::connect(&ui.context->engine(), &fathom::app::EngineWorker::textDelta, [&] { ++deltas; });
    bool done = false;
    QObject::connect(&ui.context->chat(), &fathom::app::ChatController::replyFinished, [&] { done = true; });

    // Baseline first: the same ticks with nothing generating, so a loaded machine shows as such.
    clock.start();
    ticker.start();
    QElapsedTimer idle;
    idle.start();
    while (idle.elapsed() < 3000) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const std::vector<double> baseline = std::exchange(lateness, {});
    if (!ui.context->chat().sendMessage(QStringLiteral("Tell me about the sea, at length."), mode)) return 1;
    QElapsedTimer wall;
    wall.start();
    while (!done && wall.elapsed() < 600000) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    ticker.stop();
    if (!done) {
        std::fprintf(stderr, "the reply did not finish\n");
        return 1;
    }
    if (ui.context->status().hasError()) {
        std::fprintf(stderr, "the reply failed: %s\n", qPrintable(ui.context->status().errorText()));
        return 1;
    }
    const auto& messages = ui.context->messages();
    const auto& reply = messages.at(messages.rowCount() - 1);
    const double seconds = wall.elapsed() / 1000.0;
    std::printf("model %s, mode %s: %lld tokens in %.2f s (decode %.1f tokens/s), %d UI updates\n",
                qPrintable(model), qPrintable(mode), static_cast<long long>(reply.completion_tokens), seconds,
                reply.decode_ms > 0 ? (reply.completion_tokens - 1) * 1000.0 / reply.decode_ms : 0.0, deltas);
    std::printf("idle baseline over %zu ticks of %d ms: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", baseline.size(), kTickMs,
                percentile(baseline, 50), percentile(baseline, 99),
                baseline.empty() ? 0.0 : *std::max_element(baseline.begin(), baseline.end()));
    std::printf("event-loop lateness over %zu ticks of %d ms: p50 %.2f ms, p99 %.2f ms, max %.2f ms (goal: p99 < 50 ms)\n",
                lateness.size(), kTickMs, percentile(lateness, 50), percentile(lateness, 99),
                lateness.empty() ? 0.0 : *std::max_element(lateness.begin(), lateness.end()));
    return 0;
}

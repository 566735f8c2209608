#include "app/time_text.hpp"

#include <QDateTime>
#include <QLocale>

namespace fathom::app {

QString relativeTimeText(int64_t epochMs) {
    const QDateTime then = QDateTime::fromMSecsSinceEpoch(epochMs);
    const qint64 seconds = then.secsTo(QDateTime::currentDateTime());
    if (seconds < 60) return QStringLiteral("just now");
    if (seconds < 3600) return QStringLiteral("%1 min ago").arg(seconds / 60);
    if (seconds < 24 * 3600) return QStringLiteral("%1 h ago").arg(seconds / 3600);
    return QLocale().toString(then.date(), QLocale::ShortFormat);
}

QString clockText(int64_t epochMs) {
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(epochMs).time(), QLocale::ShortFormat);
}

}  // namespace fathom::app

#include "app/deletion_undo.hpp"

#include "app/app_log.hpp"

namespace fathom::app {

DeletionUndo::DeletionUndo(storage::ConversationStore& store, QObject* parent) : QObject(parent), store_(store) {
    timer_.setSingleShot(true);
    timer_.setInterval(kDefaultWindowMs);
    connect(&timer_, &QTimer::timeout, this, &DeletionUndo::finish);
}

DeletionUndo::~DeletionUndo() {
    if (!pending()) return;
    try {
        store_.purge_deleted(id_);
    } catch (const std::exception& e) {
        appLog()->warn("deleting conversation {} at quit failed (the next start removes it): {}", id_, e.what());
    }
}

void DeletionUndo::setWindowMs(int ms) {
    if (ms == timer_.interval() || ms <= 0) return;
    timer_.setInterval(ms);
    emit windowChanged();
}

void DeletionUndo::begin(qint64 id, const QString& title) {
    if (pending() && id != id_) finish();
    store_.mark_deleted(id);
    id_ = id;
    title_ = title;
    timer_.start();
    appLog()->info("conversation {} marked deleted; removed for good in {} ms unless undone", id, timer_.interval());
    emit changed();
}

qint64 DeletionUndo::undo() {
    if (!pending()) return 0;
    const qint64 id = id_;
    timer_.stop();
    clear();
    store_.restore_deleted(id);
    appLog()->info("deleting conversation {} undone", id);
    return id;
}

void DeletionUndo::finish() {
    if (!pending()) return;
    const qint64 id = id_;
    timer_.stop();
    clear();
    try {
        store_.purge_deleted(id);
        emit purged(id);
    } catch (const std::exception& e) {
        // The mark stays: the conversation is hidden, and the next start tries again.
        emit purgeFailed(QStringLiteral("Delete conversation"), QString::fromUtf8(e.what()));
    }
}

void DeletionUndo::clear() {
    id_ = 0;
    title_.clear();
    emit changed();
}

}  // namespace fathom::app

// DeletionUndo: a deleted conversation is first only marked (hidden, kept whole) and can be brought back during an
// undo window; when the window ends, another conversation is deleted, or the app quits, it is removed for good.
#pragma once

#include "storage/conversation_store.hpp"

#include <QObject>
#include <QString>
#include <QTimer>

namespace fathom::app {

class DeletionUndo : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool pending READ pending NOTIFY changed)
    Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY changed)
    Q_PROPERTY(QString title READ title NOTIFY changed)
    Q_PROPERTY(int windowMs READ windowMs WRITE setWindowMs NOTIFY windowChanged)

public:
    static constexpr int kDefaultWindowMs = 8000;

    explicit DeletionUndo(storage::ConversationStore& store, QObject* parent = nullptr);
    // A quit inside the window deletes as the user asked; a crash leaves the mark for the start-up purge.
    ~DeletionUndo() override;

    bool pending() const { return id_ != 0; }
    qint64 conversationId() const { return id_; }
    QString title() const { return title_; }
    int windowMs() const { return timer_.interval(); }
    void setWindowMs(int ms);

    // Marks the conversation deleted and opens the window; one still pending is removed first (one undo at a
    // time). Throws StorageError (not_found) when there is no such conversation.
    void begin(qint64 id, const QString& title);
    // Brings the pending conversation back whole and returns its id; 0 when nothing is pending.
    qint64 undo();
    // Removes the pending conversation now (the window ended, or the bar was closed).
    Q_INVOKABLE void finish();

signals:
    void changed();
    void windowChanged();
    void purged(qint64 conversationId);
    void purgeFailed(const QString& context, const QString& message);

private:
    void clear();

    storage::ConversationStore& store_;
    QTimer timer_;
    qint64 id_ = 0;
    QString title_;
};

}  // namespace fathom::app

// AppContext: everything the window needs, built over one data folder: the database and its stores, the
// job and engine workers, the list models and the controllers, and their registration as QML context properties.
// Destroying and rebuilding it over the same folder is an app restart (the UI test does exactly that).
#pragma once

#include "app/attachment_controller.hpp"
#include "app/chat_context_builder.hpp"
#include "app/chat_controller.hpp"
#include "app/conversation_list_model.hpp"
#include "app/engine_worker.hpp"
#include "app/memory_budget.hpp"
#include "app/ingestion/ingestion_controller.hpp"
#include "app/job_worker.hpp"
#include "app/markdown_styler.hpp"
#include "app/message_list_model.hpp"
#include "app/model_controller.hpp"
#include "app/settings_controller.hpp"
#include "app/status_controller.hpp"
#include "storage/conversation_store.hpp"
#include "storage/database.hpp"
#include "storage/settings_store.hpp"

#include <QObject>
#include <QString>

#include <memory>

class QQmlContext;

namespace fathom::app {

class AppContext : public QObject {
    Q_OBJECT
public:
    // Opens (and migrates) <dataDir>/fathom.db; throws storage::StorageError when it cannot.
    explicit AppContext(const QString& dataDir, QObject* parent = nullptr);
    ~AppContext() override;

    // Context properties: chatController, settingsController, statusController, modelController,
    // conversationModel, messageModel, ingestionController, attachmentController; the image://pdfpage provider.
    void expose(QQmlContext& context);

    const QString& dataDir() const { return dataDir_; }
    storage::Database& database() { return *database_; }
    JobWorker& worker() { return worker_; }
    EngineWorker& engine() { return engine_; }
    ModelController& model() { return model_; }
    StatusController& status() { return status_; }
    ChatController& chat() { return chat_; }
    SettingsController& settings() { return settings_; }
    ConversationListModel& conversations() { return conversations_; }
    MessageListModel& messages() { return messages_; }
    MemoryBudget& memoryBudget() { return memoryBudget_; }
    ingestion::IngestionController& ingestion() { return ingestion_; }
    ChatContextBuilder& contextBuilder() { return contextBuilder_; }
    AttachmentController& attachments() { return attachments_; }

private:
    QString dataDir_;
    std::unique_ptr<storage::Database> database_;
    storage::ConversationStore conversationStore_;
    storage::SettingsStore settingsStore_;
    StatusController status_;
    JobWorker worker_;
    EngineWorker engine_;
    ConversationListModel conversations_;
    MessageListModel messages_;
    SettingsController settings_;
    ModelController model_;
    ChatController chat_;
    MemoryBudget memoryBudget_;  // host and GPU budgets from Settings; the model controller checks loads against them
    MarkdownStyler markdownStyler_;
    ingestion::IngestionController ingestion_;  // documents: drop zone, progress, citations
    ChatContextBuilder contextBuilder_;         // a conversation's attached documents into its prompt
    AttachmentController attachments_;          // the chips above the composer
};

}  // namespace fathom::app

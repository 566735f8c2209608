#include "app/app_context.hpp"

#include "app/app_log.hpp"
#include "app/data_dir.hpp"
#include "app/page_image_provider.hpp"

#include <QDir>
#include <QQmlContext>
#include <QQmlEngine>
#include <QtQml/qqmlextensionplugin.h>

// The QML module (ui/, URI Fathom.Ui) is a static plugin; importing it here keeps every user of AppContext
// (the app and the UI tests) able to load qrc:/Fathom/Ui/Main.qml.
Q_IMPORT_QML_PLUGIN(Fathom_UiPlugin)

namespace fathom::app {

AppContext::AppContext(const QString& dataDir, QObject* parent)
    : QObject(parent),
      dataDir_(dataDir),
      database_(std::make_unique<storage::Database>(databasePath(dataDir))),
      conversationStore_(*database_),
      settingsStore_(*database_),
      conversations_(conversationStore_),
      messages_(conversationStore_),
      settings_(settingsStore_),
      model_(engine_, settings_, status_),
      chat_(conversationStore_, conversations_, messages_, status_, engine_, model_, settings_),
      memoryBudget_(settingsStore_),
      ingestion_(*database_, [this] {
          // Tokens are counted with the chosen model's tokenizer; without a model folder they are not.
          const QString folder = settings_.modelFolder();
          return folder.isEmpty() ? QString() : QDir(folder).filePath(QStringLiteral("tokenizer.json"));
      }),
      contextBuilder_(QString::fromStdString(databasePath(dataDir).string()),
                      [this] {
                          // The loaded model's tokenizer; with none loaded (replies from a remote server) the chosen
                          // model folder's, which is what the documents' tokens were counted with.
                          const QString folder = model_.ready() ? model_.model().folder : settings_.modelFolder();
                          return folder.isEmpty() ? QString() : QDir(folder).filePath(QStringLiteral("tokenizer.json"));
                      },
                      [this] { return model_.contextLimit(); }),
      attachments_(*database_, chat_, ingestion_, model_, settings_, contextBuilder_) {
    chat_.setContextBuilder(&contextBuilder_);
    model_.setMemoryBudget(&memoryBudget_);  // before the saved model folder starts loading (queued)
    connect(&memoryBudget_, &MemoryBudget::settingsError, &status_, &StatusController::reportError);
    connect(&ingestion_, &ingestion::IngestionController::ingestFailed, &status_,
            [this](const QString& message) { status_.reportError(QStringLiteral("Reading a document"), message); });
    connect(&worker_, &JobWorker::jobFailed, &status_, &StatusController::reportError);
    connect(&settings_, &SettingsController::settingsError, &status_, &StatusController::reportError);
    // Prefix snapshots live in the same database file, under an 8 GiB budget (least recently used evicted).
    engine_.setPrefixCache(QString::fromStdString(databasePath(dataDir_).string()), qint64{8} << 30);
    chat_.restore();
    appLog()->info("app state loaded from '{}'", dataDir_.toStdString());
}

AppContext::~AppContext() = default;

void AppContext::expose(QQmlContext& context) {
    context.setContextProperty(QStringLiteral("chatController"), &chat_);
    context.setContextProperty(QStringLiteral("settingsController"), &settings_);
    context.setContextProperty(QStringLiteral("statusController"), &status_);
    context.setContextProperty(QStringLiteral("modelController"), &model_);
    context.setContextProperty(QStringLiteral("markdownStyler"), &markdownStyler_);
    context.setContextProperty(QStringLiteral("conversationModel"), &conversations_);
    context.setContextProperty(QStringLiteral("messageModel"), &messages_);
    context.setContextProperty(QStringLiteral("memoryBudget"), &memoryBudget_);
    context.setContextProperty(QStringLiteral("ingestionController"), &ingestion_);
    context.setContextProperty(QStringLiteral("attachmentController"), &attachments_);
    if (QQmlEngine* engine = context.engine(); engine && !engine->imageProvider(QStringLiteral("pdfpage")))
        engine->addImageProvider(QStringLiteral("pdfpage"), new PageImageProvider(QString::fromStdString(databasePath(dataDir_).string())));
}

}  // namespace fathom::app

// StatusController: what the status bar says (which model is active, or that none is) and the error banner:
// any failure the user should know about (a worker job, a storage write) lands in errorText until dismissed.
#pragma once

#include <QObject>
#include <QString>

namespace fathom::app {

class StatusController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString text READ text NOTIFY textChanged)
    Q_PROPERTY(bool modelLoaded READ modelLoaded NOTIFY textChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorChanged)
    Q_PROPERTY(bool hasError READ hasError NOTIFY errorChanged)

public:
    static constexpr const char* kNoModelText = "No model loaded: choose a model folder in Settings";

    explicit StatusController(QObject* parent = nullptr) : QObject(parent) {}

    QString text() const;
    // True too while replies come from a remote server: something can answer.
    bool modelLoaded() const { return !modelName_.isEmpty() || !remote_.isEmpty(); }
    QString errorText() const { return errorText_; }
    bool hasError() const { return !errorText_.isEmpty(); }

    // Called by whatever loads a model (the engine worker, once the engine API exists); empty = none loaded.
    void setActiveModel(const QString& name);
    // While replies come from a remote server, the bar says so ("Remote: <model> at <host>") instead of the local
    // model's line; empty = the local model again.
    void setRemote(const QString& text);
    // What the model is doing or holds (loading progress; memory, context, tokens/s), after its name.
    void setDetail(const QString& detail);
    // `context` says what was being done ("Send message"); the newest error replaces an older one.
    void reportError(const QString& context, const QString& message);
    Q_INVOKABLE void dismissError();

signals:
    void textChanged();
    void errorChanged();

private:
    QString modelName_;
    QString detail_;
    QString remote_;
    QString errorText_;
};

}  // namespace fathom::app

// PageImageProvider: "image://pdfpage/DOC/PAGE" renders a stored PDF's page for the citation viewer. QML loads it
// on its image thread (never the UI thread); poppler runs in fathom-pdf-worker, so a bad PDF costs that process only.
#pragma once

#include <QImage>
#include <QQuickImageProvider>
#include <QString>

namespace fathom::app {

// Renders page `page` (from 1) of the PDF at `pdfPath`, `width` pixels wide, through the PDF worker. Throws
// fathom::Error with poppler's reason, or when the worker is missing, crashes or takes longer than 20 s.
QImage renderPdfPage(const QString& pdfPath, int page, int width, const QString& workerPath = {});

class PageImageProvider : public QQuickImageProvider {
public:
    explicit PageImageProvider(QString databasePath);
    // `id` is "DOC/PAGE"; a failure gives a null image (the viewer then says so and shows the stored text).
    QImage requestImage(const QString& id, QSize* size, const QSize& requestedSize) override;

private:
    QString databasePath_;
};

}  // namespace fathom::app

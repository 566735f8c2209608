// Shared by the ingestion suites: a QCoreApplication for QProcess, a temporary folder, file helpers and a
// small PDF writer that computes the cross-reference offsets, so malformed PDFs can be crafted byte by byte.
#pragma once

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <ostream>
#include <string>
#include <vector>

// CHECK_EQ prints both sides on failure; QString has no std::ostream operator of its own.
inline std::ostream& operator<<(std::ostream& out, const QString& text) { return out << text.toStdString(); }

namespace ingestion_test {

inline QCoreApplication& application() {
    static int argc = 1;
    static char name[] = "ingestion-test";
    static char* argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    return app;
}

inline void writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) throw std::runtime_error("cannot write " + path.toStdString());
    file.write(bytes);
}

// Objects are numbered from 1 in order; `trailerExtra` is added inside the trailer dictionary.
inline QByteArray buildPdf(const std::vector<std::string>& objects, const std::string& trailerExtra = "") {
    std::string body = "%PDF-1.4\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(body.size());
        body += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const size_t xref = body.size();
    body += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t offset : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
        body += line;
    }
    body += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R " + trailerExtra +
            " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return QByteArray::fromStdString(body);
}

inline std::string stream(const std::string& content) {
    return "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream";
}

// A PDF with one page per entry of `pageTexts`; an empty entry gives a page with no text (like a scan).
inline QByteArray textPdf(const std::vector<std::string>& pageTexts, const std::string& mediaBox = "[0 0 612 792]") {
    std::vector<std::string> objects = {"<< /Type /Catalog /Pages 2 0 R >>", "",
                                        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
    std::string kids;
    for (size_t i = 0; i < pageTexts.size(); ++i) {
        const size_t pageObject = objects.size() + 1;
        kids += std::to_string(pageObject) + " 0 R ";
        objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox " + mediaBox +
                          " /Resources << /Font << /F1 3 0 R >> >> /Contents " + std::to_string(pageObject + 1) + " 0 R >>");
        const std::string content = pageTexts[i].empty() ? std::string("0 0 m 100 100 l S")
                                                         : "BT /F1 12 Tf 72 700 Td (" + pageTexts[i] + ") Tj ET";
        objects.push_back(stream(content));
    }
    objects[1] = "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pageTexts.size()) + " >>";
    objects.push_back("<< /Title (Crafted) /Author (tests) >>");
    return buildPdf(objects, "/Info " + std::to_string(objects.size()) + " 0 R");
}

}  // namespace ingestion_test

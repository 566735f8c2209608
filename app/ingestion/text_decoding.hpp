// Turns a file's bytes into text without garbling it silently: BOMs (UTF-8/16/32) are honoured, strict UTF-8
// is accepted as is, anything else is read as Windows-1252/Latin-1 with a note saying so, binaries are refused.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace fathom::ingestion {

struct DecodedText {
    QString text;
    QString encoding;              // "UTF-8", "UTF-16LE (BOM)", "Latin-1 (not valid UTF-8)"...
    std::optional<QString> note;   // set when the user should know how the bytes were read
};

// True when the bytes look like a binary file: a NUL byte in the first 8 KiB without a UTF-16/32 BOM.
bool looksBinary(const QByteArray& head);

// Nullopt for binary content; `why` then says what gave it away.
std::optional<DecodedText> decodeText(const QByteArray& bytes, QString* why = nullptr);

}  // namespace fathom::ingestion

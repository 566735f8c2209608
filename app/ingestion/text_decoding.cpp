#include "app/ingestion/text_decoding.hpp"

#include <QStringDecoder>

#include <cstring>

namespace fathom::ingestion {

namespace {
struct Bom {
    const char* bytes;
    int length;
    QStringConverter::Encoding encoding;
    const char* name;
};
// UTF-32LE's BOM starts with UTF-16LE's, so the longer ones are tried first.
constexpr Bom kBoms[] = {
    {"\xFF\xFE\x00\x00", 4, QStringConverter::Utf32LE, "UTF-32LE (BOM)"},
    {"\x00\x00\xFE\xFF", 4, QStringConverter::Utf32BE, "UTF-32BE (BOM)"},
    {"\xEF\xBB\xBF", 3, QStringConverter::Utf8, "UTF-8 (BOM)"},
    {"\xFF\xFE", 2, QStringConverter::Utf16LE, "UTF-16LE (BOM)"},
    {"\xFE\xFF", 2, QStringConverter::Utf16BE, "UTF-16BE (BOM)"},
};

const Bom* findBom(const QByteArray& bytes) {
    for (const Bom& bom : kBoms)
        if (bytes.size() >= bom.length && std::memcmp(bytes.constData(), bom.bytes, size_t(bom.length)) == 0)
            return &bom;
    return nullptr;
}

// Qt 6.4's UTF-16 decoder passes unpaired surrogates through without flagging an error; they are not text.
// Replaces each with U+FFFD when `text` may be changed; returns how many there were.
int unpairedSurrogates(QString& text, bool replace) {
    int found = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            ++i;
        } else if (c.isSurrogate()) {
            ++found;
            if (replace) text[i] = QChar::ReplacementCharacter;
        }
    }
    return found;
}

// Decodes strictly: nullopt when the converter met an invalid sequence.
std::optional<QString> decodeStrict(QStringConverter::Encoding encoding, QByteArrayView bytes) {
    QStringDecoder decoder(encoding, QStringConverter::Flag::Stateless);
    QString text = decoder.decode(bytes);
    if (decoder.hasError() || unpairedSurrogates(text, false) > 0) return std::nullopt;
    return text;
}

// Offset of the first byte that breaks UTF-8, for the note (so a user can find it with a hex viewer).
qsizetype firstInvalidUtf8(const QByteArray& bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.constData());
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n;) {
        const unsigned char c = p[i];
        int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
        if (extra < 0 || (extra == 1 && c < 0xC2) || i + extra >= n) return i;
        for (int k = 1; k <= extra; ++k)
            if ((p[i + k] & 0xC0) != 0x80) return i;
        i += extra + 1;
    }
    return -1;
}
}  // namespace

bool looksBinary(const QByteArray& head) {
    if (findBom(head)) return false;
    return head.left(8192).contains('\0');
}

std::optional<DecodedText> decodeText(const QByteArray& bytes, QString* why) {
    if (const Bom* bom = findBom(bytes)) {
        const QByteArrayView body = QByteArrayView(bytes).sliced(bom->length);
        if (auto text = decodeStrict(bom->encoding, body)) return DecodedText{*text, QString::fromLatin1(bom->name), {}};
        // A BOM followed by bytes that do not fit it: decoded with replacement characters, and said so.
        QStringDecoder lenient(bom->encoding);
        QString text = lenient.decode(body);
        unpairedSurrogates(text, true);
        return DecodedText{text, QString::fromLatin1(bom->name),
                           QStringLiteral("invalid %1 after its byte-order mark; bad sequences shown as U+FFFD")
                               .arg(QString::fromLatin1(bom->name))};
    }
    if (looksBinary(bytes)) {
        if (why) *why = QStringLiteral("binary file (NUL bytes in the first 8 KiB, no UTF-16/32 byte-order mark)");
        return std::nullopt;
    }
    if (auto text = decodeStrict(QStringConverter::Utf8, bytes)) return DecodedText{*text, QStringLiteral("UTF-8"), {}};
    // Not UTF-8 and no BOM: the legacy 8-bit encoding of most such files. Every byte maps to a character,
    // so nothing is lost, but the user is told, since Shift-JIS or KOI8 text would read wrong.
    const qsizetype offset = firstInvalidUtf8(bytes);
    return DecodedText{QString::fromLatin1(bytes), QStringLiteral("Latin-1"),
                       QStringLiteral("not valid UTF-8 (first bad byte at offset %1); read as Latin-1").arg(offset)};
}

}  // namespace fathom::ingestion

// Text decoding: UTF-8 as is, BOMs honoured, other bytes read as Latin-1 with a note, binaries refused.
#include "app/ingestion/text_decoding.hpp"
#include "ingestion_test_support.hpp"
#include "unit.hpp"

using namespace fathom::ingestion;

TEST("valid UTF-8 is read as is, without a note") {
    const auto d = decodeText(QByteArray("na\xC3\xAFve \xE2\x88\x91 \xF0\x9F\x99\x82\n"));
    CHECK(d.has_value());
    CHECK_EQ(d->encoding, QStringLiteral("UTF-8"));
    CHECK(!d->note.has_value());
    CHECK_EQ(d->text, QString::fromUtf8("naïve ∑ 🙂\n"));
}

TEST("byte-order marks select UTF-8, UTF-16 and UTF-32 and are dropped from the text") {
    const auto utf8 = decodeText(QByteArray("\xEF\xBB\xBFhi"));
    CHECK_EQ(utf8->text, QStringLiteral("hi"));
    const auto le = decodeText(QByteArray("\xFF\xFEh\0\xE9\0", 6));
    CHECK_EQ(le->encoding, QStringLiteral("UTF-16LE (BOM)"));
    CHECK_EQ(le->text, QString::fromUtf8("hé"));
    const auto be = decodeText(QByteArray("\xFE\xFF\0h\0\xE9", 6));
    CHECK_EQ(be->text, QString::fromUtf8("hé"));
    const auto le32 = decodeText(QByteArray("\xFF\xFE\0\0h\0\0\0", 8));
    CHECK_EQ(le32->encoding, QStringLiteral("UTF-32LE (BOM)"));
    CHECK_EQ(le32->text, QStringLiteral("h"));
}

TEST("invalid UTF-8 is read as Latin-1 and the note gives the first bad offset") {
    const auto d = decodeText(QByteArray("caf\xE9 cr\xE8me"));  // Latin-1 bytes
    CHECK(d.has_value());
    CHECK_EQ(d->encoding, QStringLiteral("Latin-1"));
    CHECK_EQ(d->text, QString::fromUtf8("café crème"));
    CHECK(d->note.has_value());
    CHECK(d->note->contains(QStringLiteral("offset 3")));
    const auto truncated = decodeText(QByteArray("ok \xE2\x88"));  // a sequence cut short at the end
    CHECK(truncated->note->contains(QStringLiteral("offset 3")));
}

TEST("UTF-16 after its BOM with an unpaired surrogate is flagged, not silently mangled") {
    const auto d = decodeText(QByteArray("\xFF\xFE\x00\xD8h\0", 6));  // a lone high surrogate, then 'h'
    CHECK(d.has_value());
    CHECK(d->note.has_value());
    CHECK_EQ(d->text, QString::fromUtf8("\xEF\xBF\xBDh"));  // U+FFFD, then 'h'
}

TEST("NUL bytes without a BOM mean binary") {
    QString why;
    CHECK(!decodeText(QByteArray("\x7F" "ELF\x02\x01\x01\0\0\0", 10), &why).has_value());
    CHECK(why.contains(QStringLiteral("binary")));
    CHECK(looksBinary(QByteArray("a\0b", 3)));
    CHECK(!looksBinary(QByteArray("plain text")));
}

UNIT_MAIN()
